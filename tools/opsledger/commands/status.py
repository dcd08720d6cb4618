"""`opsledger status ID NEW_STATE`: move a record, stamping the time and adding the
timeline event; refused (exit 1, nothing written) where `check` would refuse."""

from __future__ import annotations

from opsledger import lifecycle, recordedit
from opsledger.problems import Outcome
from opsledger.reporters import FORMATS
from opsledger.requirements import gated_slots
from opsledger.workspace import Workspace


def run(*, record_id: str, new_state: str, note: str | None, person: str | None,
        now: str | None) -> Outcome:
    workspace = Workspace.open(now=now, person=person)
    record = workspace.record(record_id)
    who = workspace.person()
    at = recordedit.stamp_for(workspace, now)
    old_state = str(record.data.get("status"))
    text = (workspace.root / record.path).read_text(encoding="utf-8")
    yaml = recordedit.yaml_for(text)
    doc = yaml.load(text)
    doc["status"] = new_state
    recordedit.stamp_state(doc, record.kind, new_state, at)
    reopen = lifecycle.Edge(record.kind, old_state, new_state).reopen
    message = f"{old_state} -> {new_state}" + (f": {note}" if note else "")
    recordedit.add_event(doc, at, "reopen" if reopen else "status_change", message, who, reopen)
    new, problems = recordedit.write_checked(workspace, record, recordedit.dump(yaml, doc),
                                             workspace.clock)
    if problems:
        return Outcome("", 1, FORMATS["text"](problems, "refused, nothing written"))
    outcome = Outcome(record.path, note=f"{record.id}: {new.data.get('status')}")
    gate = gated_slots(record, old_state, new_state, workspace.policy)
    if gate:
        outcome.note += f"\nthis edge needs sign-offs for {gate[0]}: " + ", ".join(
            s.role for s in gate[1]) + " (see `opsledger show`)"
    return outcome

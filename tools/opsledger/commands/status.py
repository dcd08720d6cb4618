"""`opsledger status ID NEW_STATE`: move a record, stamping the time and adding the
timeline event; refused (exit 1, nothing written) where `check` would refuse."""

from __future__ import annotations

from opsledger import lifecycle, recordedit
from opsledger.approval import evaluate
from opsledger.escape import safe
from opsledger.problems import FatalError, Outcome
from opsledger.reporters import FORMATS
from opsledger.requirements import gate_for
from opsledger.wording import unknown
from opsledger.workspace import Workspace


def run(*, record_id: str, new_state: str, note: str | None, person: str | None,
        now: str | None) -> Outcome:
    workspace = Workspace.open(now=now, person=person)
    record = workspace.record(record_id)
    if new_state not in lifecycle.states(record.kind):
        raise FatalError(f"{record.id}: " + unknown(f"{record.kind} state", safe(new_state),
                                                    lifecycle.states(record.kind)))
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
    note = f"{record.id}: {new.data.get('status')}"
    gate = gate_for(new, old_state, new_state, workspace.policy,
                    record.data.get("severity"))
    if gate is not None:
        evaluation = evaluate(new, workspace.policy, gate, workspace.verifier())
        filled = ", ".join(f"{s.role} by {s.person}" for s in evaluation.slots if s.person)
        opened = ", ".join(f"{person} ({role})" for role, person in evaluation.opened_by)
        note += f" (gate {gate.name} met: {filled or opened})"
    return Outcome(record.path, note=note)

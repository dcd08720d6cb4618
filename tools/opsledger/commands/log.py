"""`opsledger log ID TEXT`: append one event to a record's timeline."""

from __future__ import annotations

from opsledger import recordedit
from opsledger.problems import Outcome
from opsledger.reporters import FORMATS
from opsledger.workspace import Workspace


def run(*, record_id: str, text: str, event_type: str, at: str | None, person: str | None,
        important: bool) -> Outcome:
    workspace = Workspace.open(now=at, person=person, now_flag="--at")
    record = workspace.record(record_id)
    who = workspace.person()
    source = (workspace.root / record.path).read_text(encoding="utf-8")
    yaml = recordedit.yaml_for(source)
    doc = yaml.load(source)
    recordedit.add_event(doc, recordedit.stamp_for(workspace, at), event_type, text, who,
                         important)
    new, problems = recordedit.write_checked(workspace, record, recordedit.dump(yaml, doc),
                                             workspace.clock)
    if problems:
        return Outcome("", 1, FORMATS["text"](problems, "refused, nothing written"))
    return Outcome(record.path, note=f"{record.id}: {new.data.get('status')}")

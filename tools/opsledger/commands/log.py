"""`opsledger log ID TEXT`: append one event to a record's timeline."""

from __future__ import annotations

from opsledger import recordedit
from opsledger.problems import FatalError, Outcome
from opsledger.reporters import FORMATS
from opsledger.workspace import Workspace


def run(*, record_id: str, text: str, event_type: str, at: str | None, person: str | None,
        important: bool, to: str | None = None, via: str | None = None) -> Outcome:
    extra = _notification(event_type, to, via)
    workspace = Workspace.open(now=at, person=person, now_flag="--at")
    record = workspace.record(record_id)
    who = workspace.person()
    source = (workspace.root / record.path).read_text(encoding="utf-8")
    yaml = recordedit.yaml_for(source)
    doc = yaml.load(source)
    recordedit.add_event(doc, recordedit.stamp_for(workspace, at), event_type, text, who,
                         important, extra)
    new, problems = recordedit.write_checked(workspace, record, recordedit.dump(yaml, doc),
                                             workspace.clock)
    if problems:
        return Outcome("", 1, FORMATS["text"](problems, "refused, nothing written"))
    return Outcome(record.path, note=f"{record.id}: {new.data.get('status')}")


def _notification(event_type: str, to: str | None, via: str | None) -> dict[str, str]:
    """A notification names who was told; only a notification does."""
    if event_type == "notification" and not to:
        raise FatalError("--type notification needs --to WHO (e.g. --to legal_counsel)")
    if event_type != "notification" and (to or via):
        raise FatalError("--to and --via go with --type notification")
    return {key: value for key, value in (("to", to), ("via", via)) if value}

"""`opsledger log ID TEXT`: append one event to a record's timeline."""

from __future__ import annotations

import dataclasses
import difflib

from opsledger import ids, recordedit
from opsledger.clihelp import event_types
from opsledger.escape import safe
from opsledger.problems import FatalError, Outcome, Problem
from opsledger.reporters import FORMATS
from opsledger.wording import unknown
from opsledger.workspace import Workspace


def run(*, record_id: str, text: str, event_type: str, at: str | None, person: str | None,
        important: bool, to: str | None = None, via: str | None = None) -> Outcome:
    kind = ids.kind_of(record_id)
    if kind is not None and event_type not in event_types(kind):
        raise FatalError("--type: " + unknown("event type", safe(event_type),
                                               event_types(kind)))
    extra = _notification(event_type, to, via)
    workspace = Workspace.open(now=at, person=person, now_flag="--at")
    record = workspace.record(record_id)
    who = workspace.person()
    source = (workspace.root / record.path).read_text(encoding="utf-8")
    yaml = recordedit.yaml_for(source)
    doc = yaml.load(source)
    stamp = recordedit.stamp_for(workspace, at)
    recordedit.add_event(doc, stamp, event_type, text, who, important, extra)
    proposed = recordedit.dump(yaml, doc)
    _, problems = recordedit.write_checked(workspace, record, proposed, workspace.clock)
    if problems:
        cited = [_in_file_on_disk(p, source, proposed) for p in problems]
        return Outcome("", 1, FORMATS["text"](cited, "refused, nothing written"))
    return Outcome(record.path, note=f"{record.id}: logged a {event_type} event at {stamp} "
                                     f"by {who}")


def _in_file_on_disk(problem: Problem, source: str, proposed: str) -> Problem:
    """Problems are found in the proposed text, which was not written: cite the line of the
    file as it is, or the new event itself, never a line the file does not have."""
    if problem.line is None:
        return problem
    old_lines, new_lines = source.splitlines(), proposed.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, a_start, _, b_start, b_end in matcher.get_opcodes():
        if b_start < problem.line <= b_end:
            if tag == "equal":
                return dataclasses.replace(problem, line=a_start + problem.line - b_start)
            return dataclasses.replace(problem, line=None, col=None,
                                       message=f"the new event: {problem.message}")
    return problem


def _notification(event_type: str, to: str | None, via: str | None) -> dict[str, str]:
    """A notification names who was told; only a notification does."""
    if event_type == "notification" and not to:
        raise FatalError("--type notification needs --to WHO (e.g. --to legal_counsel)")
    if event_type != "notification" and (to or via):
        raise FatalError("--to and --via go with --type notification")
    return {key: value for key, value in (("to", to), ("via", via)) if value}

"""Edits of a record file that keep comments, order and formatting, refuse what `check`
would refuse, and write atomically. The only module using ruamel."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from opsledger import lifecycle, timefmt
from opsledger.atomic import write_atomic
from opsledger.ledger import Ledger, Record, list_ids
from opsledger.loader import LoadError, load
from opsledger.problems import Problem, ordered
from opsledger.transitions import Change, check_change
from opsledger.validate import validate_record
from opsledger.workspace import Workspace


class Stamp(str):
    """A time written plain, like the hand-written ones (a str would be quoted, since YAML
    would otherwise read it back as a timestamp)."""

    __slots__ = ()


def yaml_for(text: str) -> YAML:
    """A round-trip YAML whose indentation reproduces the file unchanged, if any does."""
    for sequence, offset in ((4, 2), (2, 0), (2, 2), (3, 1)):
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=sequence, offset=offset)
        yaml.representer.add_representer(Stamp, _represent_stamp)
        if dump(yaml, yaml.load(text)) == text:
            return yaml
    return yaml


def _represent_stamp(representer: Any, value: Stamp) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", str(value))


def dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def add_event(doc: Any, at: str, kind: str, text: str, who: str, important: bool,
              extra: dict[str, str] | None = None) -> None:
    timeline = doc["timeline"]
    event = CommentedMap([("at", at), ("type", kind), ("text", text), ("by", who)])
    event.update(extra or {})  # a notification's `to` and `via`
    if important:
        event["important"] = True
    if len(timeline) and getattr(timeline[-1], "fa", None) and timeline[-1].fa.flow_style():
        event.fa.set_flow_style()  # match the file's one-line events
    timeline.append(event)


def stamp_state(doc: Any, kind: str, state: str, at: str) -> None:
    if kind == "incident":
        field = lifecycle.INCIDENT_STAMPS.get(state)
        if field and field not in doc["timestamps"]:
            doc["timestamps"][field] = at
        return
    if state == "implementing":
        doc.setdefault("execution", CommentedMap())["started_at"] = at
        _move_before(doc, "execution", "timeline")
    elif state in lifecycle.EXECUTION_RESULTS:
        execution = doc.setdefault("execution", CommentedMap())
        execution["finished_at"] = at
        execution["result"] = state


def _move_before(doc: Any, key: str, anchor: str) -> None:
    if key in doc and anchor in doc and list(doc).index(key) > list(doc).index(anchor):
        value = doc.pop(key)
        doc.insert(list(doc).index(anchor), key, value)


def stamp_for(workspace: Workspace, given: str | None) -> str:
    """The time to write: as the user gave it (the workspace clock was parsed from it), or
    the clock to the second."""
    if given is not None:
        return Stamp(given)
    return Stamp(timefmt.format_time(workspace.clock.replace(microsecond=0)))


def write_checked(workspace: Workspace, old: Record, text: str,
                  clock: datetime) -> tuple[Record, list[Problem]]:
    """Write text as the record's new file unless the new state would fail `validate` or
    the transition checks: (the new record, the problems that refused it)."""
    try:
        doc = load(old.path, text.encode("utf-8"))
    except LoadError as exc:
        return old, [exc.problem]
    new = Record(old.kind, old.id, old.path, doc, old.postmortem, old.signoffs)
    ledger = Ledger(records={old.id: new})
    list_ids(workspace.tree, ledger)
    verifier = workspace.verifier()
    problems: list[Problem] = list(validate_record(new, ledger, workspace.trust, verifier))
    # The verdict `check` would give on the same edge, gates included.
    problems += check_change(Change(old, new, workspace.policy, clock, verifier))
    if problems:
        return new, ordered(problems)
    write_atomic(workspace.root / old.path, text.encode("utf-8"))
    return new, []

"""`opsledger status` and `opsledger log`: edits that keep comments, order and formatting,
refuse what `check` would refuse, and write atomically. The only module using ruamel."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from opsledger import lifecycle, timefmt
from opsledger.atomic import write_atomic
from opsledger.commands import Outcome
from opsledger.identity import acting_person
from opsledger.ledger import Ledger, Record, list_ids
from opsledger.loader import LoadError, load
from opsledger.problems import FatalError, Problem
from opsledger.reporters import FORMATS
from opsledger.requirements import gated_slots
from opsledger.signoffs import Verifier
from opsledger.transitions import Change, check_change
from opsledger.tree import WorkTree
from opsledger.trust import Trust, load_trust
from opsledger.validate import validate_record
from opsledger.workspace import find_root, load_record

EXECUTION_RESULTS = ("succeeded", "failed", "rolled_back")


class _Stamp(str):
    """A time written plain, like the hand-written ones (a str would be quoted, since YAML
    would otherwise read it back as a timestamp)."""

    __slots__ = ()


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML whose indentation reproduces the file unchanged, if any does."""
    for sequence, offset in ((4, 2), (2, 0), (2, 2), (3, 1)):
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=sequence, offset=offset)
        yaml.representer.add_representer(_Stamp, _represent_stamp)
        if _dump(yaml, yaml.load(text)) == text:
            return yaml
    return yaml


def _represent_stamp(representer: Any, value: _Stamp) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", str(value))


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _event(doc: Any, at: str, kind: str, text: str, who: str, important: bool) -> None:
    timeline = doc["timeline"]
    event = CommentedMap([("at", at), ("type", kind), ("text", text), ("by", who)])
    if important:
        event["important"] = True
    if len(timeline) and getattr(timeline[-1], "fa", None) and timeline[-1].fa.flow_style():
        event.fa.set_flow_style()  # match the file's one-line events
    timeline.append(event)


def _context(record_id: str, person: str | None) -> tuple[Path, Record, Trust, str]:
    root = find_root()
    record = load_record(root, record_id)
    trust = load_trust(WorkTree(root))
    if trust.policy is None:
        raise FatalError("opsledger.yaml has problems; run `opsledger validate` first")
    return root, record, trust, acting_person(trust.policy, person, root)


def _at(value: str | None) -> tuple[str, datetime]:
    if value is None:
        now = timefmt.now_utc().replace(microsecond=0)
        return _Stamp(timefmt.format_time(now)), now
    try:
        return _Stamp(value), timefmt.parse(value)
    except ValueError as exc:
        raise FatalError(str(exc)) from None


def change_status(record_id: str, new_state: str, note: str | None, person: str | None,
                  now: str | None) -> Outcome:
    root, record, trust, who = _context(record_id, person)
    at, clock = _at(now)
    old_state = str(record.data.get("status"))
    text = (root / record.path).read_text(encoding="utf-8")
    yaml = _yaml_for(text)
    doc = yaml.load(text)
    doc["status"] = new_state
    _stamp(doc, record.kind, new_state, at)
    reopen = lifecycle.Edge(record.kind, old_state, new_state).reopen
    message = f"{old_state} -> {new_state}" + (f": {note}" if note else "")
    _event(doc, at, "reopen" if reopen else "status_change", message, who, reopen)
    outcome = _write_checked(root, record, trust, _dump(yaml, doc), clock)
    if outcome.code == 0:
        gate = gated_slots(record, old_state, new_state, trust.policy)  # type: ignore[arg-type]
        if gate:
            outcome.note += f"\nthis edge needs sign-offs for {gate[0]}: " + ", ".join(
                s.role for s in gate[1]) + " (see `opsledger show`)"
    return outcome


def _stamp(doc: Any, kind: str, state: str, at: str) -> None:
    if kind == "incident":
        field = lifecycle.INCIDENT_STAMPS.get(state)
        if field and field not in doc["timestamps"]:
            doc["timestamps"][field] = at
        return
    if state == "implementing":
        doc.setdefault("execution", CommentedMap())["started_at"] = at
        _move_before(doc, "execution", "timeline")
    elif state in EXECUTION_RESULTS:
        execution = doc.setdefault("execution", CommentedMap())
        execution["finished_at"] = at
        execution["result"] = state


def _move_before(doc: Any, key: str, anchor: str) -> None:
    if key in doc and anchor in doc and list(doc).index(key) > list(doc).index(anchor):
        value = doc.pop(key)
        doc.insert(list(doc).index(anchor), key, value)


def append_event(record_id: str, text: str, event_type: str, at: str | None,
                 person: str | None, important: bool) -> Outcome:
    root, record, trust, who = _context(record_id, person)
    stamp, clock = _at(at)
    source = (root / record.path).read_text(encoding="utf-8")
    yaml = _yaml_for(source)
    doc = yaml.load(source)
    _event(doc, stamp, event_type, text, who, important)
    return _write_checked(root, record, trust, _dump(yaml, doc), clock)


def _write_checked(root: Path, old: Record, trust: Trust, text: str,
                   clock: datetime) -> Outcome:
    assert trust.policy is not None
    try:
        doc = load(old.path, text.encode("utf-8"))
    except LoadError as exc:
        return Outcome("", 1, FORMATS["text"]([exc.problem], "refused, nothing written"))
    new = Record(old.kind, old.id, old.path, doc, old.postmortem, old.signoffs)
    ledger = Ledger(records={old.id: new})
    list_ids(WorkTree(root), ledger)
    verifier = Verifier(trust.policy)
    problems: list[Problem] = list(validate_record(new, ledger, trust, verifier))
    problems += check_change(Change(old, new, trust.policy, clock, verifier), gates=False)
    if problems:
        return Outcome("", 1, FORMATS["text"](sorted(set(problems)), "refused, nothing written"))
    write_atomic(root / old.path, text.encode("utf-8"))
    return Outcome(old.path, note=f"{old.id}: {new.data.get('status')}")

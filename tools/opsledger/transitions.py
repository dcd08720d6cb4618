"""Checks that need two states of one record: the edge taken and the invariants kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from opsledger import lifecycle, notifications, placeholders, schedule, timefmt
from opsledger.approval import Evaluation, evaluate
from opsledger.digest import digest
from opsledger.ledger import Record
from opsledger.loader import Key
from opsledger.policy import Policy
from opsledger.problems import Problem
from opsledger.requirements import Gate, gate_for
from opsledger.signoffs import Verifier


@dataclass
class Change:
    old: Record | None
    new: Record
    policy: Policy
    clock: datetime
    verifier: Verifier | None

    @property
    def old_status(self) -> str | None:
        return str(self.old.data.get("status")) if self.old else None

    @property
    def new_status(self) -> str:
        return str(self.new.data.get("status"))

    def problem(self, key: Key, code: str, message: str) -> Problem:
        assert self.new.doc is not None
        return self.new.doc.problem(key, code, f"{self.new.id}: {message}")


def deleted(old: Record) -> Problem:
    return Problem(old.path, None, None, "OL203", f"{old.id} was deleted or renamed; records are "
                   "never removed: move it to a terminal state instead")


def check_change(change: Change, gates: bool = True) -> Iterator[Problem]:
    if change.new.doc is None:
        return
    checks = [_created] if change.old is None else \
        [_id_kept, _edge_allowed, _terminal_kept, _timeline_appended, _signoffs_kept,
         _timestamps_kept, _approved_frozen, _reopen_reasoned, _mode_kept, _severity_known,
         _postmortem_kept]
    for check in [*checks, _window_and_freeze, _filled_in, _notifications_settled]:
        yield from check(change)
    if gates:
        yield from _gates(change)


def _created(change: Change) -> Iterator[Problem]:
    if _walk(change) is None:
        start = lifecycle.initial(change.new.kind)
        yield change.problem(("status",), "OL201", f"a new {change.new.kind} starts as {start} "
                             f"and can never reach {change.new_status}")


def _walk(change: Change) -> list[tuple[str, str]] | None:
    """The edges this change takes: a new record is judged as created in its lifecycle's
    first state and moved along in the same pull request, so every gate on the way applies."""
    if change.old is not None:
        return [(str(change.old_status), change.new_status)]
    emergency = change.new.data.get("change_type") == "emergency"
    return lifecycle.path_to(change.new.kind, change.new_status, emergency)


def _mode_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    if change.old.data.get("mode") != change.new.data.get("mode"):
        yield change.problem(("mode",), "OL213", f"mode changed from "
                             f"{change.old.data.get('mode')} to {change.new.data.get('mode')}; "
                             "mode never changes after an incident is declared (a drill is "
                             "declared as one)")


def _postmortem_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    before, after = (r.data.get("postmortem") for r in (change.old, change.new))
    if isinstance(before, dict) and before.get("required") is True and \
            not (isinstance(after, dict) and after.get("required") is True):
        yield change.problem(("postmortem", "required"), "OL216", "postmortem.required was "
                             "true and is withdrawn; a postmortem once owed stays owed (close "
                             "it with the close gate's sign-off)")


def _severity_known(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    before, after = change.old.data.get("severity"), change.new.data.get("severity")
    if after == lifecycle.UNKNOWN_SEVERITY and before not in (None, after):
        yield change.problem(("severity",), "OL214", f"severity {before} set back to "
                             f"{after}; SEV? exists only until the first assessment and is "
                             "never re-entered (a downgrade needs the downgrade gate)")


def _id_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    if change.old.data.get("id") != change.new.data.get("id"):
        yield change.problem(("id",), "OL202", f"id changed from {change.old.data.get('id')!r}; "
                             "ids never change")


def _edge_allowed(change: Change) -> Iterator[Problem]:
    yield from edge_problems(change.new, change.old_status, change.new_status)


def edge_problems(record: Record, old: str | None, new: str) -> Iterator[Problem]:
    if old is None or old == new:
        return
    emergency = record.data.get("change_type") == "emergency"
    edge = lifecycle.Edge(record.kind, old, new, emergency)
    if not edge.allowed:
        options = ", ".join(lifecycle.next_states(record.kind, old, emergency)) or "none"
        assert record.doc is not None
        yield record.doc.problem(("status",), "OL201", f"{record.id}: status {old} -> {new} is "
                                 f"not allowed (from {old}: {options})")


def _terminal_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    if not lifecycle.terminal(change.old.kind, change.old_status):
        return
    same_files = {s.path for s in change.old.signoffs} == {s.path for s in change.new.signoffs}
    if change.old.data != change.new.data or change.old.postmortem != change.new.postmortem \
            or not same_files:
        yield change.problem(("status",), "OL207", f"is {change.old_status}, a terminal state: "
                             "it can no longer change")


def _timeline_appended(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    old, new = _events(change.old), _events(change.new)
    for index, event in enumerate(old):
        if index >= len(new) or new[index] != event:
            yield change.problem(("timeline", min(index, max(len(new) - 1, 0))), "OL204",
                                 f"timeline event {index + 1} ({event.get('at')}, "
                                 f"{event.get('type')}) was edited or removed; the timeline is "
                                 "append-only: add a `correction` event instead")
            return


def _events(record: Record) -> list[dict[str, Any]]:
    events = record.data.get("timeline")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def _signoffs_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    new = {s.path: s for s in change.new.signoffs}
    for signoff in change.old.signoffs:
        kept = new.get(signoff.path)
        if kept is None or (kept.doc and signoff.doc and kept.doc.data != signoff.doc.data):
            what = "removed" if kept is None else "edited"
            yield Problem(signoff.path, None, None, "OL205", f"sign-off file {what}; sign-offs "
                          "are never edited or deleted: withdraw with `--decision revoke`")


def _stamps(record: Record) -> dict[Key, Any]:
    found: dict[Key, Any] = {}
    for parent in ("timestamps", "execution"):
        section = record.data.get(parent)
        if isinstance(section, dict):
            found.update({(parent, k): v for k, v in section.items() if k.endswith("_at")})
    return found


def _timestamps_kept(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    new = _stamps(change.new)
    corrected = any(e.get("type") == "correction"
                    for e in _events(change.new)[len(_events(change.old)):])
    for key, value in _stamps(change.old).items():
        dotted = ".".join(map(str, key))
        if key not in new:
            yield change.problem((key[0],), "OL206", f"{dotted} was cleared; a recorded time "
                                 "stays (fix it with a correction event)")
        elif new[key] != value and not corrected:
            yield change.problem(key, "OL206", f"{dotted} changed from {value} to {new[key]} "
                                 "without a `correction` timeline event explaining why")


def _approved_frozen(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    if change.new.kind != "release" or change.old_status not in lifecycle.RELEASE_FROZEN or \
            change.new_status == "submitted":
        return
    if digest(change.old) != digest(change.new):
        yield change.problem(("status",), "OL208", f"content changed while {change.old_status}; "
                             "an approved release is frozen: move it back to `submitted` and "
                             "collect the sign-offs again")


def _reopen_reasoned(change: Change) -> Iterator[Problem]:
    assert change.old is not None
    edge = lifecycle.Edge(change.new.kind, str(change.old_status), change.new_status)
    added = _events(change.new)[len(_events(change.old)):]
    if edge.reopen and not any(e.get("type") == "reopen" and str(e.get("text", "")).strip()
                               for e in added):
        yield change.problem(("status",), "OL212", "reopening needs a `reopen` timeline event "
                             "giving the reason (opsledger status ... --note REASON)")


def _filled_in(change: Change) -> Iterator[Problem]:
    """A record leaves the state `opsledger new` wrote it in (a release draft, an incident
    triage), but to be given up, only once the placeholders written there are replaced:
    reviewers would otherwise approve a skeleton, and responders read one."""
    kind = change.new.kind
    leaves = any(placeholders.leaves_skeleton(kind, old, new)
                 for old, new in _walk(change) or [])
    left = placeholders.left_in(change.new.data, kind) if leaves else []
    if left:
        yield change.problem(("status",), "OL103", f"cannot leave "
                             f"{placeholders.WRITTEN_IN[kind]} while these fields hold the "
                             f"template's placeholder text: {', '.join(left)}; write this "
                             f"{kind}'s own")


def _notifications_settled(change: Change) -> Iterator[Problem]:
    """Closing says what happened to every notification the plan owed: made, or waived with
    a reason the close sign-off approves; silence is not an answer."""
    if change.new.kind != "incident" or change.old_status == "closed" or \
            not any(new == "closed" for _, new in _walk(change) or []):
        return
    for owed in notifications.outstanding(change.new, change.policy):
        yield change.problem(("status",), "OL218", f"closing with the notification to "
                             f"{owed.to} never made; make it (opsledger log ... --type "
                             f"notification --to {owed.to}) or waive it in "
                             "notifications_waived with a reason")


def _started(change: Change) -> datetime | None:
    """When implementation started, if this change starts it: now for a record moved to
    implementing; for a record added past it, the start it records."""
    if change.new.kind != "release" or change.old_status == "implementing" or \
            not any(new == "implementing" for _, new in _walk(change) or []):
        return None
    if change.new_status == "implementing":
        return change.clock
    execution = change.new.data.get("execution")
    started = execution.get("started_at") if isinstance(execution, dict) else None
    return timefmt.parse_or_none(started) or change.clock


def _window_and_freeze(change: Change) -> Iterator[Problem]:
    started = _started(change)
    window = schedule.window_of(change.new, change.policy)
    if started is None or window is None:
        return  # nothing starts here, or the schema reports the window
    if not window.admits(started):
        written = change.new.data["window"]
        yield change.problem(("status",), "OL209", f"implementation started at "
                             f"{timefmt.format_time(started)}, outside the window "
                             f"{written['start']} .. {written['end']} (grace "
                             f"{window.grace.seconds // 60} min)")
    freeze = schedule.freeze_at(change.new, change.policy, started)
    if freeze is not None:
        yield change.problem(("status",), "OL210", f"implementation started inside the "
                             f"freeze window {freeze.name!r}; only "
                             f"{', '.join(freeze.allow) or 'nothing'} may start then")


Edge = tuple[str, str]


def walk(change: Change) -> list[Edge]:
    """The edges the change takes; none when its new state is out of reach."""
    return _walk(change) or []


def gate_evaluations(change: Change) -> list[tuple[Edge, Evaluation]]:
    """Each gate on the change's walk, at the first edge that needs it, evaluated once: what
    `check_change` reports and what a pull request's summary lays out."""
    old_severity = change.old.data.get("severity") if change.old else None
    seen: set[str] = set()
    found = []
    for old, new in walk(change):
        gate = gate_for(change.new, old, new, change.policy, old_severity)
        if gate is None or gate.name in seen:
            continue
        seen.add(gate.name)
        found.append(((old, new), evaluate(change.new, change.policy, _as_before(change, gate),
                                           change.verifier, _used_until(change, gate),
                                           _added_only(change, gate))))
    return found


def gate_problems(change: Change, gates: list[tuple[Edge, Evaluation]]) -> Iterator[Problem]:
    for _, evaluation in gates:
        for shortfall in evaluation.shortfalls():
            yield change.problem(("status",), shortfall.code,
                                 f"{evaluation.gate.purpose}: {shortfall.message}")


def _gates(change: Change) -> Iterator[Problem]:
    yield from gate_problems(change, gate_evaluations(change))


def _as_before(change: Change, gate: Gate) -> Gate:
    """Who may open a gate besides its roles (the requester may cancel) is read from the
    record as it was: a PR cannot make someone the requester and cancel in their name."""
    if change.old is None or not gate.also:
        return gate
    requester = change.old.data.get("requested_by")
    return replace(gate, also=(str(requester),) if requester else ())


def _added_only(change: Change, gate: Gate) -> frozenset[str] | None:
    """A downgrade's or a reopen's sign-off counts for the transition it comes with, in the
    same pull request: the content a downgrade signs (the lower severity) recurs if the
    severity goes up and down again, and a reopen's content is the same at every reopen, so
    only history (never a time someone wrote) can tell which reopen a sign-off was for."""
    if gate.name not in ("downgrade", "reopen") or change.verifier is None:
        return None
    return change.verifier.added


def _used_until(change: Change, gate: Gate) -> datetime | None:
    """An incident gate's sign-off counts for the first such transition after it was made:
    one made before the record's last reopen cannot approve another."""
    if gate.name != "reopen" or change.old is None:
        return None
    times = [timefmt.parse_or_none(e.get("at")) for e in _events(change.old)
             if e.get("type") == "reopen"]
    return max((t for t in times if t is not None), default=None)

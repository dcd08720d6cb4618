"""What a record owes and when it is overdue: postmortems, action items, approvals,
notifications, stakeholder updates and drills. One answer for the close gate, `opsledger
due`, the postmortems page and the action-item board."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from opsledger import drills, lifecycle, notifications, timefmt
from opsledger.ledger import Ledger, Record
from opsledger.policy import Policy


def postmortem_of(record: Record) -> dict[str, Any]:
    section = record.data.get("postmortem")
    return section if isinstance(section, dict) else {}


def severity_requires_postmortem(policy: Policy, mode: object, severity: object) -> bool:
    """The policy's answer for a real incident of this severity (drills and tests: never)."""
    return mode == "real" and bool(policy.severity(str(severity)).get("postmortem_required"))


def postmortem_required(record: Record, policy: Policy) -> bool:
    """Whether an incident owes a postmortem. Its severity's policy decides, re-read at every
    call so a changed severity changes the answer; the record's `postmortem.required: true`
    may add one (a SEV3 someone wants reviewed), but `false` never waives the policy's."""
    data = record.data
    return postmortem_of(record).get("required") is True or \
        severity_requires_postmortem(policy, data.get("mode"), data.get("severity"))


def postmortem_due(record: Record, policy: Policy) -> str | None:
    """The postmortem's due date: as written, or the severity's `postmortem_days` after the
    incident was resolved (None while neither is known)."""
    written = postmortem_of(record).get("due")
    if isinstance(written, str):
        return written
    resolved = timefmt.parse_or_none(record.mapping("timestamps").get("resolved_at"))
    days = policy.severity(str(record.data.get("severity"))).get("postmortem_days")
    if resolved is None or not isinstance(days, int):
        return None
    return str((resolved + timedelta(days=days)).date())


def postmortem_overdue(record: Record, policy: Policy, today: date) -> bool:
    due = postmortem_due(record, policy)
    return postmortem_required(record, policy) and \
        postmortem_of(record).get("status") != "approved" and _before(due, today)


def item_done(item: dict[str, Any]) -> bool:
    return item.get("status") in lifecycle.ACTION_ITEM_DONE


def item_overdue(item: dict[str, Any], today: date) -> bool:
    """Not done and past its due date (a missing or malformed date is never overdue)."""
    return not item_done(item) and _before(item.get("due"), today)


def _before(day: object, today: date) -> bool:
    if not isinstance(day, str) or not timefmt.is_date(day[:10]):
        return False
    return date.fromisoformat(day[:10]) < today


def overdue(ledger: Ledger, policy: Policy, clock: datetime) -> Iterator[str]:
    """One line per overdue obligation, in record order."""
    for record in sorted(ledger.records.values(), key=lambda r: r.id):
        if record.kind == "incident":
            yield from _incident(record, policy, clock.date())
            yield from _told(record, policy, clock)
        else:
            yield from _release(record, clock)
    yield from _drills(ledger, policy, clock.date())


def _told(record: Record, policy: Policy, clock: datetime) -> Iterator[str]:
    if lifecycle.terminal("incident", record.data.get("status")):
        return  # closing settled every notification (made or waived); nothing is owed after
    for owed in notifications.checklist(record, policy):
        if owed.state(clock) == "missing" and owed.deadline is not None:
            yield (f"{record.id}: notification to {owed.to} owed by "
                   f"{timefmt.format_time(owed.deadline)} not made "
                   f"({notifications.duration(clock - owed.deadline)} late); "
                   f"opsledger log {record.id} TEXT --type notification --to {owed.to}")
    due = notifications.update_due(record, policy)
    last = notifications.last_update(record)
    if due is not None and last is not None and due < clock:
        severity = str(record.data.get("severity"))
        yield (f"{record.id}: stakeholder update overdue since {timefmt.format_time(due)} "
               f"(last update {notifications.duration(clock - last)} ago; {severity} updates "
               f"every {policy.severity(severity).get('update_minutes')} min)")


def _drills(ledger: Ledger, policy: Policy, today: date) -> Iterator[str]:
    for row in drills.programme(ledger, policy):
        if not row.overdue(today):
            continue
        who = f" for {row.service}" if row.service else ""
        last = f"last {row.last.record} on {row.last.day}, due {row.next_due}" if row.last \
            else "never rehearsed"
        yield (f"drill {row.target.scenario}{who}: overdue ({last}; the programme asks for "
               f"one every {row.target.every_days} days)")


def _incident(record: Record, policy: Policy, today: date) -> Iterator[str]:
    for item in record.data.get("action_items") or []:
        if isinstance(item, dict) and item_overdue(item, today):
            yield (f"{record.id} {item.get('id')}: action item overdue since {item.get('due')} "
                   f"(owner {item.get('owner')}): {item.get('title')}")
    if postmortem_overdue(record, policy, today):
        yield (f"{record.id}: postmortem overdue since {postmortem_due(record, policy)} "
               f"(status {postmortem_of(record).get('status')})")


def _release(record: Record, clock: datetime) -> Iterator[str]:
    if record.data.get("status") != "submitted":
        return
    start = (record.data.get("window") or {}).get("start")
    began = timefmt.parse_or_none(start)
    if began and began < clock:
        yield f"{record.id}: window started {start} and it is still not approved"

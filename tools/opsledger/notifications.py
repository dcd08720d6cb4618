"""What a real incident owes the people outside the bridge: the notifications its type
requires (each by a deadline counted from declaration) and stakeholder updates at its
severity's cadence. One answer for `due`, `show`, the close check and the incident page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsledger import lifecycle, timefmt
from opsledger.ledger import Record
from opsledger.policy import Notify, Policy

# Timeline events that count as telling stakeholders where things stand.
UPDATE_EVENTS = ("communication", "notification")
# An incident that was never one (declined, cancelled, merged) owes nobody anything.
NOT_OWING = ("declined", "cancelled", "merged")


@dataclass(frozen=True)
class Notification:
    to: str
    deadline: datetime | None    # None while the incident has no declared_at
    done_at: datetime | None     # the first notification event to `to`
    waived: str | None           # the reason, when notifications_waived names `to`

    def state(self, now: datetime) -> str:
        """met | late | waived | missing (past its deadline) | pending."""
        if self.done_at is not None:
            return "late" if self.late_by() else "met"
        if self.waived is not None:
            return "waived"
        return "missing" if self.deadline is not None and now > self.deadline else "pending"

    def late_by(self) -> timedelta | None:
        """How late it was (or is, against `now`); None when on time."""
        if self.done_at is None or self.deadline is None or self.done_at <= self.deadline:
            return None
        return self.done_at - self.deadline

    @property
    def outstanding(self) -> bool:
        return self.done_at is None and self.waived is None


def events(record: Record) -> list[dict[str, Any]]:
    found = record.data.get("timeline")
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def declared_at(record: Record) -> datetime | None:
    stamps = record.data.get("timestamps")
    return timefmt.parse_or_none(stamps.get("declared_at")) if isinstance(stamps, dict) else None


def owed(record: Record, policy: Policy) -> list[Notify]:
    """The notifications the record's type owes: real incidents only (a drill rehearses
    them without owing the regulator anything), and those with a `when` only if the impact
    flag it names is set."""
    data = record.data
    if data.get("mode") != "real" or data.get("status") in NOT_OWING:
        return []
    impact = data["impact"] if isinstance(data.get("impact"), dict) else {}
    return [n for n in policy.type_notifications(str(data.get("type")))
            if n.when is None or impact.get(n.when) is True]


def checklist(record: Record, policy: Policy) -> list[Notification]:
    declared = declared_at(record)
    made: dict[str, datetime] = {}
    for event in events(record):
        at = timefmt.parse_or_none(event.get("at"))
        if event.get("type") == "notification" and at is not None:
            to = str(event.get("to"))
            made[to] = min(at, made.get(to, at))
    waived = {str(w.get("to")): str(w.get("reason")) for w in _waivers(record)}
    return [Notification(n.to, declared + timedelta(minutes=n.within_minutes)
                         if declared else None, made.get(n.to), waived.get(n.to))
            for n in owed(record, policy)]


def _waivers(record: Record) -> Iterator[dict[str, Any]]:
    found = record.data.get("notifications_waived")
    yield from (w for w in found if isinstance(w, dict)) if isinstance(found, list) else ()


def outstanding(record: Record, policy: Policy) -> list[Notification]:
    return [n for n in checklist(record, policy) if n.outstanding]


def last_update(record: Record) -> datetime | None:
    """The last stakeholder update, or the declaration when there has been none."""
    times = [timefmt.parse_or_none(e.get("at")) for e in events(record)
             if e.get("type") in UPDATE_EVENTS]
    return max((t for t in times if t is not None), default=declared_at(record))


def update_due(record: Record, policy: Policy) -> datetime | None:
    """When the next update is due for an open real incident whose severity sets a cadence
    (`update_minutes`); None when none is owed."""
    data = record.data
    minutes = policy.severity(str(data.get("severity"))).get("update_minutes")
    last = last_update(record)
    if data.get("mode") != "real" or data.get("status") not in lifecycle.INCIDENT_OPEN or \
            not isinstance(minutes, int) or last is None:
        return None
    return last + timedelta(minutes=minutes)


def duration(delta: timedelta) -> str:
    """A span as people say it: 25 min, 3 h 10 min, 2 d 4 h."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"

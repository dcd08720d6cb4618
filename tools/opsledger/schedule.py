"""When a release may start: inside its window (with the policy's grace) and outside any
freeze that does not allow its change type. Shared by `check` and `gate`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from opsledger import timefmt
from opsledger.ledger import Record
from opsledger.policy import FreezeWindow, Policy


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    grace: timedelta

    def admits(self, moment: datetime) -> bool:
        return self.start - self.grace <= moment <= self.end + self.grace


def window_of(record: Record, policy: Policy) -> Window | None:
    """The record's window, or None when it is missing or malformed (the schema says so)."""
    window = record.data.get("window")
    try:
        start, end = timefmt.parse(window["start"]), timefmt.parse(window["end"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    return Window(start, end, timedelta(minutes=policy.window_grace_minutes))


def freeze_at(record: Record, policy: Policy, moment: datetime) -> FreezeWindow | None:
    """The freeze window in force at moment that this record's change type may not enter."""
    for freeze in policy.freeze_windows():
        if freeze.start <= moment < freeze.end and \
                record.data.get("change_type") not in freeze.allow:
            return freeze
    return None

"""RFC 3339 times with an offset, kept as the strings people wrote."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TypeGuard

from opsledger.problems import FatalError

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
)

# Plausible years for an operations record. The margin keeps arithmetic on a time (a due
# date days later, a calendar week around it) far from datetime's year 1..9999 edges.
FIRST_YEAR, LAST_YEAR = 1970, 2199


def parse(value: str) -> datetime:
    """The aware datetime of an RFC 3339 string; ValueError says what is wrong."""
    match = _RFC3339.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not an RFC 3339 time with an offset "
                         "(e.g. 2026-05-01T10:00:00+08:00)")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValueError(f"{value!r} is outside the years {FIRST_YEAR}..{LAST_YEAR}")
    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise ValueError(f"{value!r} is not a real time (check the day, month and hour)") from None


def parse_or_none(value: object) -> datetime | None:
    """For reports over records that may not validate: anything but a good time is None."""
    try:
        return parse(value) if isinstance(value, str) else None
    except ValueError:
        return None


def is_time(value: object) -> bool:
    try:
        parse(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def is_date(value: object) -> TypeGuard[str]:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def option(value: str | None, flag: str) -> datetime:
    """A command-line time (--now, --at): the time given, or now; a bad one stops the
    command (exit 2) naming the flag."""
    if value is None:
        return now_utc()
    try:
        return parse(value)
    except ValueError as exc:
        raise FatalError(f"{flag}: {exc}") from None

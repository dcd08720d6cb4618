"""The home page: open incidents, releases coming up, freezes, two headline numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opsledger import lifecycle, timefmt
from opsledger.site.views.base import Fact, Site, as_dict, tile
from opsledger.site.views.incident import IncidentRow, incident_row
from opsledger.site.views.live import OpenIncident, open_incident
from opsledger.site.views.release import ReleaseRow, release_row

SEVERITIES = (*lifecycle.SEVERITIES, lifecycle.UNKNOWN_SEVERITY)
UPCOMING_DAYS = 14
FREEZE_NOTICE_DAYS = 45
HEADLINE = ("change_failure_rate", "time_to_restore_median_minutes")


@dataclass(frozen=True)
class Freeze:
    heading: str     # in force, or coming
    name: str
    start: str
    end: str
    active: bool
    allow: str


@dataclass(frozen=True)
class OpenRow:
    row: IncidentRow
    live: OpenIncident


@dataclass(frozen=True)
class Home:
    open_count: int
    upcoming_count: int
    headline: tuple[Fact, ...]
    open_by_severity: tuple[tuple[OpenRow, ...], ...]   # most severe first
    upcoming: tuple[ReleaseRow, ...]
    freezes: tuple[Freeze, ...]


def home(site: Site, dora: dict[str, Any]) -> Home:
    open_rows = [OpenRow(incident_row(site, r), live) for r in site.records("incident")
                 if (live := open_incident(site, r)) is not None
                 and r.data.get("mode") == "real"]
    groups = [tuple(o for o in open_rows if o.row.severity == sev) for sev in SEVERITIES]
    upcoming = _upcoming(site)
    return Home(open_count=len(open_rows), upcoming_count=len(upcoming),
                headline=tuple(tile(site, key, dora[key]) for key in HEADLINE),
                open_by_severity=tuple(group for group in groups if group),
                upcoming=upcoming, freezes=_freezes(site))


def _upcoming(site: Site) -> tuple[ReleaseRow, ...]:
    horizon = site.now + timedelta(days=UPCOMING_DAYS)
    rows = []
    for record in site.records("release"):
        start = timefmt.parse_or_none(as_dict(record.data.get("window")).get("start"))
        if start and site.now - timedelta(hours=12) <= start <= horizon and \
                record.data.get("status") not in lifecycle.RELEASE_TERMINAL:
            rows.append(release_row(site, record))
    return tuple(sorted(rows, key=lambda r: r.start_sort))


def _freezes(site: Site) -> tuple[Freeze, ...]:
    freezes = []
    for window in site.policy.freeze_windows():
        if window.end >= site.now and \
                window.start <= site.now + timedelta(days=FREEZE_NOTICE_DAYS):
            active = window.start <= site.now
            freezes.append(Freeze(
                heading=site.labels["freeze_active" if active else "freeze_coming"],
                name=window.name, start=site.when(window.start),
                end=site.when(window.end), active=active,
                allow=", ".join(window.allow)))
    return tuple(freezes)

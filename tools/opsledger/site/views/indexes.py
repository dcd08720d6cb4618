"""The index pages: incidents, releases, postmortems, the action-item board."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from opsledger.obligations import postmortem_due, postmortem_overdue, postmortem_required
from opsledger.site.views.base import Site, as_dict
from opsledger.site.views.incident import ActionItem, IncidentRow, action_items, incident_row
from opsledger.site.views.release import ReleaseRow, release_row

# The board's lanes: one per action-item status; being overdue is a flag on a card, not a lane.
BOARD = ("open", "in_progress", "done", "wont_do")
Row = TypeVar("Row", IncidentRow, ReleaseRow)


@dataclass(frozen=True)
class Filter:
    key: str                  # the row's data-<key> attribute it filters on
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class IncidentIndex:
    filters: tuple[Filter, ...]
    rows: tuple[IncidentRow, ...]


@dataclass(frozen=True)
class ReleaseIndex:
    filters: tuple[Filter, ...]
    rows: tuple[ReleaseRow, ...]


@dataclass(frozen=True)
class PostmortemRow:
    incident: IncidentRow
    required: str
    due: str
    overdue: bool


@dataclass(frozen=True)
class Postmortems:
    rows: tuple[PostmortemRow, ...]


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    items: tuple[ActionItem, ...]


@dataclass(frozen=True)
class Board:
    lanes: tuple[Lane, ...]


def _filter(site: Site, key: str, rows: Iterable[Row],
                 values: Callable[[Row], Iterable[str]]) -> Filter:
    found = {value for row in rows for value in values(row) if value}
    return Filter(key, site.labels[key], tuple(sorted(found)))


def incident_index(site: Site) -> IncidentIndex:
    rows = tuple(incident_row(site, r) for r in site.records("incident"))
    return IncidentIndex((
        _filter(site, "severity", rows, lambda r: [r.severity]),
        _filter(site, "status", rows, lambda r: [r.status]),
        _filter(site, "service", rows, lambda r: r.services),
        _filter(site, "year", rows, lambda r: [r.year]),
        _filter(site, "mode", rows, lambda r: [r.mode])), rows)


def release_index(site: Site) -> ReleaseIndex:
    rows = tuple(release_row(site, r) for r in site.records("release"))
    return ReleaseIndex((
        _filter(site, "status", rows, lambda r: [r.status]),
        _filter(site, "risk", rows, lambda r: [r.risk]),
        _filter(site, "system", rows, lambda r: [r.system]),
        _filter(site, "year", rows, lambda r: [r.year])), rows)


def postmortems(site: Site) -> Postmortems:
    """Incidents owing a postmortem, and those with one written or under way."""
    return Postmortems(tuple(
        PostmortemRow(incident_row(site, r),
                      site.labels["required" if postmortem_required(r, site.policy)
                                  else "not_required"],
                      postmortem_due(r, site.policy) or "",
                      postmortem_overdue(r, site.policy, site.now.date()))
        for r in site.records("incident")
        if postmortem_required(r, site.policy) or r.postmortem is not None or
        as_dict(r.data.get("postmortem")).get("status") not in (None, "not_started")))


def board(site: Site) -> Board:
    lanes: dict[str, list[ActionItem]] = {key: [] for key in BOARD}
    for record in site.records("incident"):
        for item in action_items(site, record):
            if item.lane in lanes:  # the schema admits no other status
                lanes[item.lane].append(item)
    return Board(tuple(Lane(key, site.labels[key],
                            tuple(sorted(items, key=lambda i: i.due)))
                       for key, items in lanes.items()))

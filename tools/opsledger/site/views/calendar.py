"""The release calendar: month grids (weeks by days) with release windows on the days they
start and freeze windows shaded, all in the policy's display time zone."""

from __future__ import annotations

import calendar as stdcal
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from opsledger import timefmt
from opsledger.policy import FreezeWindow
from opsledger.site.views.base import Site, as_dict, local_time
from opsledger.site.views.release import ReleaseRow, release_row

# Up to this many empty months in a row are drawn one by one; a longer run is one entry.
EMPTY_MONTHS_DRAWN = 6


@dataclass(frozen=True)
class Slot:
    time: str          # HH:MM in the display zone
    written: str       # the start as written, where its offset is not the zone's; else ""
    release: ReleaseRow


@dataclass(frozen=True)
class Day:
    number: int        # 0: a padding cell of the week outside the month
    iso: str
    css: str           # ol-frozen, ol-today, ol-empty: how the cell is drawn
    today: bool
    freezes: tuple[str, ...]
    releases: tuple[Slot, ...]


@dataclass(frozen=True)
class Month:
    key: str           # 2026-12: the anchor
    label: str
    weeks: tuple[tuple[Day, ...], ...]
    empty: bool = False    # no release window starts and no freeze applies (no grid
                           # for a long run of them: one entry says so for all)


@dataclass(frozen=True)
class FreezeNote:
    name: str
    start: str
    end: str


@dataclass(frozen=True)
class Calendar:
    zone: str
    weekdays: tuple[str, ...]
    months: tuple[Month, ...]
    freezes: tuple[FreezeNote, ...]


def calendar(site: Site) -> Calendar:
    zone = site.policy.display_zone()
    slots = _slots(site)
    freezes = site.policy.freeze_windows()
    today = site.now.astimezone(zone).date()
    busy = {(today.year, today.month)} | {(d.year, d.month) for d in slots}
    for window in freezes:
        busy.update(_months(window.start.astimezone(zone), window.end.astimezone(zone)))
    # Every month from the first to the last is drawn, so a gap reads as "nothing then",
    # not as "left out"; an empty one says so. A long run of empty months is one entry,
    # so that a record years away cannot make the page hundreds of grids long.
    months: list[Month] = []
    for run in _runs(_months(date(*min(busy), 1), date(*max(busy), 1)), busy):
        if run[0] in busy or len(run) <= EMPTY_MONTHS_DRAWN:
            months += [Month(f"{y:04d}-{m:02d}", _month_label(site, y, m),
                             _weeks(site, y, m, today, slots, freezes), run[0] not in busy)
                       for y, m in run]
        else:
            (y, m), (last_y, last_m) = run[0], run[-1]
            label = site.labels["month_range"].format(
                first=_month_label(site, y, m), last=_month_label(site, last_y, last_m))
            months.append(Month(f"{y:04d}-{m:02d}", label, (), empty=True))
    return Calendar(
        str(zone), tuple(site.labels["weekday_names"].split(",")), tuple(months),
        tuple(FreezeNote(w.name, site.when(w.start), site.when(w.end)) for w in freezes))


def _month_label(site: Site, year: int, month: int) -> str:
    names = site.labels["month_names"].split(",")
    return site.labels["month_label"].format(month=names[month - 1], year=year)


def _runs(months: list[tuple[int, int]], busy: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Months in order: each busy one alone, consecutive empty ones together."""
    runs: list[list[tuple[int, int]]] = []
    for month in months:
        if month not in busy and runs and runs[-1][-1] not in busy:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def _months(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) of every month from first to last."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _slots(site: Site) -> dict[date, list[Slot]]:
    zone, out = site.policy.display_zone(), dict[date, list[Slot]]()
    for record in site.records("release"):
        written = as_dict(record.data.get("window")).get("start")
        start = timefmt.parse_or_none(written)
        if start is None:
            continue
        shown = start.astimezone(zone)
        out.setdefault(shown.date(), []).append(Slot(
            shown.strftime("%H:%M"),
            # The time as written, in its own offset: what the author meant.
            "" if shown.utcoffset() == start.utcoffset()
            else local_time(start, start.tzinfo or zone),
            release_row(site, record)))
    for day in out.values():
        day.sort(key=lambda s: s.time)
    return out


def _weeks(site: Site, year: int, month: int, today: date, slots: dict[date, list[Slot]],
           freezes: list[FreezeWindow]) -> tuple[tuple[Day, ...], ...]:
    zone = site.policy.display_zone()

    def frozen(day: date) -> tuple[str, ...]:
        start = datetime.combine(day, time(), zone)
        return tuple(w.name for w in freezes
                     if w.start < start + timedelta(days=1) and w.end > start)

    def day(d: date) -> Day:
        if d.month != month:
            return Day(0, d.isoformat(), "ol-pad", False, (), ())
        names, releases = frozen(d), tuple(slots.get(d, ()))
        css = [c for c, on in (("ol-frozen", names), ("ol-today", d == today),
                               ("ol-empty", not releases)) if on]
        return Day(d.day, d.isoformat(), " ".join(css), d == today, names, releases)

    return tuple(tuple(map(day, week))
                 for week in stdcal.Calendar().monthdatescalendar(year, month))

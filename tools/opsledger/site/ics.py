"""`releases.ics`: release windows and freeze windows as a calendar Outlook and Google
Calendar can subscribe to. The only module using icalendar.

Record text goes in as iCalendar TEXT values, which the library escapes (a newline in a title
cannot start a new event). Times are written in UTC, so no VTIMEZONE is needed; the policy's
display zone is named for clients that show one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import icalendar

from opsledger import ids, timefmt
from opsledger.ledger import Record
from opsledger.policy import FreezeWindow
from opsledger.site.views.base import Site, as_dict, slug, text

PRODID = "-//opsledger//release calendar//EN"
# RFC 5545 STATUS of a VEVENT, from the release's state.
_TENTATIVE = ("draft", "submitted")
_CANCELLED = ("rejected", "cancelled")


def releases_ics(site: Site, url_of: Callable[[str], str] | None) -> bytes:
    """`url_of(path)` is the absolute URL of a site page, where the site has an address
    (`site_url` in mkdocs.yml)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{site.labels['releases']} / {site.labels['freeze']}")
    cal.add("x-wr-timezone", str(site.policy.display_zone()))
    for record in site.records("release"):
        event = _release(site, record, url_of)
        if event is not None:
            cal.add_component(event)
    for window in site.policy.freeze_windows():
        cal.add_component(_freeze(site, window))
    return bytes(cal.to_ical())


def _release(site: Site, record: Record,
             url_of: Callable[[str], str] | None) -> icalendar.Event | None:
    window = as_dict(record.data.get("window"))
    start = timefmt.parse_or_none(window.get("start"))
    end = timefmt.parse_or_none(window.get("end"))
    if start is None or end is None or end < start:
        return None
    data, status = record.data, text(record.data.get("status"))
    event = _event(f"{record.id}@opsledger", site.now, start, end)
    event.add("summary", f"{record.id} {text(data.get('title'))} [{status}]")
    event.add("description", f"{text(data.get('system'))} {text(data.get('version'))}\n"
                             f"{text(data.get('summary'))}")
    event.add("categories", ["release", text(data.get("risk")) or "unknown"])
    event.add("status", "CANCELLED" if status in _CANCELLED else
              "TENTATIVE" if status in _TENTATIVE else "CONFIRMED")
    if url_of is not None:
        event.add("url", url_of(ids.page_path(record.id)))
    return event


def _freeze(site: Site, window: FreezeWindow) -> icalendar.Event:
    uid = f"freeze-{slug(window.name)}-{window.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@opsledger"
    event = _event(uid, site.now, window.start, window.end)
    event.add("summary", f"{site.labels['freeze_badge']}: {window.name}")
    if window.allow:
        event.add("description", ", ".join(window.allow))
    event.add("categories", ["freeze"])
    event.add("transp", "TRANSPARENT")
    return event


def _event(uid: str, stamp: datetime, start: datetime, end: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    return event

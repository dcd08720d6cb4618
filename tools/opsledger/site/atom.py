"""`incidents.xml`: an Atom feed (RFC 4287) of incidents, newest activity first, written
with the standard library's XML writer (which escapes every text and attribute)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from opsledger import ids, timefmt
from opsledger.ledger import Record
from opsledger.site.views.base import Site, as_dict, dicts, text

NS = "http://www.w3.org/2005/Atom"
LIMIT = 100  # entries: a feed is for what changed lately, the site holds the rest
# Characters XML 1.0 cannot carry; strict YAML loading rejects them already.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def incidents_atom(site: Site, url_of: Callable[[str], str]) -> bytes:
    """`url_of(path)` is the URL of a site file: absolute where the site has an address,
    else relative to the site's root, where the feed lives."""
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    entries = sorted(((_updated(site, r), r) for r in site.records("incident")),
                     key=lambda pair: (pair[0], pair[1].id), reverse=True)[:LIMIT]
    _add(feed, "id", "urn:opsledger:incidents")
    _add(feed, "title", site.labels["incidents"])
    _add(feed, "updated", _stamp(entries[0][0] if entries else site.now))
    _link(feed, url_of("incidents.xml"), "self", "application/atom+xml")
    _link(feed, url_of("incidents/index.html"), "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{NS}}}author")
    _add(author, "name", "opsledger")
    for updated, record in entries:
        feed.append(_entry(site, record, updated, url_of))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _entry(site: Site, record: Record, updated: datetime,
           url_of: Callable[[str], str]) -> ET.Element:
    data = record.data
    entry = ET.Element(f"{{{NS}}}entry")
    severity, status = text(data.get("severity")), text(data.get("status"))
    _add(entry, "id", f"urn:opsledger:{record.id}")
    _add(entry, "title", f"{record.id} [{severity} · {site.labels.get(status, status)}] "
                         f"{text(data.get('title'))}")
    _add(entry, "updated", _stamp(updated))
    declared = _declared(record)
    if declared is not None:
        _add(entry, "published", _stamp(declared))
    _link(entry, url_of(f"{ids.page_path(record.id)}.html"), "alternate", "text/html")
    for term in (severity, status, text(data.get("mode"))):
        if term:
            ET.SubElement(entry, f"{{{NS}}}category", term=_clean(term))
    _add(entry, "summary", _summary(site, record))
    return entry


def _summary(site: Site, record: Record) -> str:
    """The summary, then the latest timeline event: what a subscriber wants to know."""
    events = dicts(record.data.get("timeline"))
    latest = events[-1] if events else {}
    parts = [text(record.data.get("summary")).strip()]
    if latest:
        parts.append(f"{site.when(latest.get('at'))} {site.word(latest.get('type'))}: "
                     f"{text(latest.get('text'))}")
    return "\n\n".join(part for part in parts if part)


def _declared(record: Record) -> datetime | None:
    stamps = as_dict(record.data.get("timestamps"))
    return timefmt.parse_or_none(stamps.get("declared_at") or stamps.get("detected_at"))


def _updated(site: Site, record: Record) -> datetime:
    """The latest time the record states (timeline, timestamps); the build's if none."""
    times = [timefmt.parse_or_none(e.get("at")) for e in dicts(record.data.get("timeline"))]
    times += [timefmt.parse_or_none(v) for v in as_dict(record.data.get("timestamps")).values()]
    known = [t for t in times if t is not None]
    return max(known) if known else site.now


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, name: str, value: str) -> None:
    child = ET.SubElement(parent, f"{{{NS}}}{name}")
    child.text = _clean(value)
    if name in ("title", "summary"):
        child.set("type", "text")


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, f"{{{NS}}}link", rel=rel, type=kind, href=href)

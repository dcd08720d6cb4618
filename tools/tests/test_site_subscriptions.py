"""Subscriptions: `releases.ics` (release and freeze windows, parsed back with icalendar),
the Atom feed of incidents (its structure checked against RFC 4287), per-service pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import icalendar
from conftest import REPO
from sitebuild import FIXED_EPOCH, tags_of

from opsledger.loader import load
from opsledger.site.build import generate

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _windows(root: Path) -> dict[str, tuple[datetime, datetime]]:
    out = {}
    for path in sorted(root.glob("releases/*/release.yaml")):
        window = load(str(path), path.read_bytes()).data["window"]
        out[path.parent.name] = (datetime.fromisoformat(window["start"]),
                                 datetime.fromisoformat(window["end"]))
    return out


def events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def test_the_calendar_holds_every_release_window_and_freeze(built: Path) -> None:
    parsed = events((built / "releases.ics").read_bytes())
    releases = {str(e["uid"]).removesuffix("@opsledger"): e for e in parsed
                if "freeze" not in str(e["categories"].to_ical())}
    windows = _windows(REPO)
    assert set(releases) == set(windows)
    for record_id, (start, end) in windows.items():
        event = releases[record_id]
        assert event.decoded("dtstart") == start and event.decoded("dtend") == end
        assert str(event["summary"]).startswith(record_id)
    rel4 = releases["REL-2026-0004"]
    assert str(rel4["status"]) == "CONFIRMED" and "Orders database" in str(rel4["summary"])
    assert str(releases["REL-2026-0006"]["status"]) == "TENTATIVE"  # a draft
    freezes = [e for e in parsed if str(e["uid"]).startswith("freeze-")]
    assert [str(e["summary"]) for e in freezes] == ["Freeze: year-end"]
    assert freezes[0].decoded("dtstart") == datetime(2026, 12, 18, tzinfo=UTC)
    assert len({str(e["uid"]) for e in parsed}) == len(parsed)


def test_the_feed_is_atom(built: Path) -> None:
    feed = ET.parse(built / "incidents.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert RFC3339_UTC.fullmatch(feed.findtext(f"{ATOM}updated") or "")
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == "incidents.xml"
    entries = feed.findall(f"{ATOM}entry")
    incidents = len(list((REPO / "incidents").glob("INC-*/incident.yaml")))
    assert len(entries) == incidents == 7
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == incidents and all(i and i.startswith("urn:opsledger:INC-") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert all(RFC3339_UTC.fullmatch(u) for u in updated) and updated == sorted(updated,
                                                                                reverse=True)
    for entry in entries:  # each entry's page exists where the feed's link says
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and (built / str(link.get("href"))).is_file()
        assert entry.find(f"{ATOM}title[@type='text']") is not None
    # the latest activity leads: INC-2026-0004, declared 11-27 09:05; then INC-2026-0003,
    # rebalanced 11-26 11:00+01:00
    assert [e.findtext(f"{ATOM}id") for e in entries[:2]] == [
        "urn:opsledger:INC-2026-0004", "urn:opsledger:INC-2026-0003"]
    assert updated[:2] == ["2026-11-27T09:05:00Z", "2026-11-26T10:00:00Z"]
    assert "Partition rebalanced." in (entries[1].findtext(f"{ATOM}summary") or "")


def test_links_are_absolute_under_site_url() -> None:
    now = datetime.fromtimestamp(int(FIXED_EPOCH), UTC)
    site = generate(REPO, "en", now=now, with_history=False,
                    site_url="https://ops.example/ledger/")
    site.problems()
    feed = ET.fromstring(site.files["incidents.xml"])
    hrefs = [str(link.get("href")) for link in feed.iter(f"{ATOM}link")]
    assert "https://ops.example/ledger/incidents.xml" in hrefs
    assert "https://ops.example/ledger/incidents/INC-2026-0001.html" in hrefs
    urls = {str(e["url"]) for e in events(site.files["releases.ics"]) if "url" in e}
    assert "https://ops.example/ledger/releases/REL-2026-0004.html" in urls


def test_a_service_page_has_its_owners_incidents_releases_and_mttr(built: Path) -> None:
    page = (built / "services" / "payments-api.html").read_text()
    assert '<span class="ol-title">Payments API</span>' in page
    assert '<span class="ol-person" title="alice">Alice Martin</span>' in page
    assert 'href="../incidents/INC-2026-0001.html"' in page
    assert 'href="../releases/REL-2026-0002.html"' in page
    # INC-2026-0001 resolved 224 minutes after detection: the only real one for the service
    assert "Time to resolve (median)</dt><dd>3 h 44 min (n=1)</dd>" in page
    index = (built / "services" / "index.html").read_text()
    assert index.count('<a href="payments-api.html">') == 1
    assert 'href="services/index.html"' in (built / "index.html").read_text()  # in the nav


def test_index_pages_point_to_the_subscriptions(built: Path) -> None:
    assert 'href="../releases.ics"' in (built / "releases" / "calendar.html").read_text()
    assert 'href="../incidents.xml"' in (built / "incidents" / "index.html").read_text()


def _alternates(page: Path) -> dict[str, str]:
    """The <link rel="alternate"> of a built page's <head>: media type -> href."""
    return {str(attrs.get("type")): str(attrs.get("href")) for tag, attrs in tags_of(page).tags
            if tag == "link" and attrs.get("rel") == "alternate"}


def test_every_page_announces_the_feed_and_release_pages_the_calendar(built: Path) -> None:
    pages = [p for p in sorted(built.rglob("*.html")) if p.name != "404.html"]
    assert len(pages) > 30
    for page in pages:
        links = _alternates(page)
        where = page.relative_to(built).as_posix()
        # relative to the page, so it holds offline, from a file share and under a sub-path
        for href in links.values():
            assert not href.startswith("/") and "://" not in href, (where, href)
        assert "application/atom+xml" in links, where
        assert (page.parent / links["application/atom+xml"]).resolve() == \
            (built / "incidents.xml").resolve(), where
        if where.startswith("releases/"):
            assert (page.parent / links["text/calendar"]).resolve() == \
                (built / "releases.ics").resolve(), where
        else:
            assert "text/calendar" not in links, where
    head = (built / "index.html").read_text().split("</head>")[0]
    assert '<link rel="alternate" data-ol-feed type="application/atom+xml" title="Incidents" ' \
           'href="incidents.xml">' in head

"""Hostile text in every text field of a record (sitebuild.PAYLOADS, in the `hostile` site):
nothing executable reaches any page."""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import icalendar
import pytest
from sitebuild import TITLE, tags_of

PAGES = ["incidents/INC-2026-0003.html", "releases/REL-2026-0006.html", "incidents/index.html",
         "releases/index.html", "releases/calendar.html", "index.html", "action-items.html",
         "postmortems.html", "services/search.html", "services/index.html"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("page", PAGES)
def test_nothing_executable_survives(hostile: Path, page: str) -> None:
    parsed = tags_of(hostile / page)
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:",
                                                             "vbscript:")), (tag, value)
        assert tag not in ("iframe", "object", "embed", "img"), (tag, attrs)
        if tag == "meta":
            assert "http-equiv" not in attrs, attrs
        if tag == "form":
            assert attrs.get("class") == "md-search__form", attrs
        if tag == "script":
            assert attrs.get("src") is None or not attrs["src"].startswith(("http", "//"))
    assert not any("xss-" in script for script in parsed.scripts)


def test_text_stays_text(hostile: Path) -> None:
    page = (hostile / "incidents" / "INC-2026-0003.html").read_text()
    assert "<title>INC-2026-0003 - Operations ledger</title>" in page
    assert "&lt;script&gt;alert(&#34;xss-script&#34;)&lt;/script&gt;" in page \
        or "&lt;script&gt;alert(&quot;xss-script&quot;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "{% include" in page  # literal, never a template
    assert "signoff_evidence" not in page  # no snippet include of opsledger.yaml
    badges = [a.get("class") for _, a in tags_of(hostile / "incidents" / "INC-2026-0003.html")
              .tags if "ol-sig-valid" in str(a.get("class"))]
    assert badges == []  # the fake "valid" badge is shown as text, not as a badge
    assert "<h2>Approved" not in page and "<h4>Approved</h4>" in page  # demoted, in its box
    assert "evil.example/pixel.png" not in page.replace("https://evil.example/pixel.png)", "")
    nav = page.split('<nav class="md-nav md-nav--primary"')[1]
    assert "xss-title" not in nav.split("md-sidebar--secondary")[0]


def test_newline_title_cannot_inject_front_matter(hostile: Path) -> None:
    page = (hostile / "incidents" / "INC-2026-0003.html").read_text()
    head = page.split("</head>")[0]
    # TITLE's second line would be a front matter `title:`; had it been read as one, it would
    # be the page's <title> (escaped or not)
    injected = TITLE.split("\n---\n")[1].removeprefix("title: ")
    assert injected == '<script>alert("xss-title")</script>'
    assert re.findall(r"<title>(.*?)</title>", head, re.S) == ["INC-2026-0003 - Operations ledger"]
    assert injected not in head and html.escape(injected) not in head and "xss-title" not in head
    assert '<span class="ol-title">Fine\n---\ntitle: &lt;script&gt;' in page


def test_the_calendar_file_keeps_hostile_titles_inside_their_event(hostile: Path) -> None:
    """A newline in a title must not start a new event or property in releases.ics."""
    cal = icalendar.Calendar.from_ical((hostile / "releases.ics").read_bytes())
    parsed = list(cal.walk("VEVENT"))
    assert len(parsed) == 11  # ten release windows, one freeze
    rel6 = next(e for e in parsed if str(e["uid"]) == "REL-2026-0006@opsledger")
    assert str(rel6["summary"]) == f"REL-2026-0006 {TITLE} [draft]"
    raw = (hostile / "releases.ics").read_bytes().decode("utf-8")
    unfolded = raw.replace("\r\n ", "").split("\r\n")[:-1]  # RFC 5545 line folding
    names = {re.split(r"[;:]", line, maxsplit=1)[0] for line in unfolded}
    assert names == {"BEGIN", "END", "PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME",
                     "X-WR-TIMEZONE", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY",
                     "DESCRIPTION", "CATEGORIES", "STATUS", "TRANSP"}


def test_the_feed_carries_hostile_text_as_text(hostile: Path) -> None:
    root = ET.parse(hostile / "incidents.xml").getroot()  # well-formed, whatever the text
    allowed = {f"{ATOM}{n}" for n in ("feed", "entry", "id", "title", "updated", "published",
                                       "link", "category", "summary", "author", "name")}
    assert {element.tag for element in root.iter()} <= allowed
    entry = next(e for e in root.iter(f"{ATOM}entry")
                 if e.findtext(f"{ATOM}id") == "urn:opsledger:INC-2026-0003")
    title = entry.find(f"{ATOM}title")
    assert title is not None and title.get("type") == "text"
    assert (title.text or "").endswith(TITLE)
    raw = (hostile / "incidents.xml").read_text()
    assert "<script>" not in raw and "&lt;script&gt;" in raw

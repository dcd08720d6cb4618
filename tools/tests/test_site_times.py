"""Every time the site shows (timelines, record pages, indexes, the home page, the calendar,
the footer's build stamp, the feed's text) is shown in the policy's display_timezone, to the
minute, with the zone named, whatever offset it was written with."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from sitebuild import FIXED_EPOCH, site_repo

from opsledger.site.build import SiteBuild, generate, linker
from opsledger.site.views.base import local_time

NOW = datetime.fromtimestamp(int(FIXED_EPOCH), UTC)  # 2026-11-27T12:00:00Z
# A date and a time of day as the site prints them, and what follows.
SHOWN = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d) (\S+)")
ATOM = "{http://www.w3.org/2005/Atom}"


def _site(tmp_path: Path, zone: str) -> SiteBuild:
    root = site_repo(tmp_path / "ledger")
    policy = root / "opsledger.yaml"
    policy.write_text(policy.read_text().replace("display_timezone: Europe/Berlin",
                                                 f"display_timezone: {zone}"))
    site = generate(root, "en", now=NOW)
    assert not site.problems()
    return site


def _texts(site: SiteBuild) -> dict[str, str]:
    """What a reader sees of each page: the text without tags."""
    out = {src: page.html(linker(src.replace(".md", ".html"), False))
           for src, page in site.pages.items()}
    assert site.home is not None
    out["index.md"] = site.home(linker("index.html", False))
    return {src: html.unescape(re.sub(r"<[^>]+>", " ", page)) for src, page in out.items()}


@pytest.fixture(scope="module")
def kathmandu(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    # UTC+05:45 all year: no page can pass by showing UTC, a written offset or Berlin time.
    return _site(tmp_path_factory.mktemp("kathmandu"), "Asia/Kathmandu")


def test_every_time_on_every_page_is_in_the_display_zone(kathmandu: SiteBuild) -> None:
    shown = 0
    for src, page in _texts(kathmandu).items():
        # The calendar also says how a time was written when its offset is not the zone's.
        for match in SHOWN.finditer(re.sub(r"written as \S+ \S+ \S+", "", page)):
            assert match.group(3) == "UTC+05:45", f"{src}: {match.group()}"
            shown += 1
    assert shown > 200  # timelines, stamps, windows, sign-offs, history, notifications


def test_record_pages_show_the_converted_times(kathmandu: SiteBuild) -> None:
    text = _texts(kathmandu)
    incident = text["incidents/INC-2026-0001.md"]
    assert "2026-06-16 12:14 UTC+05:45" in incident  # declared_at 06:29:00+00:00
    assert "2026-06-16 06:29" not in incident
    # INC-2026-0003 was declared 2026-11-26T09:20:00+01:00
    assert "2026-11-26 14:05 UTC+05:45" in text["incidents/index.md"]
    # the calendar: the window's start on its local day, the written time beside it
    calendar = text["releases/calendar.md"]
    assert "Europe/Berlin" not in calendar and "Asia/Kathmandu" in calendar
    assert "written as 2026-12-08 02:00 UTC" in calendar


def test_the_build_stamp_and_the_feed_text_are_in_the_display_zone(
        kathmandu: SiteBuild) -> None:
    assert '<time datetime="2026-11-27T12:00:00+00:00">2026-11-27 17:45 UTC+05:45</time>' \
        in kathmandu.stamp
    feed = ET.fromstring(kathmandu.files["incidents.xml"])
    summaries = [e.findtext(f"{ATOM}summary") or "" for e in feed.iter(f"{ATOM}entry")]
    stated = [m for s in summaries for m in SHOWN.finditer(s)]
    assert stated and all(m.group(3) == "UTC+05:45" for m in stated)
    # the machine-readable times stay RFC 3339 in UTC
    assert (feed.findtext(f"{ATOM}updated") or "").endswith("Z")


def test_index_columns_sort_in_time_order_whatever_the_written_offset(
        kathmandu: SiteBuild) -> None:
    page = kathmandu.pages["incidents/index.md"].html(linker("incidents/index.html", False))
    keys = re.findall(r'data-sort="(\d{4}-[^"]+)"', page)
    # INC-2026-0003, written 2026-11-26T09:20:00+01:00, sorts by its UTC time
    assert "2026-11-26T08:20:00+00:00" in keys
    assert all(key.endswith("+00:00") for key in keys), keys


@pytest.mark.parametrize(("value", "zone", "shown"), [
    ("2026-06-16T06:26:00+00:00", "Europe/Berlin", "2026-06-16 08:26 CEST"),
    ("2026-12-16T06:26:00Z", "Europe/Berlin", "2026-12-16 07:26 CET"),
    ("2026-03-08T06:59:30.5-05:00", "America/New_York", "2026-03-08 07:59 EDT"),
    ("2026-06-16T06:26:00+02:00", "UTC", "2026-06-16 04:26 UTC"),
    ("2026-06-16T06:26:00+00:00", "Asia/Kathmandu", "2026-06-16 12:11 UTC+05:45"),
    ("not a time", "Europe/Berlin", "not a time"),   # shown as written
    (None, "Europe/Berlin", ""),
])
def test_one_helper_formats_a_time_for_display(value: object, zone: str, shown: str) -> None:
    assert local_time(value, UTC if zone == "UTC" else ZoneInfo(zone)) == shown

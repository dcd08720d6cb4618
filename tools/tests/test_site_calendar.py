"""The release calendar: month grids in the policy's display time zone, releases on the day
they start there, freeze days shaded, the written offset shown where it differs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import REPO, GitLedger
from sitebuild import FIXED_EPOCH

from opsledger.cli import main
from opsledger.ledger import scan
from opsledger.site.labels import catalog
from opsledger.site.views.base import Site
from opsledger.site.views.calendar import Calendar, Day, calendar
from opsledger.tree import WorkTree
from opsledger.trust import load_trust


def _calendar(zone: str | None) -> Calendar:
    tree = WorkTree(REPO)
    policy = load_trust(tree).policy
    assert policy is not None
    if zone is None:
        policy.data.pop("display_timezone", None)
    else:
        policy.data["display_timezone"] = zone
    return calendar(Site(scan(tree), policy, datetime.fromtimestamp(int(FIXED_EPOCH), UTC),
                         catalog("en")))


def _day(cal: Calendar, iso: str) -> Day:
    return next(d for m in cal.months for w in m.weeks for d in w if d.iso == iso and d.number)


def test_a_release_sits_on_the_day_it_starts_in_the_display_zone() -> None:
    shanghai = _calendar("Asia/Shanghai")
    assert shanghai.zone == "Asia/Shanghai"
    # REL-2026-0009 starts 2026-10-06T22:00:00+00:00: the 7th, 06:00, in Shanghai
    slot = _day(shanghai, "2026-10-07").releases[0]
    assert (slot.release.id, slot.time, slot.written) == \
        ("REL-2026-0009", "06:00", "2026-10-06 22:00 UTC")  # as written, its zone named
    assert not _day(shanghai, "2026-10-06").releases
    utc = _calendar(None)
    assert utc.zone == "UTC"
    slot = _day(utc, "2026-10-06").releases[0]
    assert (slot.time, slot.written) == ("22:00", "")  # written in the zone: no second time


def test_months_run_mondays_first_with_freeze_days_shaded() -> None:
    cal = _calendar("UTC")
    december = next(m for m in cal.months if m.key == "2026-12")
    assert december.label == "December 2026"
    assert [d.number for d in december.weeks[0]] == [0, 1, 2, 3, 4, 5, 6]
    assert _day(cal, "2026-12-18").freezes == ("year-end",)  # 2026-12-18T00:00Z to 01-04
    assert _day(cal, "2026-12-17").freezes == ()
    assert "ol-frozen" in _day(cal, "2027-01-03").css
    assert [m.key for m in cal.months][-1] == "2027-01"  # the freeze's last month is shown
    assert "ol-today" in _day(cal, "2026-11-27").css


def test_every_month_from_the_first_to_the_last_is_drawn_an_empty_one_says_so() -> None:
    cal = _calendar("UTC")
    # releases in March and June, none in April and May: those are there, and empty
    assert [m.key for m in cal.months] == [f"2026-{n:02d}" for n in range(3, 13)] + ["2027-01"]
    april = next(m for m in cal.months if m.key == "2026-04")
    assert april.empty and april.weeks and not any(d.releases for w in april.weeks for d in w)
    assert not next(m for m in cal.months if m.key == "2026-06").empty
    # a freeze window is something: its months are not empty
    assert not next(m for m in cal.months if m.key == "2027-01").empty


def test_a_long_run_of_empty_months_is_one_entry(tmp_path: Path) -> None:
    tree = WorkTree(REPO)
    policy = load_trust(tree).policy
    assert policy is not None
    ledger = scan(tree)
    window = ledger.records["REL-2026-0004"].data["window"]
    window["start"], window["end"] = "2031-05-04T10:00:00+00:00", "2031-05-04T11:00:00+00:00"
    cal = calendar(Site(ledger, policy, datetime.fromtimestamp(int(FIXED_EPOCH), UTC),
                        catalog("en")))
    keys = [m.key for m in cal.months]
    assert keys[-2:] == ["2027-02", "2031-05"] and not cal.months[-1].empty
    gap = cal.months[-2]
    assert (gap.label, gap.empty, gap.weeks) == ("February 2027 \u2013 April 2031", True, ())


def test_the_built_calendar_is_a_grid_in_the_sample_zone(built: Path) -> None:
    page = (built / "releases" / "calendar.html").read_text()
    assert "Times are shown in: <strong>Europe/Berlin</strong>" in page
    assert page.count('<table class="ol-month">') >= 6
    assert ">03:00</span> <a href=\"REL-2026-0004.html\">REL-2026-0004</a>" in page
    assert "written as 2026-12-08 02:00 UTC" in page
    april = page.split('<h2 id="month-2026-04">')[1].split("<h2 ")[0]
    assert "No release window starts and no freeze applies." in april
    assert '<table class="ol-month">' in april
    assert ">None.<" not in page


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Nowhere"])
def test_an_unknown_display_zone_is_a_policy_problem(ledger: GitLedger, zone: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "display_timezone: Europe/Berlin",
                f"display_timezone: {zone}")
    assert main(["validate"]) == 1
    line = 1 + ledger.read("opsledger.yaml").split("display_timezone:")[0].count("\n")
    assert (f"opsledger.yaml:{line}:19: error OL160: display_timezone: {zone!r} is not a time zone; "
            "use an IANA name such as Asia/Shanghai") in capsys.readouterr().out

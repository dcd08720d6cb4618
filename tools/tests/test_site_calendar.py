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


def test_the_built_calendar_is_a_grid_in_the_sample_zone(built: Path) -> None:
    page = (built / "releases" / "calendar.html").read_text()
    assert "Times are shown in: <strong>Europe/Berlin</strong>" in page
    assert page.count('<table class="ol-month">') >= 6
    assert ">03:00</span> <a href=\"REL-2026-0004.html\">REL-2026-0004</a>" in page
    assert "written as 2026-12-08 02:00 UTC" in page
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

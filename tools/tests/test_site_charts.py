"""Charts a reader trusts: round ticks (whole ones for counts), every month of the range,
units on every number, the policy's targets drawn, n beside medians, the numbers as a
table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsledger.site import charts


@pytest.mark.parametrize(("peak", "whole", "ticks"), [
    (17, False, [0, 5, 10, 15, 20]),     # not 4.2, 8.5, 13
    (2, True, [0, 1, 2]),                # no 0.5 deployments
    (1, True, [0, 1]),
    (0, True, [0, 1]),
    (224, False, [0, 100, 200, 300]),
    (0.4, False, [0, 0.1, 0.2, 0.3, 0.4]),
])
def test_ticks_are_round_and_whole_for_counts(peak: float, whole: bool,
                                              ticks: list[float]) -> None:
    assert charts.scale(peak, whole) == pytest.approx(ticks)


def _chart(page: str, title: str) -> str:
    return page.split(f"<figcaption>{title}</figcaption>")[1].partition("</figure>")[0]


def test_every_month_of_the_range_is_drawn_zeros_too(built: Path) -> None:
    page = (built / "metrics.html").read_text()
    chart = _chart(page, "Incidents per month by severity")
    axis = re.findall(r'class="ol-axis">(\d{4}-\d\d)<', chart)
    assert axis == [f"2026-{m:02d}" for m in range(3, 12)]  # deployments start in March
    assert "<tr><th>2026-08</th><td>0</td>" in chart  # an empty month is a zero, not a gap


def test_count_charts_tick_whole_numbers(built: Path) -> None:
    chart = _chart((built / "metrics.html").read_text(), "Deployments per month")
    ticks = re.findall(r'text-anchor="end" class="ol-axis">([^<]+)<', chart)
    assert ticks == ["0", "1", "2"]
    # the axis's title starts at the chart's left edge (test_browser measures its box)
    assert '<text x="2" y="14" text-anchor="start" class="ol-axis ol-axis-title">' \
        'Deployments</text>' in chart


def test_headline_numbers_carry_units(built: Path) -> None:
    page = (built / "metrics.html").read_text()
    tiles = dict(re.findall(r'ol-tile-value">([^<]+)</div><div class="ol-tile-label">([^<]+)<',
                            page))
    assert tiles == {"4": "Deployments", "0.13 per week": "Deployments per week",
                     "160.5 h": "Lead time (median)", "50 %": "Change failure rate",
                     "47 min": "Time to restore (median)"}
    home = (built / "index.html").read_text()
    assert ">50 %<" in home and ">47 min<" in home and ">47.0<" not in home


def test_targets_from_the_policy_are_drawn(built: Path) -> None:
    page = (built / "metrics.html").read_text()
    mtta = _chart(page, "Time to acknowledge: median minutes by month of detection")
    assert "<title>SEV1 target (policy): 5 min</title>" in mtta  # acknowledge_minutes
    mttr = _chart(page, "Time to resolve: median minutes by month of detection")
    assert "<title>SEV2 target (policy): 480 min</title>" in mttr  # resolve_hours: 8
    assert "ol-target" not in _chart(page, "Time to mitigate: median minutes by month of "
                                           "detection")


def test_medians_show_their_sample_size_and_every_chart_its_numbers(built: Path) -> None:
    page = (built / "metrics.html").read_text()
    assert ">SEV1 (n=1)<" in _chart(page, "Median minutes by severity")
    assert "<td>224 min (n=1)</td>" in page
    assert page.count('<details class="ol-chart-data"><summary>The numbers</summary>') == 6

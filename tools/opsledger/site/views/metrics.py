"""The metrics page: DORA's four keys, MTTx by severity and the charts, from
`opsledger.metrics` numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsledger.metrics import SPANS
from opsledger.site import charts
from opsledger.site.views.base import Fact, Site, tile


@dataclass(frozen=True)
class SeverityRow:
    severity: str
    cells: tuple[str, ...]   # one per span: "median min (n=count)", "" without data


@dataclass(frozen=True)
class Charts:
    """Inline SVG, built from numbers and escaped labels by `charts`."""
    deploys: str
    per_month: str
    mttx: str
    over_time: tuple[str, ...]   # one per span


@dataclass(frozen=True)
class Metrics:
    dora: tuple[Fact, ...]
    charts: Charts
    spans: tuple[str, ...]       # span labels, the table's columns
    by_severity: tuple[SeverityRow, ...]


def metrics(site: Site, numbers: dict[str, Any]) -> Metrics:
    by_severity = numbers["incidents"]["by_severity"]
    return Metrics(
        tuple(tile(site, key, value) for key, value in numbers["dora"].items()),
        _charts(site, numbers), tuple(site.labels[span] for span in SPANS),
        tuple(SeverityRow(sev, tuple(_cell(values.get(span)) for span in SPANS))
              for sev, values in by_severity.items()))


def _cell(value: dict[str, Any] | None) -> str:
    return f"{value['median_minutes']} min (n={value['count']})" if value else ""


def _charts(site: Site, numbers: dict[str, Any]) -> Charts:
    labels = site.labels
    per_month = numbers["incidents"]["per_month"]
    months = list(per_month)
    severities = sorted({sev for counts in per_month.values() for sev in counts})
    by_severity = numbers["incidents"]["by_severity"]
    deploys = numbers["deploys_by_month"]
    over_time = []
    for span in SPANS:
        by_month = numbers["mttx_by_month"][span]
        over_time.append(charts.lines(
            f"{labels[span]}: {labels['by_month']}", list(by_month),
            {sev: [by_month[m].get(sev) for m in by_month] for sev in severities}))
    return Charts(
        charts.bars(labels["deploys_per_month"], list(deploys), {
            "ok": [float(v["ok"]) for v in deploys.values()],
            "failed": [float(v["failed"]) for v in deploys.values()]}),
        charts.bars(labels["incidents_per_month"], months, {
            sev: [float(per_month[m].get(sev, 0)) for m in months] for sev in severities}),
        charts.bars(labels["time_to"], list(by_severity), {
            labels[span]: [float(by_severity[sev].get(span, {}).get("median_minutes", 0))
                           for sev in by_severity] for span in SPANS}, stacked=False),
        tuple(over_time))

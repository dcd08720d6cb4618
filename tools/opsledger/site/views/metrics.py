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
    return f"{charts.number(value['median_minutes'])} min (n={value['count']})" if value else ""


def months(numbers: dict[str, Any]) -> list[str]:
    """Every month from the first to the last with data, empty ones too ("2026-06")."""
    seen = sorted({*numbers["incidents"]["per_month"], *numbers["deploys_by_month"],
                   *(m for by in numbers["mttx_by_month"].values() for m in by)})
    if not seen:
        return []
    year, month = map(int, seen[0].split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= seen[-1]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def targets(site: Site, span: str) -> dict[str, float]:
    """The policy's targets per severity, in minutes: MTTA from `acknowledge_minutes`, MTTR
    from `resolve_hours`."""
    out = {}
    for severity in ("SEV1", "SEV2", "SEV3", "SEV4"):
        policy = site.policy.severity(severity)
        value = policy.get("acknowledge_minutes") if span == "time_to_acknowledge" else \
            60 * policy["resolve_hours"] if span == "time_to_resolve" and \
            isinstance(policy.get("resolve_hours"), int | float) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[severity] = float(value)
    return out


def _charts(site: Site, numbers: dict[str, Any]) -> Charts:
    labels = site.labels
    per_month, all_months = numbers["incidents"]["per_month"], months(numbers)
    severities = sorted({sev for counts in per_month.values() for sev in counts})
    by_severity = numbers["incidents"]["by_severity"]
    deploys = numbers["deploys_by_month"]
    counts = charts.Axis(labels["incidents"], whole=True, data_label=labels["chart_numbers"])
    over_time = []
    for span in SPANS:
        by_month = numbers["mttx_by_month"][span]
        over_time.append(charts.lines(
            f"{labels[span]}: {labels['by_month']}", all_months,
            {sev: [by_month.get(m, {}).get(sev) for m in all_months] for sev in severities},
            charts.Axis(labels["unit_minutes"], data_label=labels["chart_numbers"],
                        targets=targets(site, span), target_label=labels["target"])))
    return Charts(
        charts.bars(labels["deploys_per_month"], all_months, {
            labels["deploy_ok"]: [float(deploys.get(m, {}).get("ok", 0)) for m in all_months],
            labels["deploy_failed"]: [float(deploys.get(m, {}).get("failed", 0))
                                      for m in all_months]},
            charts.Axis(labels["deployments"], whole=True, data_label=labels["chart_numbers"],
                        colors={labels["deploy_ok"]: charts.PALETTE["ok"],
                                labels["deploy_failed"]: charts.PALETTE["failed"]})),
        charts.bars(labels["incidents_per_month"], all_months, {
            sev: [float(per_month.get(m, {}).get(sev, 0)) for m in all_months]
            for sev in severities}, counts),
        charts.bars(labels["time_to"], [f"{sev} (n={_n(by_severity[sev])})"
                                        for sev in by_severity], {
            labels[span]: [float(by_severity[sev].get(span, {}).get("median_minutes", 0))
                           for sev in by_severity] for span in SPANS},
            charts.Axis(labels["unit_minutes"], data_label=labels["chart_numbers"]),
            stacked=False),
        tuple(over_time))


def _n(values: dict[str, Any]) -> int:
    return max((v.get("count", 0) for v in values.values()), default=0)

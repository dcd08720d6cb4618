"""MTTx by severity and DORA's four keys, recomputed from the records. Drills and tests
stay out."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from opsledger import lifecycle, timefmt
from opsledger.ledger import Ledger, Record

SPANS = {"time_to_acknowledge": ("detected_at", "acknowledged_at"),
         "time_to_mitigate": ("impact_started_at", "mitigated_at"),
         "time_to_resolve": ("impact_started_at", "resolved_at")}


_time = timefmt.parse_or_none


def _minutes(start: object, end: object) -> float | None:
    a, b = _time(start), _time(end)
    return round((b - a).total_seconds() / 60, 1) if a and b else None


def _month(value: object) -> str | None:
    """"2026-06" of a time as written (its own offset); None when it is not a time."""
    moment = _time(value)
    return f"{moment.year:04d}-{moment.month:02d}" if moment else None


def span_minutes(stamps: dict[str, Any]) -> dict[str, float]:
    """Each span of SPANS that the incident's timestamps allow, in minutes (a span starts at
    detection when the impact's start is unknown)."""
    spans = {}
    for name, (start, end) in SPANS.items():
        minutes = _minutes(stamps.get(start) or stamps.get("detected_at"), stamps.get(end))
        if minutes is not None:
            spans[name] = minutes
    return spans


def real_incidents(ledger: Ledger) -> list[Record]:
    return [r for r in ledger.records.values() if r.kind == "incident" and r.doc is not None
            and r.data.get("mode") == "real"]


def incident_metrics(ledger: Ledger) -> dict[str, Any]:
    by_severity: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    per_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in real_incidents(ledger):
        stamps = record.mapping("timestamps")
        severity = str(record.data.get("severity"))
        for name, minutes in span_minutes(stamps).items():
            by_severity[severity][name].append(minutes)
        month = _month(stamps.get("detected_at"))
        if month:
            per_month[month][severity] += 1
    summary = {sev: {name: {"count": len(v), "median_minutes": _median(v), "mean_minutes":
                            round(sum(v) / len(v), 1)} for name, v in spans.items()}
               for sev, spans in sorted(by_severity.items())}
    return {"by_severity": summary, "per_month": {m: dict(c) for m, c in sorted(per_month.items())}}


def deployed(ledger: Ledger) -> list[Record]:
    """Releases that reached production and finished (whatever the outcome)."""
    return [r for r in ledger.records.values() if r.kind == "release" and r.doc is not None
            and r.data.get("status") in lifecycle.RELEASE_DEPLOYED
            and isinstance(r.data.get("execution"), dict)
            and r.data["execution"].get("finished_at")]


def incident_links(ledger: Ledger) -> dict[str, set[str]]:
    """Release id -> incidents linked from either side. An approved release is frozen, so the
    incident a release caused usually names the release, not the other way round."""
    links: dict[str, set[str]] = defaultdict(set)
    for record in ledger.records.values():
        if record.kind == "release":
            links[record.id].update(i for i in record.data.get("related_incidents") or []
                                    if isinstance(i, str))
        else:
            for release_id in record.data.get("related_releases") or []:
                if isinstance(release_id, str):
                    links[release_id].add(record.id)
    return links


def failed(release: Record, ledger: Ledger, links: dict[str, set[str]]) -> bool:
    """A failed change, as the change failure rate counts it."""
    return release.data["execution"].get("result") != "succeeded" or \
        _caused_incident(release, ledger, links.get(release.id, set()))


def dora(ledger: Ledger) -> dict[str, Any]:
    deployed_releases = deployed(ledger)
    links = incident_links(ledger)
    failures = [r for r in deployed_releases if failed(r, ledger, links)]
    finished = sorted(_time(r.data["execution"]["finished_at"]) or datetime.min
                      for r in deployed_releases)
    weeks = max(((finished[-1] - finished[0]).days / 7) if len(finished) > 1 else 1.0, 1.0)
    lead = [m for r in deployed_releases if (m := _minutes(_first_event_at(r),
                                                  r.data["execution"]["finished_at"])) is not None]
    restore = []
    for record in real_incidents(ledger):
        if record.data.get("related_releases"):
            stamps = record.mapping("timestamps")
            minutes = _minutes(stamps.get("impact_started_at") or stamps.get("detected_at"),
                               stamps.get("mitigated_at") or stamps.get("resolved_at"))
            if minutes is not None:
                restore.append(minutes)
    return {"deployments": len(deployed_releases),
            "deployment_frequency_per_week": round(len(deployed_releases) / weeks, 2),
            "lead_time_median_hours": round(median(lead) / 60, 1) if lead else None,
            "change_failure_rate": round(len(failures) / len(deployed_releases), 3)
            if deployed_releases else None,
            "time_to_restore_median_minutes": _median(restore) if restore else None}


def _first_event_at(release: Record) -> object:
    timeline = release.data.get("timeline")
    first = timeline[0] if isinstance(timeline, list) and timeline else None
    return first.get("at") if isinstance(first, dict) else None


def _caused_incident(release: Record, ledger: Ledger, incidents: set[str]) -> bool:
    """Linked and began while the change ran (or within a day after): a fix linked to the
    incident it fixed does not count as a failure."""
    execution = release.mapping("execution")
    start, end = _time(execution.get("started_at")), _time(execution.get("finished_at"))
    for incident_id in sorted(incidents):
        incident = ledger.records.get(incident_id)
        stamps = incident.mapping("timestamps") if incident else {}
        began = _time(stamps.get("impact_started_at") or stamps.get("detected_at"))
        if start and end and began and start <= began <= end + timedelta(days=1):
            return True
    return False


def mttx_by_month(ledger: Ledger) -> dict[str, dict[str, dict[str, float]]]:
    """Median minutes of each span, per month of detection and severity."""
    spans: dict[str, dict[str, dict[str, list[float]]]] = {
        name: defaultdict(lambda: defaultdict(list)) for name in SPANS}
    for record in real_incidents(ledger):
        stamps = record.mapping("timestamps")
        month = _month(stamps.get("detected_at"))
        if month is None:
            continue
        for name, minutes in span_minutes(stamps).items():
            spans[name][month][str(record.data.get("severity"))].append(minutes)
    return {name: {month: {sev: _median(v) for sev, v in sorted(by_sev.items())}
                   for month, by_sev in sorted(months.items())}
            for name, months in spans.items()}


def deploys_by_month(ledger: Ledger) -> dict[str, dict[str, int]]:
    """Finished deployments per month, split into ok and failed."""
    months: dict[str, dict[str, int]] = defaultdict(lambda: {"ok": 0, "failed": 0})
    links = incident_links(ledger)
    for release in deployed(ledger):
        outcome = "failed" if failed(release, ledger, links) else "ok"
        month = _month(release.data["execution"]["finished_at"])
        if month:
            months[month][outcome] += 1
    return dict(sorted(months.items()))


def compute_for(ledger: Ledger) -> dict[str, Any]:
    return {"incidents": incident_metrics(ledger), "dora": dora(ledger),
            "mttx_by_month": mttx_by_month(ledger),
            "deploys_by_month": deploys_by_month(ledger)}


def _median(values: list[float]) -> float:
    """Rounded once, here, to the tenth of a minute the spans carry: the median of an even
    count (37.25) would otherwise print differently in `metrics` and on the site."""
    return round(median(values), 1)

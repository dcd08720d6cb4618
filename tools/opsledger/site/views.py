"""What each page shows, computed from the ledger: plain dicts for the templates.

Values from records stay as they are (the templates escape them); everything derived here
(durations, overdue flags, sign-off states, weeks) is computed from validated fields and
degrades to "unknown" on anything odd rather than failing the build.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from opsledger import lifecycle, timefmt
from opsledger.approval import Evaluation, evaluate
from opsledger.gitrepo import Commit
from opsledger.ledger import Ledger, Record
from opsledger.metrics import SPANS as METRIC_SPANS
from opsledger.metrics import incident_links, span_minutes
from opsledger.obligations import item_done, item_overdue
from opsledger.policy import Policy
from opsledger.requirements import approval_gate, close_gate
from opsledger.signoffs import Verifier, judge_all, latest

OPEN_INCIDENT = ("triage", "investigating", "identified", "mitigated")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV?")
UPCOMING_DAYS = 14
SPANS = tuple(METRIC_SPANS)


@dataclass
class Site:
    ledger: Ledger
    policy: Policy
    now: datetime
    history: dict[str, list[Commit]] = field(default_factory=dict)
    verifier: Verifier | None = None

    _sorted: dict[str, list[Record]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _links: dict[str, list[str]] | None = None

    def records(self, kind: str) -> list[Record]:
        """Readable records of a kind, newest id first (computed once)."""
        if kind not in self._sorted:
            self._sorted[kind] = sorted((r for r in self.ledger.records.values()
                                         if r.kind == kind and r.doc is not None),
                                        key=lambda r: r.id, reverse=True)
        return self._sorted[kind]

    def linked(self, record: Record) -> list[str]:
        """Records linked to this one from either side (release <-> incident)."""
        if self._links is None:
            self._links = {}
            for release_id, incidents in incident_links(self.ledger).items():
                for incident_id in incidents:
                    self._links.setdefault(release_id, []).append(incident_id)
                    self._links.setdefault(incident_id, []).append(release_id)
        return sorted(set(self._links.get(record.id, [])))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_time = timefmt.parse_or_none


def human(span: float | None) -> str:
    """Minutes as people read a duration; "" for none (or a negative one)."""
    if span is None or span < 0:
        return ""
    minutes = int(span)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} d {minutes % 1440 // 60} h"


# --- incidents ---------------------------------------------------------------------------

def incident_row(record: Record) -> dict[str, Any]:
    data = record.data
    stamps = as_dict(data.get("timestamps"))
    declared = stamps.get("declared_at") or stamps.get("detected_at")
    return {"id": record.id, "title": data.get("title"), "severity": data.get("severity"),
            "status": data.get("status"), "services": as_list(data.get("services")),
            "mode": data.get("mode"), "declared": declared, "year": record.id[4:8],
            "duration": human(span_minutes(stamps).get("time_to_resolve")),
            "postmortem": as_dict(data.get("postmortem")).get("status"),
            "has_postmortem": record.postmortem is not None}


def action_items(record: Record, now: datetime) -> list[dict[str, Any]]:
    items = []
    for item in as_list(record.data.get("action_items")):
        if isinstance(item, dict):
            items.append({**item, "incident": record.id, "done": item_done(item),
                          "overdue": item_overdue(item, now.date())})
    return items


def incident_page(site: Site, record: Record) -> dict[str, Any]:
    data = record.data
    stamps = as_dict(data.get("timestamps"))
    related = site.linked(record)
    gate = None
    if as_dict(data.get("postmortem")).get("required") or \
            site.policy.severity(str(data.get("severity"))).get("postmortem_required"):
        gate = _matrix(site, record, evaluate(record, site.policy, close_gate(site.policy),
                                              site.verifier))
    return {"row": incident_row(record), "data": data,
            "stamps": [(name, value) for name, value in stamps.items()],
            "durations": {name: human(minutes) for name, minutes in
                          span_minutes(stamps).items()},
            "roles": [r for r in as_list(data.get("roles")) if isinstance(r, dict)],
            "timeline": timeline(record),
            "impact": as_dict(data.get("impact")),
            "root_causes": [c for c in as_list(data.get("root_causes")) if isinstance(c, dict)],
            "lessons": as_dict(data.get("lessons")),
            "action_items": action_items(record, site.now),
            "postmortem": as_dict(data.get("postmortem")),
            "postmortem_text": record.postmortem.decode("utf-8", "replace")
            if record.postmortem is not None else None,
            "signoffs": signoff_rows(site, record), "gate": gate,
            "related": [(r, site.ledger.records.get(r)) for r in related],
            "history": site.history.get(record.id, [])}


def timeline(record: Record) -> list[dict[str, Any]]:
    events = [e for e in as_list(record.data.get("timeline")) if isinstance(e, dict)]
    marked = ("declared", "detection", "mitigation", "resolution", "rollback", "reopen")
    return [{**e, "highlight": bool(e.get("important")) or e.get("type") in marked}
            for e in events]


# --- sign-offs -----------------------------------------------------------------------------

def signoff_rows(site: Site, record: Record) -> list[dict[str, Any]]:
    if record.id in site.rows:
        return site.rows[record.id]  # the page and the export both ask
    verdicts = judge_all(record, site.policy, site.verifier)
    counting = {id(v) for v in latest(verdicts).values()}
    rows = []
    for verdict in verdicts:
        data = verdict.data
        state = str(verdict.state)
        if state == "valid" and data.get("decision") == "revoke":
            state = "revoked"
        rows.append({"file": verdict.signoff.path.rsplit("/", 1)[-1],
                     "role": verdict.signoff.name.role, "person": verdict.signoff.name.person,
                     "decision": data.get("decision"), "at": data.get("at"),
                     "comment": data.get("comment"), "state": state, "reason": verdict.reason,
                     "superseded": id(verdict) not in counting,
                     "evidence": "review" if "review" in data else "signature"})
    site.rows[record.id] = rows
    return rows


def _matrix(site: Site, record: Record, evaluation: Evaluation) -> dict[str, Any]:
    states = {key: v.state for key, v in evaluation.verdicts.items()}
    slots = []
    for slot in evaluation.slots:
        stale = [person for (role, person), state in states.items()
                 if role == slot.role and state != "valid" and person != slot.person]
        slots.append({"role": slot.role, "person": slot.person, "candidates": slot.candidates,
                      "not_counted": stale})
    return {"slots": slots, "rejected": evaluation.rejected_by, "met": evaluation.met}


# --- releases ------------------------------------------------------------------------------

def release_row(record: Record) -> dict[str, Any]:
    data = record.data
    window = as_dict(data.get("window"))
    return {"id": record.id, "title": data.get("title"), "system": data.get("system"),
            "version": data.get("version"), "risk": data.get("risk"),
            "change_type": data.get("change_type"), "status": data.get("status"),
            "start": window.get("start"), "end": window.get("end"),
            "requested_by": data.get("requested_by"), "year": record.id[4:8]}


def release_page(site: Site, record: Record) -> dict[str, Any]:
    data = record.data
    linked = site.linked(record)
    return {"row": release_row(record), "data": data,
            "impact": as_dict(data.get("impact")), "testing": as_dict(data.get("testing")),
            "rollback": as_dict(data.get("rollback")),
            "response": as_dict(data.get("emergency_response")),
            "execution": as_dict(data.get("execution")), "review": as_dict(data.get("review")),
            "matrix": _matrix(site, record, evaluate(record, site.policy,
                                                     approval_gate(record, site.policy),
                                                     site.verifier)),
            "signoffs": signoff_rows(site, record), "timeline": timeline(record),
            "linked": [(i, site.ledger.records.get(i)) for i in linked],
            "history": site.history.get(record.id, []),
            "next": lifecycle.next_states("release", str(data.get("status")),
                                          data.get("change_type") == "emergency")}


def calendar(site: Site) -> list[dict[str, Any]]:
    """Releases grouped by the ISO week their window starts in, newest week first."""
    weeks: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for record in site.records("release"):
        row = release_row(record)
        start = _time(row["start"])
        if start is not None:
            monday = (start - timedelta(days=start.weekday())).date()
            weeks[monday].append({**row, "day": start.strftime("%a %d %b %H:%M")})
    this_week = (site.now - timedelta(days=site.now.weekday())).date()
    freezes = site.policy.freeze_windows()
    for window in freezes:  # a frozen week shows even when nothing is planned in it
        day = window.start.date() - timedelta(days=window.start.weekday())
        while day <= window.end.date():
            weeks.setdefault(day, [])
            day += timedelta(days=7)
    return [{"monday": monday.isoformat(), "current": monday == this_week,
             "freezes": [w.name for w in freezes if w.start.date() < monday + timedelta(days=7)
                         and w.end.date() >= monday],
             "releases": sorted(rows, key=lambda r: str(r["start"]))}
            for monday, rows in sorted(weeks.items(), reverse=True)]


# --- home, board, metrics -----------------------------------------------------------------

def home(site: Site, headline: dict[str, Any]) -> dict[str, Any]:
    open_rows = [incident_row(r) for r in site.records("incident")
                 if r.data.get("status") in OPEN_INCIDENT and r.data.get("mode") == "real"]
    by_severity = {sev: [row for row in open_rows if row["severity"] == sev]
                   for sev in SEVERITIES}
    horizon = site.now + timedelta(days=UPCOMING_DAYS)
    upcoming = []
    for record in site.records("release"):
        row = release_row(record)
        start = _time(row["start"])
        if start and site.now - timedelta(hours=12) <= start <= horizon and \
                row["status"] not in lifecycle.RELEASE_TERMINAL:
            upcoming.append(row)
    freezes = []
    for window in site.policy.freeze_windows():
        if window.end >= site.now and window.start <= site.now + timedelta(days=45):
            freezes.append({"name": window.name, "start": timefmt.format_time(window.start),
                            "end": timefmt.format_time(window.end),
                            "active": window.start <= site.now, "allow": list(window.allow)})
    return {"open": {k: v for k, v in by_severity.items() if v}, "open_count": len(open_rows),
            "upcoming": sorted(upcoming, key=lambda r: str(r["start"])), "freezes": freezes,
            "headline": headline}


def board(site: Site) -> dict[str, list[dict[str, Any]]]:
    columns: dict[str, list[dict[str, Any]]] = {"overdue": [], "open": [], "done": []}
    for record in site.records("incident"):
        for item in action_items(record, site.now):
            column = "done" if item["done"] else "overdue" if item["overdue"] else "open"
            columns[column].append(item)
    for items in columns.values():
        items.sort(key=lambda i: str(i.get("due")))
    return columns

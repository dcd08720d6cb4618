"""The release page, and the release row the indexes, the calendar and the home page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsledger import ids
from opsledger.ledger import Record
from opsledger.signoffs import evaluate, release_slots
from opsledger.site.sanitize import is_safe_url
from opsledger.site.views.base import (
    Badge,
    CommitRow,
    Event,
    Fact,
    Related,
    Site,
    as_dict,
    as_list,
    dicts,
    history,
    people,
    related,
    text,
    texts,
    timeline,
    when,
)
from opsledger.site.views.signoffs import Matrix, SignoffRow, matrix, signoff_rows

IMPACT_FACTS = ("user_facing", "downtime_minutes", "data_migration")


@dataclass(frozen=True)
class ReleaseRow:
    id: str
    page: str
    title: str
    system: str
    version: str
    status: str
    risk: str
    change_type: str
    year: str
    start: str            # as people read it
    start_sort: str       # as written: sorts in time order
    end: str
    requested_by: str
    status_badge: Badge
    risk_badge: Badge
    emergency_badge: Badge | None


@dataclass(frozen=True)
class Evidence:
    text: str
    href: str | None   # only an absolute http(s) or mailto URL becomes a link


@dataclass(frozen=True)
class Escalation:
    after_minutes: str
    contact: str
    via: str


@dataclass(frozen=True)
class Execution:
    started: str
    finished: str
    result: Badge | None
    notes: str          # Markdown


@dataclass(frozen=True)
class Review:
    by: str
    when: str
    summary: str                 # Markdown
    follow_ups: tuple[str, ...]  # Markdown


@dataclass(frozen=True)
class ReleasePage:
    row: ReleaseRow
    executor: str
    summary: str                    # Markdown
    matrix: Matrix
    changes: tuple[str, ...]        # Markdown
    impact_services: str
    impact: tuple[Fact, ...]
    impact_notes: str               # Markdown
    test_result: Badge
    test_summary: str               # Markdown
    evidence: tuple[Evidence, ...]
    rollback_minutes: str
    rollback_rehearsed: str
    rollback_trigger: str           # Markdown
    rollback_steps: tuple[str, ...]  # Markdown
    commander: str
    oncall: str
    escalation: tuple[Escalation, ...]
    communication: str              # Markdown
    abort_criteria: tuple[str, ...]  # Markdown
    execution: Execution | None
    timeline: tuple[Event, ...]
    review: Review | None
    linked: tuple[Related, ...]
    signoffs: tuple[SignoffRow, ...]
    history: tuple[CommitRow, ...]


def release_row(site: Site, record: Record) -> ReleaseRow:
    data = record.data
    window = as_dict(data.get("window"))
    return ReleaseRow(
        record.id, ids.page_path(record.id), text(data.get("title")), text(data.get("system")),
        text(data.get("version")), text(data.get("status")), text(data.get("risk")),
        text(data.get("change_type")), record.id[4:8], when(window.get("start")),
        text(window.get("start")), when(window.get("end")), text(data.get("requested_by")),
        site.badge("status", data.get("status")), site.badge("risk", data.get("risk")),
        site.badge("ct", "emergency") if data.get("change_type") == "emergency" else None)


def release_page(site: Site, record: Record) -> ReleasePage:
    data = record.data
    impact, testing = as_dict(data.get("impact")), as_dict(data.get("testing"))
    rollback = as_dict(data.get("rollback"))
    response = as_dict(data.get("emergency_response"))
    return ReleasePage(
        release_row(site, record), text(data.get("executor")), text(data.get("summary")),
        matrix(site, evaluate(record, site.policy, release_slots(record, site.policy),
                              site.verifier)),
        texts(data.get("changes")), people(impact.get("services")),
        tuple(Fact(site.labels[key], site.yesno(impact.get(key))) for key in IMPACT_FACTS),
        text(impact.get("notes")), site.badge("test", testing.get("result")),
        text(testing.get("summary")), tuple(map(_evidence, as_list(testing.get("evidence")))),
        text(rollback.get("estimated_minutes")), site.yesno(rollback.get("rehearsed")),
        text(rollback.get("trigger")), texts(rollback.get("steps")),
        text(response.get("incident_commander")), people(response.get("oncall")),
        tuple(Escalation(text(e.get("after_minutes")), text(e.get("contact")),
                         text(e.get("via"))) for e in dicts(response.get("escalation"))),
        text(response.get("communication")), texts(response.get("abort_criteria")),
        _execution(site, data.get("execution")), timeline(record),
        _review(data.get("review")), related(site, record, ("severity", "status")),
        signoff_rows(site, record), history(site, record))


def _evidence(item: object) -> Evidence:
    href = item if isinstance(item, str) and is_safe_url(item) else None
    return Evidence(text(item), href)


def _execution(site: Site, value: Any) -> Execution | None:
    execution = as_dict(value)
    if not execution:
        return None
    result = execution.get("result")
    return Execution(when(execution.get("started_at")), when(execution.get("finished_at")),
                     site.badge("status", result) if result else None,
                     text(execution.get("notes")))


def _review(value: Any) -> Review | None:
    review = as_dict(value)
    if not review:
        return None
    return Review(text(review.get("by")), when(review.get("at")), text(review.get("summary")),
                  texts(review.get("follow_ups")))

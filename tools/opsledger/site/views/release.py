"""The release page, and the release row the indexes, the calendar and the home page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsledger import ids
from opsledger.approval import evaluate
from opsledger.ledger import Record
from opsledger.requirements import approval_gate
from opsledger.site.sanitize import is_safe_url
from opsledger.site.views.base import (
    Badge,
    CommitRow,
    Event,
    Fact,
    Person,
    Related,
    Site,
    as_dict,
    as_list,
    dicts,
    history,
    instant,
    people,
    related,
    text,
    texts,
    timeline,
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
    start_sort: str       # in UTC: sorts in time order
    end: str
    requested_by: Person
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
    by: Person
    when: str
    summary: str                 # Markdown
    follow_ups: tuple[str, ...]  # Markdown


@dataclass(frozen=True)
class ReleasePage:
    row: ReleaseRow
    executor: Person
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
    commander: Person
    oncall: tuple[Person, ...]
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
        id=record.id, page=ids.page_path(record.id), title=text(data.get("title")),
        system=text(data.get("system")), version=text(data.get("version")),
        status=text(data.get("status")), risk=text(data.get("risk")),
        change_type=text(data.get("change_type")), year=record.id[4:8],
        start=site.when(window.get("start")), start_sort=instant(window.get("start")),
        end=site.when(window.get("end")), requested_by=site.person(data.get("requested_by")),
        status_badge=site.badge("status", data.get("status")),
        risk_badge=site.badge("risk", data.get("risk")),
        emergency_badge=site.badge("ct", "emergency")
        if data.get("change_type") == "emergency" else None)


def release_page(site: Site, record: Record) -> ReleasePage:
    data = record.data
    impact, testing = as_dict(data.get("impact")), as_dict(data.get("testing"))
    rollback = as_dict(data.get("rollback"))
    response = as_dict(data.get("emergency_response"))
    return ReleasePage(
        row=release_row(site, record), executor=site.person(data.get("executor")),
        summary=text(data.get("summary")),
        matrix=matrix(site, evaluate(record, site.policy, approval_gate(record, site.policy),
                                       site.verifier)),
        changes=texts(data.get("changes")), impact_services=people(impact.get("services")),
        impact=tuple(Fact(site.labels[key], site.yesno(impact.get(key)))
                     for key in IMPACT_FACTS),
        impact_notes=text(impact.get("notes")),
        test_result=site.badge("test", testing.get("result")),
        test_summary=text(testing.get("summary")),
        evidence=tuple(map(_evidence, as_list(testing.get("evidence")))),
        rollback_minutes=text(rollback.get("estimated_minutes")),
        rollback_rehearsed=site.yesno(rollback.get("rehearsed")),
        rollback_trigger=text(rollback.get("trigger")),
        rollback_steps=texts(rollback.get("steps")),
        commander=site.person(response.get("incident_commander")),
        oncall=site.persons(response.get("oncall")),
        escalation=tuple(Escalation(text(e.get("after_minutes")), text(e.get("contact")),
                                    text(e.get("via")))
                         for e in dicts(response.get("escalation"))),
        communication=text(response.get("communication")),
        abort_criteria=texts(response.get("abort_criteria")),
        execution=_execution(site, data.get("execution")), timeline=timeline(site, record),
        review=_review(site, data.get("review")),
        linked=related(site, record, ("severity", "status")),
        signoffs=signoff_rows(site, record), history=history(site, record))


def _evidence(item: object) -> Evidence:
    href = item if isinstance(item, str) and is_safe_url(item) else None
    return Evidence(text(item), href)


def _execution(site: Site, value: Any) -> Execution | None:
    execution = as_dict(value)
    if not execution:
        return None
    result = execution.get("result")
    return Execution(site.when(execution.get("started_at")),
                     site.when(execution.get("finished_at")),
                     site.badge("status", result) if result else None,
                     text(execution.get("notes")))


def _review(site: Site, value: Any) -> Review | None:
    review = as_dict(value)
    if not review:
        return None
    return Review(site.person(review.get("by")), site.when(review.get("at")),
                  text(review.get("summary")), texts(review.get("follow_ups")))

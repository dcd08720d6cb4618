"""The incident page, and the incident row the indexes, the home page and the board share."""

from __future__ import annotations

from dataclasses import dataclass

from opsledger import ids
from opsledger.ledger import Record
from opsledger.metrics import span_minutes
from opsledger.obligations import item_done, item_overdue
from opsledger.signoffs import evaluate
from opsledger.site.views.base import (
    Badge,
    CommitRow,
    Event,
    Fact,
    Related,
    Site,
    as_dict,
    dicts,
    history,
    human,
    people,
    related,
    text,
    texts,
    timeline,
    when,
)
from opsledger.site.views.signoffs import Matrix, SignoffRow, matrix, signoff_rows

IMPACT_FACTS = ("customers_affected", "slo_breached", "data_loss", "revenue_impact")
LESSONS = ("went_well", "went_wrong", "lucky")


@dataclass(frozen=True)
class IncidentRow:
    id: str
    page: str
    title: str
    severity: str
    status: str
    mode: str
    year: str
    services: tuple[str, ...]
    declared: str          # as people read it
    declared_sort: str     # as written: sorts in time order
    duration: str
    severity_badge: Badge
    status_badge: Badge
    mode_badge: Badge | None   # drills and tests say so
    postmortem_badge: Badge


@dataclass(frozen=True)
class ActionItem:
    incident: str
    page: str
    id: str
    title: str     # Markdown
    owner: str
    due: str
    ticket: str
    status: Badge
    done: bool
    overdue: bool


@dataclass(frozen=True)
class Role:
    role: str
    person: str
    since: str


@dataclass(frozen=True)
class Cause:
    category: str
    contributing: bool
    summary: str   # Markdown


@dataclass(frozen=True)
class LessonGroup:
    label: str
    items: tuple[str, ...]   # Markdown


@dataclass(frozen=True)
class IncidentPage:
    row: IncidentRow
    summary: str                 # Markdown
    durations: tuple[Fact, ...]
    duplicate_of: str
    roles: tuple[Role, ...]
    timeline: tuple[Event, ...]
    impact_summary: str          # Markdown
    impact: tuple[Fact, ...]
    regions: str
    stamps: tuple[Fact, ...]
    postmortem_required: str
    postmortem_due: str
    postmortem_text: str | None  # Markdown, None when there is no postmortem.md
    causes: tuple[Cause, ...]
    has_lessons: bool
    lessons: tuple[LessonGroup, ...]
    action_items: tuple[ActionItem, ...]
    gate: Matrix | None          # the close gate, where a postmortem is required
    signoffs: tuple[SignoffRow, ...]
    related: tuple[Related, ...]
    history: tuple[CommitRow, ...]


def incident_row(site: Site, record: Record) -> IncidentRow:
    data = record.data
    stamps = as_dict(data.get("timestamps"))
    declared = stamps.get("declared_at") or stamps.get("detected_at")
    mode = data.get("mode")
    return IncidentRow(
        record.id, ids.page_path(record.id), text(data.get("title")),
        text(data.get("severity")), text(data.get("status")), text(mode), record.id[4:8],
        texts(data.get("services")), when(declared), text(declared),
        human(span_minutes(stamps).get("time_to_resolve")),
        site.badge("sev", data.get("severity")), site.badge("status", data.get("status")),
        None if mode == "real" else site.badge("mode", mode),
        site.badge("pm", as_dict(data.get("postmortem")).get("status") or "not_started"))


def action_items(site: Site, record: Record) -> tuple[ActionItem, ...]:
    return tuple(ActionItem(record.id, ids.page_path(record.id), text(item.get("id")),
                            text(item.get("title")), text(item.get("owner")),
                            text(item.get("due")), text(item.get("ticket")),
                            site.badge("ai", item.get("status")), item_done(item),
                            item_overdue(item, site.now.date()))
                 for item in dicts(record.data.get("action_items")))


def incident_page(site: Site, record: Record) -> IncidentPage:
    data = record.data
    stamps = as_dict(data.get("timestamps"))
    impact = as_dict(data.get("impact"))
    postmortem = as_dict(data.get("postmortem"))
    lessons = as_dict(data.get("lessons"))
    return IncidentPage(
        incident_row(site, record), text(data.get("summary")),
        tuple(Fact(site.labels[name], human(minutes))
              for name, minutes in span_minutes(stamps).items() if human(minutes)),
        text(data.get("duplicate_of")),
        tuple(Role(text(r.get("role")), text(r.get("person")), when(r.get("assumed_at")))
              for r in dicts(data.get("roles"))),
        timeline(record), text(impact.get("summary")),
        tuple(Fact(site.labels[key], site.yesno(impact[key]))
              for key in IMPACT_FACTS if impact.get(key) is not None),
        people(impact.get("regions")),
        tuple(Fact(str(name), when(value)) for name, value in stamps.items()),
        site.labels["required" if postmortem.get("required") else "not_required"],
        text(postmortem.get("due")),
        record.postmortem.decode("utf-8", "replace") if record.postmortem is not None
        else None,
        tuple(Cause(text(c.get("category")), bool(c.get("contributing")),
                    text(c.get("summary"))) for c in dicts(data.get("root_causes"))),
        bool(lessons),
        tuple(LessonGroup(site.labels[key], texts(lessons[key]))
              for key in LESSONS if lessons.get(key)),
        action_items(site, record), _close_gate(site, record),
        signoff_rows(site, record), related(site, record, ("status",)),
        history(site, record))


def _close_gate(site: Site, record: Record) -> Matrix | None:
    data = record.data
    if not as_dict(data.get("postmortem")).get("required") and \
            not site.policy.severity(str(data.get("severity"))).get("postmortem_required"):
        return None
    return matrix(site, evaluate(record, site.policy, site.policy.gate("close"),
                                 site.verifier))

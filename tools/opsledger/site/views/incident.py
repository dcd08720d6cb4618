"""The incident page, and the incident row the indexes, the home page and the board share."""

from __future__ import annotations

from dataclasses import dataclass

from opsledger import ids
from opsledger.approval import evaluate
from opsledger.ledger import Record
from opsledger.metrics import span_minutes
from opsledger.obligations import item_done, item_overdue, postmortem_due, postmortem_required
from opsledger.requirements import close_gate
from opsledger.site.richtext import replace_section
from opsledger.site.views.base import (
    Badge,
    CommitRow,
    Event,
    Fact,
    Person,
    Related,
    Site,
    as_dict,
    dicts,
    history,
    human,
    instant,
    people,
    related,
    text,
    texts,
    timeline,
)
from opsledger.site.views.drills import DrillSection, drill_section
from opsledger.site.views.live import OpenIncident, open_incident
from opsledger.site.views.response import Response, response
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
    declared_sort: str     # in UTC: sorts in time order
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
    owner: Person
    due: str
    ticket: str
    status: Badge
    lane: str      # the board lane it is in: its status as written
    done: bool
    overdue: bool


@dataclass(frozen=True)
class Role:
    role: str
    person: Person
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
    live: OpenIncident | None    # while the incident is open
    summary: str                 # Markdown
    durations: tuple[Fact, ...]
    duplicate_of: str
    response: Response           # the plan's response level, roles asked for, notifications
    drill: DrillSection | None   # a drill's objectives, participants and evaluation
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
        id=record.id, page=ids.page_path(record.id), title=text(data.get("title")),
        severity=text(data.get("severity")), status=text(data.get("status")), mode=text(mode),
        year=record.id[4:8], services=texts(data.get("services")),
        declared=site.when(declared), declared_sort=instant(declared),
        duration=human(span_minutes(stamps).get("time_to_resolve")),
        severity_badge=site.badge("sev", data.get("severity")),
        status_badge=site.badge("status", data.get("status")),
        mode_badge=None if mode == "real" else site.badge("mode", mode),
        postmortem_badge=site.badge(
            "pm", as_dict(data.get("postmortem")).get("status") or "not_started"))


def action_items(site: Site, record: Record) -> tuple[ActionItem, ...]:
    return tuple(ActionItem(
        incident=record.id, page=ids.page_path(record.id), id=text(item.get("id")),
        title=text(item.get("title")), owner=site.person(item.get("owner")),
        due=text(item.get("due")), ticket=text(item.get("ticket")),
        status=site.badge("ai", item.get("status")), lane=text(item.get("status")),
        done=item_done(item),
        overdue=item_overdue(item, site.now.date()))
        for item in dicts(record.data.get("action_items")))


def incident_page(site: Site, record: Record) -> IncidentPage:
    data = record.data
    stamps = as_dict(data.get("timestamps"))
    impact = as_dict(data.get("impact"))
    lessons = as_dict(data.get("lessons"))
    return IncidentPage(
        row=incident_row(site, record), live=open_incident(site, record),
        summary=text(data.get("summary")),
        durations=tuple(Fact(site.labels[name], human(minutes))
                        for name, minutes in span_minutes(stamps).items() if human(minutes)),
        duplicate_of=text(data.get("duplicate_of")),
        response=response(site, record), drill=drill_section(site, record),
        roles=tuple(Role(site.word(r.get("role")), site.person(r.get("person")),
                         site.when(r.get("assumed_at")))
                    for r in dicts(data.get("roles"))),
        timeline=timeline(site, record), impact_summary=text(impact.get("summary")),
        impact=tuple(Fact(site.labels[key], site.yesno(impact[key]))
                     for key in IMPACT_FACTS if impact.get(key) is not None),
        regions=people(impact.get("regions")),
        stamps=tuple(Fact(site.word(name), site.when(value)) for name, value in stamps.items()),
        postmortem_required=site.labels[
            "required" if postmortem_required(record, site.policy) else "not_required"],
        postmortem_due=text(postmortem_due(record, site.policy)),
        postmortem_text=_postmortem(site, record),
        causes=tuple(Cause(text(c.get("category")), bool(c.get("contributing")),
                           text(c.get("summary"))) for c in dicts(data.get("root_causes"))),
        has_lessons=bool(lessons),
        lessons=tuple(LessonGroup(site.labels[key], texts(lessons[key]))
                      for key in LESSONS if lessons.get(key)),
        action_items=action_items(site, record), gate=_close_gate(site, record),
        signoffs=signoff_rows(site, record), related=related(site, record, ("status",)),
        history=history(site, record))


def _postmortem(site: Site, record: Record) -> str | None:
    """The postmortem's own action-item section gives way to a link to the structured list,
    so each item shows once, with the title, owner and status the record tracks."""
    if record.postmortem is None:
        return None
    body = record.postmortem.decode("utf-8", "replace")
    if not dicts(record.data.get("action_items")):
        return body
    return replace_section(body, ("action items", site.labels["action_items"]),
                           f"[{site.labels['action_items_below']}](#action-items)")[0]


def _close_gate(site: Site, record: Record) -> Matrix | None:
    if not postmortem_required(record, site.policy):
        return None
    return matrix(site, evaluate(record, site.policy, close_gate(site.policy),
                                 site.verifier))

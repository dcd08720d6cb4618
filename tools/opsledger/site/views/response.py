"""The emergency response plan on an incident's page: its response level (severity x
type), the roles the plan asks for and who filled them, the notification checklist."""

from __future__ import annotations

from dataclasses import dataclass

from opsledger import notifications
from opsledger.ledger import Record
from opsledger.site.views.base import Badge, Site, dicts, text


@dataclass(frozen=True)
class AskedRole:
    role: str        # the role's name in the site's language
    key: str         # as the policy spells it
    people: str      # who filled it, "" when nobody has


@dataclass(frozen=True)
class NoticeRow:
    to: str
    deadline: str
    done_at: str
    state: Badge     # met, late, missing, pending or waived
    late_by: str
    waiver: str      # the waiver's reason (Markdown)


@dataclass(frozen=True)
class Response:
    severity: str                    # e.g. "SEV2 Major"
    type: str                        # incident, security or data
    roles: tuple[AskedRole, ...]
    notices: tuple[NoticeRow, ...]


def role_label(site: Site, role: str) -> str:
    return site.policy.role_name(role, site.labels["language"])


def asked_roles(site: Site, record: Record) -> list[str]:
    """The severity's roles (the commander first) and those the type adds."""
    data = record.data
    severity = site.policy.severity(str(data.get("severity")))
    return list(dict.fromkeys(["incident_commander", *severity.get("required_roles", []),
                               *site.policy.type_roles(str(data.get("type")))]))


def response(site: Site, record: Record) -> Response:
    data = record.data
    severity = site.policy.severity(str(data.get("severity")))
    level = " ".join(p for p in (text(data.get("severity")), text(severity.get("name"))) if p)
    filled: dict[str, list[str]] = {}
    for assignment in dicts(data.get("roles")):
        role, person = text(assignment.get("role")), text(assignment.get("person"))
        filled.setdefault(role, []).append(site.person(person).name)
    return Response(
        severity=level, type=text(data.get("type")),
        roles=tuple(AskedRole(role_label(site, role), role, ", ".join(filled.get(role, [])))
                    for role in asked_roles(site, record)),
        notices=tuple(_notice(site, item) for item in
                      notifications.checklist(record, site.policy)))


def _notice(site: Site, item: notifications.Notification) -> NoticeRow:
    late = item.late_by()
    if late is None and item.state(site.now) == "missing" and item.deadline is not None:
        late = site.now - item.deadline
    return NoticeRow(
        to=role_label(site, item.to) if item.to in site.policy.roles else item.to,
        deadline=site.when(item.deadline),
        done_at=site.when(item.done_at),
        state=site.badge("notify", item.state(site.now)),
        late_by=notifications.duration(late) if late else "",
        waiver=item.waived or "")

"""The ledger as the views see it, and the small pieces every page shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from opsledger import ids, timefmt
from opsledger.gitrepo import Commit
from opsledger.ledger import Ledger, Record
from opsledger.metrics import incident_links
from opsledger.policy import Policy
from opsledger.signoffs import Verifier
from opsledger.site.charts import number

if TYPE_CHECKING:
    from opsledger.site.views.signoffs import Verdict

_SLUG = re.compile(r"[^a-z0-9]+")
BADGE_KINDS = {"severity": "sev", "status": "status"}  # record field -> badge CSS kind
# Timeline events the page highlights even when nobody marked them important.
MARKED_EVENTS = ("declared", "detection", "mitigation", "resolution", "rollback", "reopen")


@dataclass
class Site:
    ledger: Ledger
    policy: Policy
    now: datetime
    labels: Mapping[str, str]
    history: dict[str, list[Commit]] = field(default_factory=dict)
    verifier: Verifier | None = None
    # Computed once per build: several pages and the export ask for the same things.
    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    _sorted: dict[str, list[Record]] = field(default_factory=dict)
    _links: dict[str, set[str]] | None = None
    _ids: frozenset[str] | None = None

    def records(self, kind: str) -> list[Record]:
        """Readable records of a kind, newest id first."""
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
                    self._links.setdefault(release_id, set()).add(incident_id)
                    self._links.setdefault(incident_id, set()).add(release_id)
        return sorted(self._links.get(record.id, ()))

    def badge(self, kind: str, value: object) -> Badge:
        shown = text(value)
        return Badge(f"ol-{kind}-{slug(shown)}", self.labels.get(shown, shown))

    def person(self, login: object) -> Person:
        """A person as people know them: the policy's name, the login kept for the hover."""
        shown = text(login)
        entry = self.policy.people.get(shown)
        name = entry.get("name") if isinstance(entry, dict) else None
        return Person(str(name) if isinstance(name, str) and name else shown, shown)

    def persons(self, logins: object) -> tuple[Person, ...]:
        return tuple(self.person(login) for login in as_list(logins))

    def word(self, key: object) -> str:
        """A role, field or event type as a word in the site's language; an unknown key
        as written, its underscores as spaces."""
        shown = text(key)
        if shown in self.policy.data.get("role_names", {}):  # the policy's own words win
            return self.policy.role_name(shown, self.labels["language"])
        return self.labels.get(f"w.{shown}") or shown.replace("_", " ")

    @property
    def record_ids(self) -> frozenset[str]:
        """Ids whose page the site builds: only these become links in record text."""
        if self._ids is None:
            self._ids = frozenset(r.id for r in self.ledger.records.values()
                                  if r.doc is not None and ids.RECORD_ID.fullmatch(r.id))
        return self._ids

    def when(self, value: object) -> str:
        """A time in the policy's display zone (local_time)."""
        return local_time(value, self.policy.display_zone())

    def yesno(self, value: object) -> str:
        if value is True or value is False:
            return self.labels["yes" if value else "no"]
        return text(value)


@dataclass(frozen=True)
class Badge:
    css: str     # ol-<kind>-<slug>: only [a-z0-9-], whatever the record says
    label: str


@dataclass(frozen=True)
class Person:
    name: str    # the policy's name; the login where the policy has none
    login: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Related:
    """Another record named by this one; `page` is None when there is no page to link."""
    id: str
    page: str | None
    badges: tuple[Badge, ...]
    title: str


@dataclass(frozen=True)
class Event:
    when: str
    type: str
    text: str    # Markdown
    by: Person | None
    important: bool
    highlight: bool
    to: str = ""     # a notification's recipient and channel: "legal_counsel (phone)"


@dataclass(frozen=True)
class CommitRow:
    when: str
    author: str
    sha: str
    subject: str


def text(value: object) -> str:
    """A record value as the page prints it; nothing at all for a missing one."""
    return "" if value is None else str(value)


def texts(value: object) -> tuple[str, ...]:
    return tuple(text(item) for item in as_list(value))


def people(value: object) -> str:
    return ", ".join(texts(value))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)]


def slug(value: str) -> str:
    """A CSS class suffix from a value: only [a-z0-9-] survives."""
    return _SLUG.sub("-", value.lower()).strip("-")[:40] or "unknown"


def local_time(value: object, zone: tzinfo) -> str:
    """A time as the site shows it, on every page and in the feed: in `zone` (the policy's
    display_timezone), to the minute, the zone named, so that times written with different
    offsets read alike: 2026-06-16T06:26:00+00:00 in Europe/Berlin -> 2026-06-16 08:26
    CEST. Anything that is not a time is shown as written."""
    moment = value if isinstance(value, datetime) else timefmt.parse_or_none(value)
    if moment is None:
        return str(value or "")
    shown = moment.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M} {zone_name(shown)}"


def instant(value: object) -> str:
    """A time as a key that sorts in time order whatever offset it was written with (in
    UTC); anything that is not a time as written."""
    moment = value if isinstance(value, datetime) else timefmt.parse_or_none(value)
    return text(value) if moment is None else moment.astimezone(UTC).isoformat()


def zone_name(moment: datetime) -> str:
    """The zone's abbreviation at that moment (CET, CEST, UTC); a zone that has none
    (Asia/Kathmandu's "+0545") is named by its offset from UTC."""
    name = moment.tzname() or ""
    if re.fullmatch(r"[+-]\d{2}(\d{2})?", name):
        return f"UTC{name[:3]}:{name[3:5] or '00'}"
    return name or "UTC"


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


def tile(site: Site, key: str, value: object) -> Fact:
    """A headline number under its label, with its unit; "-" where there is nothing to
    measure yet."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return Fact(site.labels[key], "-" if value is None else str(value))
    return Fact(site.labels[key], with_unit(site, key, value))


def with_unit(site: Site, key: str, value: float) -> str:
    """A number as its key says it is measured: a rate in %, then by the key's suffix."""
    if key.endswith("_rate"):
        return f"{number(value * 100)} %"
    for suffix, unit in (("_per_week", "unit_per_week"), ("_hours", "unit_hours"),
                         ("_minutes", "unit_minutes")):
        if key.endswith(suffix):
            return f"{number(value)} {site.labels[unit]}"
    return number(value)


def page_of(site: Site, record_id: str) -> str | None:
    """The page of a record that has one (read and validly named), else None."""
    record = site.ledger.records.get(record_id)
    if record is None or ids.kind_of(record_id) is None:
        return None
    return ids.page_path(record_id)


def related(site: Site, record: Record, fields: tuple[str, ...]) -> tuple[Related, ...]:
    """The linked records, each with a badge per field named ("severity", "status")."""
    out = []
    for other_id in site.linked(record):
        other = site.ledger.records.get(other_id)
        data = other.data if other is not None else {}
        out.append(Related(other_id, page_of(site, other_id),
                           tuple(site.badge(BADGE_KINDS[f], data.get(f)) for f in fields),
                           text(data.get("title"))))
    return tuple(out)


def _notified(site: Site, event: dict[str, Any]) -> str:
    """Who a notification went to, and how."""
    to = site.word(event.get("to")) if event.get("to") else ""
    return to + (f" ({text(event.get('via'))})" if event.get("via") else "")


def timeline(site: Site, record: Record) -> tuple[Event, ...]:
    return tuple(Event(site.when(e.get("at")), site.word(e.get("type")), text(e.get("text")),
                       site.person(e["by"]) if e.get("by") else None,
                       bool(e.get("important")),
                       bool(e.get("important")) or e.get("type") in MARKED_EVENTS,
                       _notified(site, e))
                 for e in dicts(record.data.get("timeline")))


def history(site: Site, record: Record) -> tuple[CommitRow, ...]:
    return tuple(CommitRow(site.when(c.time), c.author, c.sha[:12], c.subject)
                 for c in site.history.get(record.id, []))

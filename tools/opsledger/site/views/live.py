"""An open incident as responders and managers look at it first: how long it has been open,
where it stands and what was said last (and whether that is older than the severity's
update interval)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsledger import lifecycle, timefmt
from opsledger.ledger import Record
from opsledger.site.views.base import Event, Site, as_dict, dicts, human, timeline


@dataclass(frozen=True)
class OpenIncident:
    elapsed: str          # since declared (or detected), as people read a duration
    latest: Event | None  # the newest timeline event
    latest_age: str       # how long ago it was written
    update_late: bool     # older than the policy's update_minutes for the severity


def open_incident(site: Site, record: Record) -> OpenIncident | None:
    """None once the incident is no longer open."""
    if record.data.get("status") not in lifecycle.INCIDENT_OPEN:
        return None
    stamps = as_dict(record.data.get("timestamps"))
    declared = timefmt.parse_or_none(stamps.get("declared_at") or stamps.get("detected_at"))
    latest, minutes = _latest(site, record)
    limit = site.policy.severity(str(record.data.get("severity"))).get("update_minutes")
    return OpenIncident(
        elapsed=_since(site, declared), latest=latest,
        latest_age=human(minutes),
        update_late=isinstance(limit, int) and minutes is not None and minutes > limit)


def _since(site: Site, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return human((site.now - moment).total_seconds() / 60)


def _latest(site: Site, record: Record) -> tuple[Event | None, float | None]:
    """The event with the latest time (the list is append-only, not necessarily in order)."""
    dated = [(at, i) for i, e in enumerate(dicts(record.data.get("timeline")))
             if (at := timefmt.parse_or_none(e.get("at"))) is not None]
    if not dated:
        return None, None
    at, index = max(dated)
    return timeline(site, record)[index], (site.now - at).total_seconds() / 60

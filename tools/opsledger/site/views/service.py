"""Per-service pages and their index: a service's owners, its incidents and releases, and
how fast its incidents were mitigated and resolved."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from opsledger import ids, lifecycle
from opsledger.ledger import Record
from opsledger.metrics import span_minutes
from opsledger.site.views.base import Fact, Person, Site, as_dict, human, text, texts
from opsledger.site.views.incident import IncidentRow, incident_row
from opsledger.site.views.release import ReleaseRow, release_row

SPANS = ("time_to_mitigate", "time_to_resolve")


@dataclass(frozen=True)
class ServiceRow:
    id: str
    page: str
    name: str
    tier: str
    owners: tuple[Person, ...]
    open_incidents: int
    incidents: int
    releases: int
    mttr: str            # median time to resolve, with n


@dataclass(frozen=True)
class ServiceIndex:
    rows: tuple[ServiceRow, ...]


@dataclass(frozen=True)
class ServicePage:
    row: ServiceRow
    description: str     # Markdown
    durations: tuple[Fact, ...]   # median time to mitigate and resolve, with n
    incidents: tuple[IncidentRow, ...]
    releases: tuple[ReleaseRow, ...]


def services(site: Site) -> list[str]:
    """Catalog ids that can be a page path (the schema holds them to the same pattern)."""
    return [key for key in site.policy.services if ids.SERVICE.fullmatch(key)]


def service_index(site: Site) -> ServiceIndex:
    return ServiceIndex(tuple(service_row(site, key) for key in services(site)))


def service_page(site: Site, key: str) -> ServicePage:
    entry = site.policy.services[key]
    return ServicePage(
        row=service_row(site, key), description=text(entry.get("description")),
        durations=tuple(Fact(site.labels[span], _median(site, key, span)) for span in SPANS),
        incidents=tuple(incident_row(site, r) for r in _incidents(site, key)),
        releases=tuple(release_row(site, r) for r in _releases(site, key)))


def service_row(site: Site, key: str) -> ServiceRow:
    entry = site.policy.services[key]
    incidents = _incidents(site, key)
    return ServiceRow(
        id=key, page=f"services/{key}", name=text(entry.get("name")) or key,
        tier=text(entry.get("tier")), owners=site.persons(entry.get("owners")),
        open_incidents=sum(r.data.get("status") in lifecycle.INCIDENT_OPEN for r in incidents),
        incidents=len(incidents), releases=len(_releases(site, key)),
        mttr=_median(site, key, "time_to_resolve"))


def _incidents(site: Site, key: str) -> list[Record]:
    return [r for r in site.records("incident") if key in texts(r.data.get("services"))]


def _releases(site: Site, key: str) -> list[Record]:
    return [r for r in site.records("release") if r.data.get("system") == key
            or key in texts(as_dict(r.data.get("impact")).get("services"))]


def _median(site: Site, key: str, span: str) -> str:
    """Over real incidents only, as the metrics page counts them; "-" with none."""
    values = [minutes for r in _incidents(site, key) if r.data.get("mode") == "real"
              if (minutes := span_minutes(as_dict(r.data.get("timestamps"))).get(span))
              is not None]
    if not values:
        return "-"
    return f"{human(median(values))} (n={len(values)})"

"""Templates and their typed view models cannot drift apart: every field a view has is read
by its template, and a field or a label the template reads but the view lacks fails the
render instead of showing blank."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import jinja2
import pytest
from conftest import REPO
from sitebuild import FIXED_EPOCH

from opsledger import ids
from opsledger.ledger import scan
from opsledger.metrics import compute_for
from opsledger.site.build import linker
from opsledger.site.labels import catalog
from opsledger.site.render import render
from opsledger.site.views import indexes
from opsledger.site.views.base import Site
from opsledger.site.views.calendar import Calendar, calendar
from opsledger.site.views.home import Home, home
from opsledger.site.views.incident import IncidentPage, incident_page
from opsledger.site.views.metrics import Metrics, metrics
from opsledger.site.views.release import ReleasePage, release_page
from opsledger.site.views.service import ServiceIndex, ServicePage, service_index, service_page
from opsledger.tree import WorkTree
from opsledger.trust import load_trust

MODELS: dict[str, type] = {
    "incident.html": IncidentPage, "release.html": ReleasePage,
    "incidents.html": indexes.IncidentIndex, "releases.html": indexes.ReleaseIndex,
    "calendar.html": Calendar, "service.html": ServicePage, "services.html": ServiceIndex, "postmortems.html": indexes.Postmortems,
    "board.html": indexes.Board, "metrics.html": Metrics, "home.html": Home,
}
VIEWS: dict[str, Callable[[Site], object]] = {
    "incident.html": lambda s: incident_page(s, s.ledger.records["INC-2026-0001"]),
    "release.html": lambda s: release_page(s, s.ledger.records["REL-2026-0002"]),
    "incidents.html": indexes.incident_index,
    "releases.html": indexes.release_index,
    "calendar.html": calendar,
    "service.html": lambda s: service_page(s, "payments-api"),
    "services.html": service_index,
    "postmortems.html": indexes.postmortems,
    "board.html": indexes.board,
    "metrics.html": lambda s: metrics(s, compute_for(s.ledger)),
    "home.html": lambda s: home(s, compute_for(s.ledger)["dora"]),
}


@pytest.fixture(scope="module")
def site() -> Site:
    tree = WorkTree(REPO)
    policy = load_trust(tree).policy
    assert policy is not None
    return Site(scan(tree), policy, datetime.fromtimestamp(int(FIXED_EPOCH), UTC),
                catalog("en"))


def without(view: object, name: str) -> SimpleNamespace:
    """The view as a template sees it, less one field."""
    assert is_dataclass(view)
    return SimpleNamespace(**{f.name: getattr(view, f.name) for f in fields(view)
                              if f.name != name})


def view_fields() -> list[tuple[str, str]]:
    """(template, field) for every field of every page's view model."""
    return [(template, f.name) for template, model in MODELS.items() for f in fields(model)]


def page(template: str, view: object, labels: dict[str, str] | None = None) -> str:
    return render(template, labels or catalog("en"), linker("page.html", False), view)


@pytest.mark.parametrize("template", VIEWS)
def test_each_view_renders_in_its_template(site: Site, template: str) -> None:
    assert "<" in page(template, VIEWS[template](site))


@pytest.mark.parametrize(("template", "name"), view_fields())
def test_a_field_the_view_lacks_fails_the_render(site: Site, template: str,
                                                 name: str) -> None:
    view = VIEWS[template](site)
    with pytest.raises(jinja2.UndefinedError, match=name):
        page(template, without(view, name))


def test_a_missing_label_fails_the_render(site: Site) -> None:
    labels = {k: v for k, v in catalog("en").items() if k != "history"}
    view = VIEWS["incident.html"](site)
    with pytest.raises(jinja2.UndefinedError, match="history"):
        page("incident.html", view, labels)


def test_page_path_of_a_record() -> None:
    assert ids.page_path("INC-2026-0001") == "incidents/INC-2026-0001"
    assert ids.page_path("REL-2026-0010") == "releases/REL-2026-0010"
    with pytest.raises(ValueError, match="not a record id"):
        ids.page_path("../etc/passwd")

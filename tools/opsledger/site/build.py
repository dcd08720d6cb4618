"""Everything the site adds to MkDocs, computed from the ledger, independent of MkDocs.

`generate(root)` reads the ledger once (validating it as `opsledger validate` does) and
returns the pages to add: each with a placeholder Markdown source whose only text is a
validated id or a catalog label, and a function that renders its HTML once MkDocs knows the
page's URL. Record text never passes through MkDocs' Markdown pipeline.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import partial
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from opsledger import ids, timefmt
from opsledger.gitrepo import Commit, GitRepo
from opsledger.ledger import scan
from opsledger.mergetimes import in_worktree
from opsledger.metrics import compute_for
from opsledger.problems import FatalError, Problem
from opsledger.signoffs import Verifier
from opsledger.site.atom import incidents_atom
from opsledger.site.ics import releases_ics
from opsledger.site.labels import catalog
from opsledger.site.render import Linker, render
from opsledger.site.views import export, indexes
from opsledger.site.views.base import Site, local_time
from opsledger.site.views.calendar import calendar
from opsledger.site.views.drills import programme
from opsledger.site.views.home import home
from opsledger.site.views.incident import incident_page
from opsledger.site.views.metrics import metrics
from opsledger.site.views.release import release_page
from opsledger.site.views.service import service_index, service_page, services
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.validate import validate_tree

ASSETS = ("opsledger.css", "opsledger.js", "iframe-worker.js")
ASSET_DIR = "assets/opsledger"
# Theme templates over the MkDocs theme's own (a page's <head>).
THEME_DIR = str(resources.files("opsledger.site").joinpath("theme"))


@dataclass(frozen=True)
class Feed:
    path: str       # from the site's root
    type: str       # its media type
    title: str      # a catalog label
    under: str      # linked from pages under this path only ("": every page)


def feeds(language: str | None) -> tuple[Feed, ...]:
    """The subscriptions a page's <head> announces: the incident feed everywhere, the
    release calendar on the release pages."""
    labels = catalog(language)
    return (Feed("incidents.xml", "application/atom+xml", labels["incidents"], ""),
            Feed("releases.ics", "text/calendar", labels["calendar"], "releases/"))


@dataclass
class Page:
    src: str                      # e.g. "incidents/INC-2026-0001.md"
    title: str                    # a validated id or a catalog label: safe anywhere
    html: Callable[[Linker], str]
    titled: bool = False          # the HTML opens with its own <h1> (a record's title)


@dataclass
class SiteBuild:
    pages: dict[str, Page] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)   # assets and the JSON export
    home: Callable[[Linker], str] | None = None
    stamp: str = ""               # the footer's "built at ... from commit ..." (HTML)
    watch: list[Path] = field(default_factory=list)
    found: list[Problem] = field(default_factory=list)
    _pending: Future[list[Problem]] | None = None
    _pool: ProcessPoolExecutor | None = None

    def validate_in_background(self, root: Path) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        self._pending = self._pool.submit(validate_ledger, str(root))

    def problems(self) -> list[Problem]:
        """What `opsledger validate` would report; waits for the validating worker."""
        if self._pending is not None:
            self.found = self._pending.result()
            self._pending = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        return self.found


def validate_ledger(root: str) -> list[Problem]:
    """The full validation, run in a worker process while MkDocs renders the pages: on a
    multi-core machine it then costs the build almost nothing. The worker is spawned, not
    forked: `mkdocs serve` builds from a thread, and forking a threaded process can hang."""
    tree = WorkTree(Path(root))
    trust = load_trust(tree)
    policy = trust.policy
    verifier = Verifier(policy, merged_at=in_worktree(Path(root))) if policy else None
    return validate_tree(tree, trust, None, verifier)[1]


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return timefmt.now_utc()


def build_stamp(root: Path, language: str | None, zone: tzinfo, now: datetime) -> str:
    """The footer line saying when (in the display zone) and from which commit the site was
    built (HTML: only digits, hex, a zone's name and a catalog label go in)."""
    labels = catalog(language)
    built = now.replace(microsecond=0)
    shown = (f'<time datetime="{timefmt.format_time(built)}">'
             f'{html.escape(local_time(built, zone))}</time>')
    try:
        commit = GitRepo(root).resolve("HEAD")
    except FatalError:  # not a repository: the time alone
        return f'<span class="ol-stamp">{labels["built"]} {shown}</span>'
    return (f'<span class="ol-stamp">{labels["built"]} {shown} {labels["from_commit"]} '
            f'<code>{commit[:12]}</code></span>')


def addresser(site_url: str | None, directory_urls: bool) -> Callable[[str], str]:
    """The URL of a site path for files read outside the site (feeds, calendars): absolute
    under `site_url`, else relative to the site's root."""
    base = site_url.rstrip("/") + "/" if site_url else ""

    def url(path: str) -> str:
        if "." in path.rsplit("/", 1)[-1]:
            return base + path
        return base + path + ("/" if directory_urls else ".html")

    return url


def linker(page_url: str, directory_urls: bool) -> Linker:
    """Relative links from the page at page_url, so the site works from any path, a file
    share included."""
    here = posixpath.dirname(page_url) if not page_url.endswith("/") else page_url.rstrip("/")

    def link(target: str) -> str:
        path, _, anchor = target.partition("#")
        last = path.rsplit("/", 1)[-1]
        url = path if "." in last else path + ("/" if directory_urls else ".html")
        relative = posixpath.relpath(url, here or ".")
        if url.endswith("/"):
            relative += "/"
        return relative + (f"#{anchor}" if anchor else "")

    return link


def _history(root: Path) -> dict[str, list[Commit]]:
    try:
        repo = GitRepo(root)
        history = repo.path_history("incidents")
        history.update(repo.path_history("releases"))
        return history
    except FatalError:
        return {}  # not a repository (a tarball, a fresh copy): pages say so


def generate(root: Path, language: str | None, now: datetime | None = None,
             with_history: bool = True, site_url: str | None = None,
             directory_urls: bool = False) -> SiteBuild:
    tree = WorkTree(root)
    trust = load_trust(tree)
    out = SiteBuild(watch=[root / "opsledger.yaml", root / "incidents", root / "releases"])
    now = now or build_time()
    if trust.policy is None:
        out.found = list(trust.problems)
        out.stamp = build_stamp(root, language, UTC, now)
        return out
    out.stamp = build_stamp(root, language, trust.policy.display_zone(), now)
    out.validate_in_background(root)
    verifier = Verifier(trust.policy, merged_at=in_worktree(root))
    site = Site(scan(tree), trust.policy, now, catalog(language),
                _history(root) if with_history else {}, verifier)
    _record_pages(out, site)
    _index_pages(out, site)
    _service_pages(out, site)
    url = addresser(site_url, directory_urls)
    out.files["releases.ics"] = releases_ics(site, url if site_url else None)
    out.files["incidents.xml"] = incidents_atom(site, url)
    for name in ASSETS:
        out.files[f"{ASSET_DIR}/{name}"] = resources.files("opsledger.site").joinpath(
            f"assets/{name}").read_bytes()
    return out


def _record_pages(out: SiteBuild, site: Site) -> None:
    for record in [*site.records("incident"), *site.records("release")]:
        if not ids.RECORD_ID.fullmatch(record.id):
            continue  # never a path from an unvalidated name
        view = incident_page if record.kind == "incident" else release_page
        _page(out, site, f"{ids.page_path(record.id)}.md", record.id, f"{record.kind}.html",
              partial(view, site, record), titled=True)


def _page(out: SiteBuild, site: Site, src: str, title: str, template: str,
          view: Callable[[], object], titled: bool = False) -> None:
    """A page whose view is computed when MkDocs asks for its HTML."""
    out.pages[src] = Page(src, title, lambda link: render(template, site.labels, link, view(),
                                                          site.record_ids), titled)


def _service_pages(out: SiteBuild, site: Site) -> None:
    _page(out, site, "services/index.md", site.labels["services"], "services.html",
          partial(service_index, site))
    for key in services(site):
        _page(out, site, f"services/{key}.md", key, "service.html",
              partial(service_page, site, key), titled=True)


def _index_pages(out: SiteBuild, site: Site) -> None:
    numbers = compute_for(site.ledger)
    for src, label, template, view in (
            ("incidents/index.md", "incidents", "incidents.html", indexes.incident_index),
            ("releases/index.md", "releases", "releases.html", indexes.release_index),
            ("releases/calendar.md", "calendar", "calendar.html", calendar),
            ("postmortems.md", "postmortems", "postmortems.html", indexes.postmortems),
            ("action-items.md", "action_items", "board.html", indexes.board)):
        _page(out, site, src, site.labels[label], template, partial(view, site))
    _page(out, site, "metrics.md", site.labels["metrics"], "metrics.html",
          partial(metrics, site, numbers))
    _page(out, site, "drills.md", site.labels["drill_programme"], "drills.html",
          partial(programme, site))
    front = home(site, numbers["dora"])
    out.home = lambda link: render("home.html", site.labels, link, front, site.record_ids)
    for kind, name in export.FILES.items():
        out.files[f"api/{name}.json"] = _json(export.records(site, kind))
    out.files["api/metrics.json"] = _json(numbers)
    out.files["api/index.json"] = _json(export.index(site))


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8")

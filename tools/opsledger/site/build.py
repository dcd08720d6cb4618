"""Everything the site adds to MkDocs, computed from the ledger, independent of MkDocs.

`generate(root)` reads the ledger once (validating it as `opsledger validate` does) and
returns the pages to add: each with a placeholder Markdown source whose only text is a
validated id or a catalog label, and a function that renders its HTML once MkDocs knows the
page's URL. Record text never passes through MkDocs' Markdown pipeline.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from opsledger import ids, timefmt
from opsledger.gitrepo import Commit, GitRepo
from opsledger.ledger import Record, scan
from opsledger.metrics import compute_for
from opsledger.problems import FatalError, Problem
from opsledger.signoffs import Verifier
from opsledger.site import charts, views
from opsledger.site.labels import catalog
from opsledger.site.render import render
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.validate import validate_tree

Linker = Callable[[str], str]
ASSETS = ("opsledger.css", "opsledger.js", "iframe-worker.js")
ASSET_DIR = "assets/opsledger"


@dataclass
class Page:
    src: str                      # e.g. "incidents/INC-2026-0001.md"
    title: str                    # a validated id or a catalog label: safe anywhere
    html: Callable[[Linker], str]


@dataclass
class SiteBuild:
    pages: dict[str, Page] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)   # assets and the JSON export
    home: Callable[[Linker], str] | None = None
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
    return validate_tree(tree, trust, None, Verifier(policy) if policy else None)[1]


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return timefmt.now_utc()


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
             with_history: bool = True) -> SiteBuild:
    tree = WorkTree(root)
    trust = load_trust(tree)
    out = SiteBuild(watch=[root / "opsledger.yaml", root / "incidents", root / "releases"])
    if trust.policy is None:
        out.found = list(trust.problems)
        return out
    out.validate_in_background(root)
    verifier = Verifier(trust.policy)
    site = views.Site(scan(tree), trust.policy, now or build_time(),
                      _history(root) if with_history else {}, verifier)
    labels = catalog(language)
    _record_pages(out, site, labels)
    _index_pages(out, site, labels)
    for name in ASSETS:
        out.files[f"{ASSET_DIR}/{name}"] = resources.files("opsledger.site").joinpath(
            f"assets/{name}").read_bytes()
    return out


def _record_pages(out: SiteBuild, site: views.Site, labels: dict[str, str]) -> None:
    for record in [*site.records("incident"), *site.records("release")]:
        if not ids.RECORD_ID.fullmatch(record.id):
            continue  # never a path from an unvalidated name
        src = f"{ids.KINDS[record.kind]}/{record.id}.md"
        out.pages[src] = Page(src, record.id, _record_html(site, record, labels))


def _record_html(site: views.Site, record: Record, labels: dict[str, str]) -> \
        Callable[[Linker], str]:
    def html(link: Linker) -> str:
        if record.kind == "incident":
            return render("incident.html", labels, link, **views.incident_page(site, record))
        return render("release.html", labels, link, **views.release_page(site, record))
    return html


def _filters(rows: list[dict[str, Any]], keys: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {label: set() for label in keys}
    for row in rows:
        for label, key in keys.items():
            values = row[key] if isinstance(row[key], list) else [row[key]]
            found[label].update(str(v) for v in values if v is not None)
    return {label: sorted(values) for label, values in found.items()}


def _index_pages(out: SiteBuild, site: views.Site, labels: dict[str, str]) -> None:
    incidents = [views.incident_row(r) for r in site.records("incident")]
    releases = [views.release_row(r) for r in site.records("release")]
    numbers = compute_for(site.ledger)

    def page(src: str, label: str, template: str, **context: Any) -> None:
        out.pages[src] = Page(src, labels[label],
                              lambda link: render(template, labels, link, **context))

    page("incidents/index.md", "incidents", "incidents.html", rows=incidents,
         filters=_filters(incidents, {"severity": "severity", "status": "status",
                                      "service": "services", "year": "year", "mode": "mode"}))
    page("releases/index.md", "releases", "releases.html", rows=releases,
         filters=_filters(releases, {"status": "status", "risk": "risk", "system": "system",
                                     "year": "year"}))
    page("releases/calendar.md", "calendar", "calendar.html", weeks=views.calendar(site))
    page("postmortems.md", "postmortems", "postmortems.html",
         rows=[row for row in incidents if row["has_postmortem"] or
               row["postmortem"] not in (None, "not_started")])
    page("action-items.md", "action_items", "board.html", columns=views.board(site))
    page("metrics.md", "metrics", "metrics.html", dora=numbers["dora"],
         by_severity=numbers["incidents"]["by_severity"], spans=list(views.SPANS),
         charts=_charts(numbers, labels))
    home = views.home(site, numbers["dora"])
    out.home = lambda link: render("home.html", labels, link, **home)
    _export(out, site, numbers)


def _charts(numbers: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    per_month = numbers["incidents"]["per_month"]
    months = list(per_month)
    severities = sorted({sev for counts in per_month.values() for sev in counts})
    by_severity = numbers["incidents"]["by_severity"]
    spans = list(views.SPANS)
    deploys = numbers["deploys_by_month"]
    over_time = {}
    for span, by_month in numbers["mttx_by_month"].items():
        over_time[f"over_time_{span}"] = charts.lines(
            f"{labels[span]}: {labels['by_month']}", list(by_month),
            {sev: [by_month[m].get(sev) for m in by_month] for sev in severities})
    return {**over_time,
        "per_month": charts.bars(labels["incidents_per_month"], months, {
            sev: [float(per_month[m].get(sev, 0)) for m in months] for sev in severities}),
        "mttx": charts.bars(labels["time_to"], list(by_severity), {
            labels[span]: [float(by_severity[sev].get(span, {}).get("median_minutes", 0))
                           for sev in by_severity] for span in spans}, stacked=False),
        "deploys": charts.bars(labels["deploys_per_month"], list(deploys), {
            "ok": [float(v["ok"]) for v in deploys.values()],
            "failed": [float(v["failed"]) for v in deploys.values()]}),
    }


def _export(out: SiteBuild, site: views.Site, numbers: dict[str, Any]) -> None:
    for kind, name in (("incident", "incidents"), ("release", "releases")):
        items = []
        for record in site.records(kind):
            item = dict(record.data)
            if record.postmortem is not None:
                item["postmortem_md"] = record.postmortem.decode("utf-8", "replace")
            item["signoffs"] = [{k: row[k] for k in ("role", "person", "decision", "at",
                                                     "state", "superseded")}
                                for row in views.signoff_rows(site, record)]
            items.append(item)
        out.files[f"api/{name}.json"] = _json(items)
    out.files["api/metrics.json"] = _json(numbers)
    out.files["api/index.json"] = _json({
        "generated_at": timefmt.format_time(site.now), "incidents": "incidents.json",
        "releases": "releases.json", "metrics": "metrics.json"})


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).encode("utf-8")

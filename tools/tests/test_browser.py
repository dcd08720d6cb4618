"""The built site in headless Chromium, opened from disk with the network cut off: no
console errors, no request leaving the machine, search and table filters working, and no
script from hostile records running. Screenshots land in tools/tests/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


class Watched:
    """A page whose every console error, uncaught error, dialog and non-file request is kept."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.route("**/*", self._route)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: Path, shot: str) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as exc:  # a broken install: say so rather than fail
            pytest.skip(f"chromium did not start: {exc}")
        yield launched
        launched.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield Watched(context.new_page())
    context.close()


@pytest.mark.parametrize(("page", "shot", "expect"), [
    ("index.html", "home", "Open incidents"),
    ("incidents/INC-2026-0001.html", "incident", "Card payments failing"),
    ("releases/REL-2026-0004.html", "release", "Sign-off matrix"),
    ("metrics.html", "metrics", "DORA four keys"),
    ("releases/calendar.html", "calendar", "December 2026"),
    ("action-items.html", "action-items", "overdue"),
])
def test_pages_load_offline_without_errors(built: Path, watched: Watched, page: str,
                                           shot: str, expect: str) -> None:
    watched.open(built / page, shot)
    assert expect in watched.page.content()
    assert watched.errors == []
    assert watched.outside == []


def test_filter_and_sort_the_incident_index(built: Path, watched: Watched) -> None:
    watched.open(built / "incidents" / "index.html", "incidents")
    rows = watched.page.locator("#incident-table tbody tr")
    assert rows.count() == 7
    watched.page.select_option('select[data-ol-key="severity"]', "SEV2")
    visible = [r for r in rows.all() if r.is_visible()]
    assert sorted(r.get_attribute("data-severity") for r in visible) == ["SEV2"] * 4
    watched.page.select_option('select[data-ol-key="severity"]', "")
    watched.page.click("#incident-table thead th >> nth=0")  # ID ascending
    assert rows.first.inner_text().startswith("INC-2026-0001")
    assert watched.errors == [] and watched.outside == []


def test_search_finds_a_record_from_disk(built: Path, watched: Watched) -> None:
    watched.open(built / "index.html", "search")
    watched.page.click(".md-search__input")
    watched.page.keyboard.type("tokenisation")  # Material listens to key events
    results = watched.page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10000)
    assert "INC-2026-0001" in watched.page.locator(".md-search-result").inner_text()
    watched.page.screenshot(path=str(SHOTS / "search.png"))
    assert watched.errors == [] and watched.outside == []


def test_hostile_record_runs_nothing(hostile: Path, watched: Watched) -> None:
    for page in ("incidents/INC-2026-0003.html", "releases/REL-2026-0006.html",
                 "incidents/index.html", "index.html"):
        watched.open(hostile / page, "hostile-" + page.replace("/", "-").replace(".html", ""))
    assert watched.dialogs == []
    assert watched.outside == []  # no tracker pixel, no refresh to evil.example
    assert watched.errors == []
    assert watched.page.evaluate("document.title") == "Operations ledger"


# Every text of every chart, as Chromium lays it out: its box in the SVG's own units.
CHART_TEXTS = """() => [...document.querySelectorAll('figure.ol-chart svg')].flatMap(svg => {
  const view = svg.viewBox.baseVal;
  const title = svg.getAttribute('aria-label');
  return [...svg.querySelectorAll('text')].map(t => {
    const box = t.getBBox();
    return {chart: title, text: t.textContent, x: box.x, y: box.y, right: box.x + box.width,
            bottom: box.y + box.height, width: view.width, height: view.height,
            axis_title: t === svg.querySelector('text.ol-axis-title')};
  });
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_chart_texts_lie_inside_their_charts(built: Path, browser: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto((built / "metrics.html").as_uri())
        page.wait_for_load_state("load")
        texts = page.evaluate(CHART_TEXTS)
    finally:
        context.close()
    titles = [t for t in texts if t["axis_title"]]
    assert len(titles) >= 5 and any(t["text"] == "Deployments" for t in titles), titles
    for t in texts:
        assert t["x"] >= 0 and t["right"] <= t["width"], t
        assert t["y"] >= 0 and t["bottom"] <= t["height"], t

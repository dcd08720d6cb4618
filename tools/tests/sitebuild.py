"""Building the real site in a throwaway repository, for the site tests: the sample ledger's,
and one whose records carry hostile text in every text field."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO, GitLedger, copy_sample

from opsledger.loader import load

# 2026-11-27T12:00:00Z: the sample ledger's "today", so overdue flags and "next 14 days" hold.
FIXED_EPOCH = "1795780800"


def site_repo(root: Path) -> Path:
    """The sample ledger, mkdocs.yml and site/ in a git repository with two authors."""
    root.mkdir(parents=True)
    copy_sample(root)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "site", root / "site")
    repo = GitLedger(root)
    repo.git("init", "-q", "-b", "main")
    repo.commit("Sample ledger", who="alice", date="2026-11-01T10:00:00+00:00")
    repo.edit("incidents/INC-2026-0003/incident.yaml", "postmortem:\n", (
        "  - {at: 2026-11-26T11:00:00+01:00, type: note, text: Partition rebalanced., by: judy}"
        "\npostmortem:\n"))
    repo.commit("INC-2026-0003: partition rebalanced", who="judy",
                date="2026-11-26T11:05:00+01:00")
    return root


def mkdocs_build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH=FIXED_EPOCH, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *extra],
                          cwd=root, env=env, capture_output=True, text=True, check=False)


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes, and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def tags_of(path: Path) -> Tags:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def build_sample(parent: Path) -> Path:
    """The sample ledger's site, built with `mkdocs build --strict`; returns public/."""
    root = site_repo(parent / "ledger")
    done = mkdocs_build(root, "--strict")
    assert done.returncode == 0, done.stderr
    return root / "public"


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


def build_hostile(parent: Path) -> Path:
    """The sample ledger with every text field of two records poisoned, built with
    `mkdocs build --strict`; returns public/."""
    root = site_repo(parent / "ledger")
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

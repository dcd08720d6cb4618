"""Building the real site in a throwaway repository, for the site tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from conftest import REPO, GitLedger, copy_sample

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

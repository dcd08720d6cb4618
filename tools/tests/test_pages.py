"""Page generation stands on its own: `opsledger pages` writes the hand-written and the
generated pages for a builder that runs no MkDocs plugin, and Zensical (which reads
mkdocs.yml) builds every page from them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitLedger

from opsledger.cli import main

ZENSICAL = shutil.which("zensical", path=str(Path(sys.executable).parent))


def new_ledger(root: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> str:
    assert main(["init", str(root)]) == 0
    monkeypatch.chdir(root)
    capsys.readouterr()
    assert main(["new", "release", "--title", "Search 1.9", "--as", "me"]) == 0
    return capsys.readouterr().out.strip().split("/release.yaml")[0]


def test_pages_writes_every_page_with_html_links(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    record = new_ledger(tmp_path / "ops", capsys, monkeypatch)
    assert main(["pages", "build/docs"]) == 0
    docs = tmp_path / "ops/build/docs"
    page = (docs / f"{record}.md").read_text()
    assert page.startswith("---\nhide: [toc]\n---\n# REL-")
    assert "Search 1.9" in page
    index = (docs / "releases/index.md").read_text()
    assert f'href="{record.split("/")[1]}.html"' in index
    assert (docs / "index.md").read_text() == (tmp_path / "ops/site/index.md").read_text()
    assert (docs / "assets/opsledger/opsledger.css").is_file()
    # Never into the hand-written pages themselves.
    assert main(["pages", "site/generated"]) == 2
    assert "write the pages to a directory of their own" in capsys.readouterr().err


@pytest.mark.skipif(ZENSICAL is None, reason="zensical (a test extra) is not installed")
def test_zensical_builds_the_generated_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ops"
    record = new_ledger(root, capsys, monkeypatch)
    assert main(["pages", "build/docs"]) == 0
    config = (root / "mkdocs.yml").read_text().replace("docs_dir: site", "docs_dir: build/docs")
    GitLedger(root).write("zensical.yml", config.replace("site_dir: public",
                                                         "site_dir: build/site"))
    built = subprocess.run([str(ZENSICAL), "build", "-f", "zensical.yml"], cwd=root,
                           capture_output=True, text=True, check=False, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    site = root / "build/site"
    for page in ("index", "incidents/index", "releases/index", "releases/calendar",
                 "postmortems", "action-items", "metrics", "process/releases", record):
        assert (site / f"{page}.html").is_file(), page
    html = (site / f"{record}.html").read_text()
    assert '<p class="ol-headline">' in html and "Search 1.9" in html
    assert "assets/opsledger/opsledger.css" in html

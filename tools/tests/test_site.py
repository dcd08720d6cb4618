"""The site: a real `mkdocs build --strict` of the sample ledger, its pages, export and
offline promise; golden pages; languages; symlinks."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import expect_golden
from sitebuild import FIXED_EPOCH, mkdocs_build, site_repo, tags_of

from opsledger.site.build import SiteBuild, generate, linker

GOLDEN = Path(__file__).parent / "golden"


def test_every_record_has_a_page_out_of_the_navigation(built: Path) -> None:
    for folder, prefix, count in (("incidents", "INC", 7), ("releases", "REL", 10)):
        pages = sorted(p.name for p in (built / folder).glob(f"{prefix}-*.html"))
        assert len(pages) == count, pages
    home = (built / "index.html").read_text()
    nav = home.split('<nav class="md-nav md-nav--primary"')[1].split("md-sidebar--secondary")[0]
    assert "INC-2026-0001" not in nav  # indexes, calendar and search lead to records
    assert "Incidents" in nav and "Release calendar" in nav and "Emergency response plan" in nav


def test_incident_page(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0001.html").read_text()
    assert "<title>INC-2026-0001 - Operations ledger</title>" in page
    assert 'class="ol-badge ol-sev-sev1">SEV1<' in page
    assert 'class="ol-badge ol-status-closed">closed<' in page
    assert page.count('class="ol-event ol-event-key"') == 5  # important events highlighted
    assert "Card payments failing after tokenisation rollout" in page
    assert "<h4>" in page or "<h5>" in page  # postmortem.md rendered, headings demoted
    assert 'ol-badge ol-late">overdue<' in page  # AI-2 and AI-4 are past due on 2026-11-27
    assert 'class="ol-badge ol-sig-valid">valid<' in page
    assert 'href="../releases/REL-2026-0002.html"' in page
    assert "alice" in page.split('id="history"')[1]  # git history, from one log pass


def test_git_history_names_each_commit(built: Path) -> None:
    page = (built / "incidents" / "INC-2026-0003.html").read_text()
    history = page.split('id="history"')[1]
    assert "judy" in history and "INC-2026-0003: partition rebalanced" in history
    assert "alice" in history and "Sample ledger" in history
    other = (built / "incidents" / "INC-2026-0002.html").read_text().split('id="history"')[1]
    assert "partition rebalanced" not in other


def test_release_page_and_matrix(built: Path) -> None:
    page = (built / "releases" / "REL-2026-0005.html").read_text()
    matrix = page.split('id="signoff-matrix"')[1].split("</table>")[0]
    for role in ("Development lead", "QA", "Operations", "Security", "Change advisory board"):
        assert f"<td>{role}</td>" in matrix
    assert "ol-sig-missing" in matrix and "eligible" in matrix
    # heidi executes it, so cab x2 can only come from grace, frank and ivan, who are also the
    # only dba and security approvers: the page says it can never be approved as it stands
    after = page.split('id="signoff-matrix"')[1].split("</table>")[1][:400]
    assert "Cannot be met: no set of distinct people in the policy can fill" in after
    other = (built / "releases" / "REL-2026-0004.html").read_text()
    assert "Cannot be met" not in other
    for section in ("rollback", "emergency-response", "execution", "testing", "impact",
                    "linked-incidents", "history"):
        assert f'id="{section}"' in page
    rolled_back = (built / "releases" / "REL-2026-0002.html").read_text()
    assert 'href="../incidents/INC-2026-0001.html"' in rolled_back


def test_indexes_calendar_board_metrics(built: Path) -> None:
    incidents = (built / "incidents" / "index.html").read_text()
    assert incidents.count('<tr data-severity=') == 7
    assert 'data-ol-key="severity"' in incidents and 'data-mode="drill"' in incidents
    calendar = (built / "releases" / "calendar.html").read_text()
    assert 'id="month-2026-12"' in calendar and "REL-2026-0004" in calendar
    board = (built / "action-items.html").read_text()
    assert board.count('class="ol-card ol-overdue"') == 3
    metrics = (built / "metrics.html").read_text()
    assert metrics.count('<svg viewBox="0 0 640 240"') == 6 and metrics.count("<rect ") >= 5
    assert "Time to acknowledge: median minutes by month of detection" in metrics
    per_month = metrics.split("Incidents per month by severity</figcaption>")[1].split("</figure>")[0]
    assert "<title>2026-11 SEV3: 1</title>" in per_month and ">2026-06<" in per_month
    home = (built / "index.html").read_text()
    assert "INC-2026-0003" in home and "REL-2026-0004" in home  # open SEV3; release on 12-08
    assert "Coming freeze: year-end" in home


def test_export(built: Path) -> None:
    incidents = json.loads((built / "api" / "incidents.json").read_text())
    releases = json.loads((built / "api" / "releases.json").read_text())
    assert sorted(i["id"] for i in incidents) == [f"INC-2026-000{n}" for n in range(1, 8)]
    assert len(releases) == 10
    rel4 = next(r for r in releases if r["id"] == "REL-2026-0004")
    assert {s["state"] for s in rel4["signoffs"]} == {"valid"}
    metrics = json.loads((built / "api" / "metrics.json").read_text())
    assert metrics["dora"]["deployments"] == 4


def test_offline_nothing_from_elsewhere(built: Path) -> None:
    for page in built.rglob("*.html"):
        for tag, attrs in tags_of(page).tags:
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                if tag in ("script", "link", "img", "iframe") and value:
                    assert not re.match(r"(https?:)?//", value), (page, tag, value)
    css = "".join(p.read_text() for p in built.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css
    assert (built / "search" / "search_index.js").is_file()  # search from a file share


def test_search_index_finds_records(built: Path) -> None:
    index = json.loads((built / "search" / "search_index.json").read_text())
    text = {doc["location"]: doc["title"] + " " + doc["text"] for doc in index["docs"]}
    assert any("INC-2026-0002" in t and "Slow logins" in t for t in text.values())
    assert any("payments-api" in t and "REL-2026-0002" in t for t in text.values())


@pytest.fixture(scope="module")
def fixed_site() -> SiteBuild:
    now = datetime.fromtimestamp(int(FIXED_EPOCH), UTC)
    site = generate(Path(__file__).resolve().parents[2], "en", now=now, with_history=False)
    assert site.problems() == []  # the sample ledger is valid
    return site


@pytest.mark.parametrize("src", ["incidents/INC-2026-0001.md", "releases/REL-2026-0004.md",
                                 "incidents/index.md", "releases/calendar.md",
                                 "action-items.md", "metrics.md", "releases/index.md",
                                 "postmortems.md", "index.md", "incidents/INC-2026-0006.md",
                                 "drills.md", "services/payments-api.md", "services/index.md"])
def test_golden_pages(fixed_site: SiteBuild, src: str) -> None:
    link = linker(src.replace(".md", ".html"), False)
    home = fixed_site.home
    assert home is not None
    html = home(link) if src == "index.md" else fixed_site.pages[src].html(link)
    golden = GOLDEN / (src.replace("/", "__").replace(".md", ".html"))
    expect_golden(golden, html)


def test_chinese_labels(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    config = (root / "mkdocs.yml").read_text().replace("language: en", "language: zh")
    (root / "mkdocs.yml").write_text(config)
    done = mkdocs_build(root, "--strict")
    assert done.returncode == 0, done.stderr
    page = (root / "public" / "incidents" / "INC-2026-0001.html").read_text()
    assert ">时间线<" in page and ">根本原因<" in page and ">签核<" in page
    assert '<html lang="zh"' in page
    assert 'class="ol-badge ol-status-closed">已关闭<' in page


def test_every_label_is_translated() -> None:
    from opsledger.site.labels import EN, WORDS_EN, WORDS_ZH, ZH

    assert set(EN) == set(ZH)
    assert set(WORDS_EN) == set(WORDS_ZH)


def test_symlink_under_site_fails_the_build(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    (root / "site" / "leak.md").symlink_to(secret)
    done = mkdocs_build(root)
    assert done.returncode != 0
    assert "leak.md is a symbolic link" in done.stderr
    public = root / "public"
    assert not public.exists() or all("TOP-SECRET-TOKEN" not in p.read_text(errors="ignore")
                                      for p in public.rglob("*") if p.is_file())


def test_invalid_ledger_fails_the_strict_build(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    incident = root / "incidents" / "INC-2026-0003" / "incident.yaml"
    incident.write_text(incident.read_text().replace("severity: SEV3", "severity: SEV9"))
    done = mkdocs_build(root, "--strict")
    assert done.returncode != 0
    assert "incidents/INC-2026-0003/incident.yaml:7" in done.stderr and "OL1" in done.stderr


def test_no_ledger_is_a_clear_error(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    (root / "opsledger.yaml").unlink()
    done = mkdocs_build(root)
    assert done.returncode != 0
    assert "opsledger: no opsledger.yaml in the working tree" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("page", "directory_urls", "target", "expected"), [
    ("incidents/INC-2026-0001.html", False, "releases/REL-2026-0002",
     "../releases/REL-2026-0002.html"),
    ("index.html", False, "incidents/INC-2026-0001#postmortem",
     "incidents/INC-2026-0001.html#postmortem"),
    ("incidents/INC-2026-0001/", True, "releases/REL-2026-0002",
     "../../releases/REL-2026-0002/"),
    ("", True, "api/metrics.json", "api/metrics.json"),
    ("releases/calendar.html", False, "api/metrics.json", "../api/metrics.json"),
])
def test_links_are_relative(page: str, directory_urls: bool, target: str, expected: str) -> None:
    assert linker(page, directory_urls)(target) == expected


def test_serve_rebuilds_when_a_record_changes(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    root = site_repo(tmp_path / "ledger")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve",
                               "-a", f"127.0.0.1:{port}"], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/incidents/INC-2026-0003.html"

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            return ""

    def wait_for(text: str) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if text in page():
                return True
            time.sleep(0.3)
        return False

    try:
        assert wait_for("Search results lag behind catalog updates")
        incident = root / "incidents" / "INC-2026-0003" / "incident.yaml"
        incident.write_text(incident.read_text().replace(
            "Search results lag behind catalog updates", "Search results lag (rebuilt)"))
        assert wait_for("Search results lag (rebuilt)")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_hand_written_page_in_a_generated_place(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    (root / "site" / "metrics.md").write_text("# My metrics\n")
    done = mkdocs_build(root)
    assert done.returncode != 0
    assert "opsledger: site/metrics.md would be replaced by the page the ledger generates" \
        in done.stderr
    assert "Traceback" not in done.stderr

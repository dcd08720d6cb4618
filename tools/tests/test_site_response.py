"""The response plan on the site: the incident page's response level, roles asked for and
who filled them, the notification checklist; the generated drill programme page in the
navigation; both in English and Chinese, from a real `mkdocs build --strict`."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sitebuild import mkdocs_build, site_repo


def _text(page: Path) -> str:
    body = page.read_text().split('class="ol-record"', 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_incident_page_shows_the_response_level_and_checklist(built: Path) -> None:
    page = built / "incidents" / "INC-2026-0006.html"
    text = _text(page)
    assert "Response level SEV2 Major \u00d7 data" in text
    assert "Legal counsel Kate Moreau" in text
    assert "Technical support" not in text.split("Notifications")[0]  # not asked for SEV2 data
    source = page.read_text()
    assert 'class="ol-badge ol-notify-met">met<' in source
    assert 'class="ol-badge ol-notify-late">late<' in source
    assert 'class="ol-badge ol-notify-missing">missing<' in source
    assert "Legal counsel 2026-11-23 12:10 CET 2026-11-23 12:35 CET late 25 min" in text
    assert "Notification \u2192 Legal counsel (phone) Legal counsel briefed" in text  # timeline


def test_a_role_nobody_filled_is_flagged(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    record = root / "incidents" / "INC-2026-0004" / "incident.yaml"
    record.write_text(record.read_text().replace("type: incident", "type: security"))
    assert mkdocs_build(root, "--strict").returncode == 0
    text = _text(root / "public" / "incidents" / "INC-2026-0004.html")
    assert "Response level SEV? \u00d7 security" in text
    assert "Legal counsel missing" in text


def test_drill_programme_page_in_the_navigation(built: Path) -> None:
    home = (built / "index.html").read_text()
    nav = home.split('<nav class="md-nav md-nav--primary"')[1].split("md-sidebar--secondary")[0]
    assert 'href="drills.html"' in nav and "Drill programme" in nav
    text = _text(built / "drills.html")
    assert ("Set the objective Build the scenario Run it Record what each role did "
            "Evaluate against the objective Plan the improvement") in text
    assert "failover Fail over a tier-0 service's primary identity 90 never now overdue" in text
    assert "orders-db 90 INC-2026-0005 2026-09-10 2 / 3 2026-12-09" in text
    assert "INC-2026-0005 failover 2026-09-10 2 / 3 not all met" in text


def test_drill_page_and_checklist_in_chinese(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "ledger")
    config = (root / "mkdocs.yml").read_text().replace("language: en", "language: zh")
    (root / "mkdocs.yml").write_text(config)
    done = mkdocs_build(root, "--strict")
    assert done.returncode == 0, done.stderr
    incident = _text(root / "public" / "incidents" / "INC-2026-0006.html")
    assert "响应级别" in incident and "预案要求的角色" in incident and "通报" in incident
    assert "事故指挥官 Heidi Larsen" in incident
    assert "沟通协调员 Ivan Petrov" in incident and "法律顾问 Kate Moreau" in incident
    assert "按时" in incident and "迟报" in incident and "缺失" in incident
    drills = _text(root / "public" / "drills.html")
    assert "演练循环 设定目标 构建场景 实施演练 记录各角色的行动 对照目标评估 制定改进计划" in drills
    assert "演练计划" in drills and "从未" in drills
    drill = _text(root / "public" / "incidents" / "INC-2026-0005.html")
    assert "技术支持" in drill and "达成" in drill

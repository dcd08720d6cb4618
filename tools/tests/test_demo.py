"""The demo story `make demo` replays: every step is judged as the story expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsledger.demo import play


def test_demo_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert play(tmp_path / "ledger") == 0
    out = capsys.readouterr().out
    assert "error OL303: REL-2026-0001: approval: missing sign-off: qa (eligible: chen)" in out
    assert "qa--chen.yaml:9:12: error OL301: forged or unverifiable sign-off" in out
    assert out.count("-> refused; the pull request is closed unmerged") == 2
    audit = out.split("$ opsledger audit")[1]
    assert "Ana Souza <ana@example.com>: ana rewrites a timeline event" in audit
    assert "11 commits audited, 1 with problems" in audit  # the two refused PRs never landed
    log = (tmp_path / "ledger" / "incidents" / "INC-2026-0001" / "incident.yaml").read_text()
    assert "status: closed" in log
    assert (tmp_path / "ledger" / "incidents" / "INC-2026-0001" / "signoffs" /
            "incident_commander--omar.yaml").is_file()

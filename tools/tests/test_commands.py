"""The smaller commands, end to end through main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GitLedger

from opsledger.cli import main


def test_new_release_validates_and_takes_next_id(ledger: GitLedger,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "release", "--title", "Search 1.9", "--system", "search",
                 "--as", "bob"]) == 0
    path = capsys.readouterr().out.strip()
    assert path.startswith("releases/REL-") and path.endswith("/release.yaml")
    assert "# Release request" in ledger.read(path)
    assert main(["validate"]) == 0
    capsys.readouterr()
    assert main(["new", "incident", "--service", "search", "--as", "judy"]) == 0
    assert "status: triage" in ledger.read(capsys.readouterr().out.strip())


def test_new_knows_who_you_are_from_git(ledger: GitLedger,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ledger.git("config", "user.email", "nobody@example.org")
    assert main(["new", "incident"]) == 2
    assert "pass --as PERSON" in capsys.readouterr().err


def test_show_lists_missing_slots(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "REL-2026-0005"]) == 0
    out = capsys.readouterr().out
    assert "dev_lead: alice approve for approval #1 [valid]" in out
    assert "security: MISSING (eligible: frank)" in out
    assert main(["show", "REL-2026-99"]) == 2


def test_digest_explain(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "INC-2026-0001", "--explain"]) == 0
    digest, canonical = capsys.readouterr().out.strip().split("\n", 1)
    assert digest.startswith("sha256:")
    data = json.loads(canonical)
    assert "status" not in data and data["postmortem.md"].startswith("sha256:")


def test_metrics_exclude_drills(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["incidents"]["by_severity"]["SEV1"]["time_to_mitigate"]["median_minutes"] == 47.0
    assert data["incidents"]["by_severity"]["SEV2"]["time_to_resolve"]["count"] == 1  # not the drill
    assert data["dora"]["change_failure_rate"] == 0.5


def test_due_and_gate(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--now", "2026-11-27T12:00:00+00:00"]) == 1
    assert "INC-2026-0001 AI-4: action item overdue since 2026-07-01" in capsys.readouterr().out
    assert main(["gate", "--system", "orders-db", "--version", "2026.12.1",
                 "--now", "2026-12-08T03:00:00+00:00"]) == 0
    assert main(["gate", "--system", "identity", "--version", "2.0.0",
                 "--now", "2027-01-12T08:00:00+00:00"]) == 1
    assert "is submitted, not approved" in capsys.readouterr().out


def test_codeowners_and_init(ledger: GitLedger, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["codeowners", "--write"]) == 0
    owners = ledger.read(".github/CODEOWNERS").splitlines()
    # The whole trust root (everything outside the record folders) needs the policy's owners;
    # a record folder needs its services' owners.
    assert owners.index("* @heidi-l @dave-s") < owners.index("/releases/") < \
        owners.index("/incidents/INC-2026-0001/ @alice-m @bob-okafor")
    assert "/incidents/" in owners
    fresh = tmp_path / "fresh"
    assert main(["init", str(fresh)]) == 0
    monkeypatch.chdir(fresh)
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert (fresh / "releases/.gitkeep").exists()
    assert main(["init", str(fresh)]) == 2


def test_an_incident_linked_from_its_own_side_fails_the_change(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    # An approved release is frozen, so the incident it caused is linked from the incident.
    inc2 = "incidents/INC-2026-0002/incident.yaml"
    ledger.edit(inc2, "  impact_started_at: 2026-10-14T13:02:00-04:00",
                "  impact_started_at: 2026-03-10T09:30:00+00:00")
    ledger.edit(inc2, "\nroles:", "\nrelated_releases: [REL-2026-0001]\nroles:")
    assert main(["metrics", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dora"]["change_failure_rate"] == 0.75  # REL-2026-0001 now failed too
    assert data["deploys_by_month"]["2026-03"] == {"ok": 0, "failed": 1}


def test_show_marks_replaced_decisions(ledger: GitLedger,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    signoffs = "releases/REL-2026-0004/signoffs"
    # a copy standing as carol's second decision: the first is shown as replaced by it
    ledger.write(f"{signoffs}/qa--carol--2.yaml", ledger.read(f"{signoffs}/qa--carol.yaml"))
    assert main(["show", "REL-2026-0004"]) == 0
    out = capsys.readouterr().out
    assert "qa: carol approve for approval #1 [replaced by #2]" in out
    assert "qa: carol approve for approval #2 [malformed]" in out

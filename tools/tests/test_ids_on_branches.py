"""Two people declaring incidents on two branches get two ids: `opsledger new` takes the next
number free on every branch git knows, and `check` refuses a pull request adding an id the
base took after the branch forked, saying how to renumber it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOW, GitLedger, copy_sample, run_check

from opsledger.cli import main


def _declare(capsys: pytest.CaptureFixture[str], who: str = "judy") -> str:
    """`opsledger new incident`; the new record's id."""
    assert main(["new", "incident", "--service", "search", "--as", who]) == 0
    return capsys.readouterr().out.strip().split("/")[1]


def _next(record_id: str, step: int = 1) -> str:
    return f"{record_id[:-4]}{int(record_id[-4:]) + step:04d}"


def test_second_branch_takes_the_next_free_number(ledger: GitLedger,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger.git("checkout", "-q", "-b", "judy-db-outage")
    first = _declare(capsys)
    ledger.commit(f"{first} declared", who="judy")
    ledger.git("checkout", "-q", "main")
    ledger.git("checkout", "-q", "-b", "ivan-login-errors")
    assert not ledger.path(f"incidents/{first}").exists()
    second = _declare(capsys, who="ivan")
    assert second == _next(first)
    ledger.commit(f"{second} declared", who="ivan")
    ledger.git("checkout", "-q", "main")
    ledger.git("merge", "-q", "--no-edit", "judy-db-outage")
    ledger.git("merge", "-q", "--no-edit", "ivan-login-errors")  # no add/add conflict
    assert main(["validate"]) == 0


def test_numbers_taken_on_remote_tracking_branches_are_skipped(
        ledger: GitLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.git("checkout", "-q", "-b", "judy-db-outage")
    first = _declare(capsys)
    ledger.commit(f"{first} declared", who="judy")
    ledger.git("checkout", "-q", "main")
    clone = GitLedger(tmp_path / "clone")
    ledger.git("clone", "-q", str(ledger.root), str(clone.root))
    clone.git("config", "user.email", "ivan@example.com")
    ledger.git("branch", "-q", "-D", "judy-db-outage")  # only origin/judy-db-outage is left
    monkeypatch.chdir(clone.root)
    assert "origin/judy-db-outage" in clone.git("branch", "-r")
    assert _declare(capsys, who="ivan") == _next(first)


def test_outside_git_the_working_tree_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    copy_sample(root)
    monkeypatch.chdir(root)
    first = _declare(capsys)
    assert _declare(capsys) == _next(first)


@pytest.fixture
def collided(keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """judy's branch adds an incident; meanwhile main took the same id (declared on a
    machine that had not fetched her branch). (the fork point, the id)"""
    ledger = keyed
    fork = ledger.git("rev-parse", "HEAD")
    ledger.git("checkout", "-q", "-b", "judy-db-outage")
    record_id = _declare(capsys)
    ledger.commit(f"{record_id} declared", who="judy")
    ledger.git("checkout", "-q", "main")
    ledger.git("checkout", "-q", "judy-db-outage", "--", f"incidents/{record_id}")
    ledger.edit(f"incidents/{record_id}/incident.yaml", "Incident declared.",
                "Declared from the support queue.")
    ledger.commit(f"{record_id} declared on main", who="ivan")
    ledger.git("checkout", "-q", "judy-db-outage")
    return fork, record_id


def test_pr_adding_a_free_id_passes(ledger: GitLedger, collided: tuple[str, str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fork, record_id = collided
    ledger.git("checkout", "-q", "-b", "erin-cache", fork)
    fresh = _declare(capsys, who="ivan")
    assert fresh == _next(record_id)
    ledger.commit(f"{fresh} declared", who="ivan")
    code, out = run_check(capsys, "main")
    assert code == 0, out


def test_pr_adding_an_id_the_base_took_is_refused(ledger: GitLedger, collided: tuple[str, str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, record_id = collided
    code, out = run_check(capsys, "main")
    assert code == 1
    problems = [line for line in out.splitlines() if "error" in line]
    main_sha = ledger.git("rev-parse", "--short=12", "main")
    assert problems == [
        f"incidents/{record_id}/incident.yaml: error OL111: {record_id} was taken on the base "
        f"({main_sha}) after this branch forked; renumber this record: `opsledger renumber "
        f"{record_id} {_next(record_id)}`"]


def test_renumbered_record_passes_and_its_sign_offs_are_made_again(
        ledger: GitLedger, keys: dict[str, Path], collided: tuple[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    _, record_id = collided
    assert main(["sign", record_id, "--role", "incident_commander", "--as", "judy", "--key",
                 str(keys["judy"]), "--gate", "decline", "--at", NOW]) == 0
    ledger.commit("judy approves declining it", who="judy")
    capsys.readouterr()
    fresh = _next(record_id)
    assert main(["renumber", record_id, fresh]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"incidents/{fresh}/incident.yaml"
    assert (f"incidents/{record_id}/signoffs/incident_commander--judy.yaml removed: it was "
            f"bound to {record_id}; judy signs again as incident_commander (`opsledger sign "
            f"{fresh} --role incident_commander`)") in captured.err
    assert not ledger.path(f"incidents/{record_id}").exists()
    text = ledger.read(f"incidents/{fresh}/incident.yaml")
    assert f"id: {fresh}" in text and record_id not in text
    assert main(["sign", fresh, "--role", "incident_commander", "--as", "judy", "--key",
                 str(keys["judy"]), "--gate", "decline", "--at", NOW]) == 0
    ledger.commit(f"renumber {record_id} to {fresh}", who="judy")
    capsys.readouterr()
    code, out = run_check(capsys, "main")
    assert code == 0, out


def test_renumber_refuses_a_merged_record_and_a_taken_id(
        ledger: GitLedger, collided: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, record_id = collided
    assert main(["renumber", "INC-2026-0001", _next(record_id)]) == 1
    assert "INC-2026-0001 is already on main" in capsys.readouterr().err
    assert main(["renumber", record_id, "INC-2026-0002"]) == 1
    assert f"INC-2026-0002 is taken on a branch git knows; take {_next(record_id)}" in \
        capsys.readouterr().err
    assert main(["renumber", record_id, "REL-2026-0099"]) == 2
    assert ledger.path(f"incidents/{record_id}/incident.yaml").exists()

"""Trust-root changes approved with SSH signatures (ledgers off GitHub): `opsledger
sign-trust-root` by the base policy's `trust_root` holders over the head's trust-root tree,
counted by `check --approvals DIR` and `audit --approvals DIR`. Attacks beside legal twins."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import GitLedger
from test_trust_root import line_with, public_key, run_check

from opsledger.cli import main


def approve(keys: dict[str, Path], person: str, into: Path, base: str, rev: str = "HEAD",
            key_of: str | None = None) -> Path:
    into.mkdir(exist_ok=True)
    target = into / f"{person}-{len(list(into.iterdir()))}.yaml"
    assert main(["sign-trust-root", "--base", base, "--rev", rev, "--as", person, "--key",
                 str(keys[key_of or person]), "--out", str(target)]) == 0
    return target


def bob_joins_qa(ledger: GitLedger) -> str:
    ledger.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, bob]")
    return ledger.commit("bob joins qa", who="heidi")


def test_two_admins_sign_the_head(keyed: GitLedger, keys: dict[str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    approve(keys, "heidi", approvals, base)
    approve(keys, "dave", approvals, base)
    code, out = run_check(capsys, base, "--approvals", str(approvals))
    assert code == 0, out


def test_one_admin_is_not_two(keyed: GitLedger, keys: dict[str, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    first = approve(keys, "heidi", approvals, base)
    shutil.copy(first, approvals / "heidi-again.yaml")  # the same approval twice
    code, out = run_check(capsys, base, "--approvals", str(approvals))
    assert code == 1
    line_with(out, "opsledger.yaml: error OL215", "2 of admin", "approved by heidi")


def test_an_approval_signed_with_someone_elses_key(keyed: GitLedger, keys: dict[str, Path],
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    approve(keys, "heidi", approvals, base)
    # mallory has a key of her own but no say: "dave's" approval signed with it.
    policy = keyed.read("opsledger.yaml")
    keyed.write("opsledger.yaml", re.sub(r'(\n  dave: .*keys: \[")[^"]*',
                                         rf"\g<1>{public_key(keys, 'mallory')}", policy))
    approve(keys, "dave", approvals, base, key_of="mallory")
    keyed.git("checkout", "-q", "opsledger.yaml")
    code, out = run_check(capsys, base, "--approvals", str(approvals))
    assert code == 1
    assert "not by a key registered for dave" in line_with(out, "error OL215",
                                                           "approved by heidi")


def test_approval_of_an_older_tree_does_not_count(keyed: GitLedger, keys: dict[str, Path],
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    approve(keys, "heidi", approvals, base)
    approve(keys, "dave", approvals, base)
    keyed.edit("opsledger.yaml", "  qa: [carol, erin, bob]", "  qa: [carol, erin, bob, mallory]")
    keyed.commit("and mallory", who="bob")
    code, out = run_check(capsys, base, "--approvals", str(approvals))
    assert code == 1
    assert "not the head's" in line_with(out, "error OL215", "approved by nobody")


def test_records_on_the_branch_do_not_void_it(keyed: GitLedger, keys: dict[str, Path],
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    keyed.git("checkout", "-q", "-b", "pr")
    approved = bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    approve(keys, "heidi", approvals, "main", rev=approved)
    approve(keys, "dave", approvals, "main", rev=approved)
    keyed.git("checkout", "-q", "main")
    assert main(["log", "INC-2026-0003", "note", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    keyed.commit("a note on main", who="judy")
    keyed.git("checkout", "-q", "pr")
    keyed.git("merge", "-q", "--no-edit", "main")
    code, out = run_check(capsys, "main", "--approvals", str(approvals))
    assert code == 0, out


def test_audit_verifies_signed_approvals(keyed: GitLedger, keys: dict[str, Path],
                                         tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    start = base = keyed.git("rev-parse", "HEAD")
    bob_joins_qa(keyed)
    approvals = tmp_path / "approvals"
    assert main(["audit", "--from", start]) == 0
    assert "warning OL215: trust-root change not verified" in capsys.readouterr().out
    assert main(["audit", "--from", start, "--approvals", str(approvals.parent)]) == 1
    assert "approved by nobody" in capsys.readouterr().out
    approve(keys, "heidi", approvals, base)
    approve(keys, "dave", approvals, base)
    assert main(["audit", "--from", start, "--approvals", str(approvals)]) == 0, \
        capsys.readouterr().out


def test_a_person_outside_the_policy_cannot_sign(keyed: GitLedger, keys: dict[str, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sign-trust-root", "--as", "dave", "--key", str(keys["mallory"])]) == 1
    assert "is not registered for dave" in capsys.readouterr().err


def test_approvals_of_an_undone_change_cannot_bring_it_back(
        keyed: GitLedger, keys: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    approved = bob_joins_qa(keyed)
    old = tmp_path / "approvals-of-the-first-change"
    approve(keys, "heidi", old, base)
    approve(keys, "dave", old, base)
    assert run_check(capsys, base, "--approvals", str(old))[0] == 0
    undo_base = keyed.git("rev-parse", "HEAD")
    keyed.edit("opsledger.yaml", "  qa: [carol, erin, bob]", "  qa: [carol, erin]")
    keyed.commit("bob leaves qa", who="heidi")
    undo = tmp_path / "approvals-of-the-undo"
    approve(keys, "heidi", undo, undo_base)
    approve(keys, "dave", undo, undo_base)
    assert run_check(capsys, undo_base, "--approvals", str(undo))[0] == 0
    # mallory restores the first policy and replays the approvals it once had
    replay_base = keyed.git("rev-parse", "HEAD")
    keyed.git("checkout", approved, "--", "opsledger.yaml")
    keyed.commit("bob back in qa", who="mallory")
    code, out = run_check(capsys, replay_base, "--approvals", str(old))
    assert code == 1
    assert "another trust root than this base's" in line_with(out, "error OL215",
                                                              "approved by nobody")

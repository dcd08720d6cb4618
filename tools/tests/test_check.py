"""`opsledger check` on real repositories: edges, invariants, trust root, git corner cases."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, GitLedger, run_check

from opsledger.cli import main

INC3 = "incidents/INC-2026-0003/incident.yaml"
REL6 = "releases/REL-2026-0006/release.yaml"
REL4 = "releases/REL-2026-0004/release.yaml"


def test_emergency_change_may_start_from_draft(ledger: GitLedger,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(REL6, "change_type: normal", "change_type: emergency")
    ledger.edit(REL6, "status: draft", "status: implementing")
    ledger.commit("emergency", who="bob")
    _, out = run_check(capsys, base)
    assert "is not allowed" not in out
    assert "OL303" in out and "emergency start: missing sign-off: ops_manager (eligible: heidi)" \
        in out


def test_clean_pr_passes(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["log", "INC-2026-0003", "Partition rebalanced", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    ledger.commit("log", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out
    assert "1 record changed" in out


def test_timeline_edit_is_refused(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(INC3, "SEV3 declared.", "SEV3 declared late.")
    ledger.commit("rewrite history", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert (f"{INC3}:22:5: error OL204: INC-2026-0003: timeline event 2 (2026-11-26T09:20:00+01:00,"
            " declared) was edited or removed") in out


def test_deleted_and_renamed_records(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.git("mv", "incidents/INC-2026-0003", "incidents/INC-2026-0009")
    text = ledger.read("incidents/INC-2026-0009/incident.yaml").replace("INC-2026-0003",
                                                                        "INC-2026-0009")
    lines = [line for line in text.splitlines(keepends=True) if "Indexer consumer lag" not in line]
    ledger.write("incidents/INC-2026-0009/incident.yaml", "".join(lines))
    ledger.commit("rename and trim", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert f"{INC3}: error OL203: INC-2026-0003 was deleted or renamed" in out


def test_signoff_file_removed(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.git("rm", "-q", "releases/REL-2026-0007/signoffs/qa--carol.yaml")
    ledger.commit("drop the reject", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "releases/REL-2026-0007/signoffs/qa--carol.yaml: error OL205: sign-off file removed" \
        in out
    assert "OL207" in out  # and a rejected release is terminal


def test_timestamp_needs_correction_event(ledger: GitLedger,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(INC3, "detected_at: 2026-11-26T09:05:00+01:00",
                "detected_at: 2026-11-26T08:05:00+01:00")
    ledger.commit("move detection", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1 and "OL206" in out
    assert main(["log", "INC-2026-0003", "Detection was an hour earlier (pager log).",
                 "--type", "correction", "--as", "judy", "--at", "2026-11-26T12:00:00+01:00"]) == 0
    ledger.commit("explain", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_approved_release_is_frozen(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(REL4, "estimated_minutes: 20", "estimated_minutes: 90")
    ledger.commit("tweak rollback", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL208: REL-2026-0004: content changed while approved" in out
    assert "OL302" in out  # and its sign-offs are stale


def test_implementing_outside_window_and_in_freeze(ledger: GitLedger,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["status", "REL-2026-0004", "implementing", "--as", "dave",
                 "--now", "2026-12-20T02:00:00+00:00"]) == 1  # refused, same rules as check
    assert "OL210" in capsys.readouterr().err
    ledger.edit(REL4, "status: approved\n",
                "status: implementing\nexecution:\n  started_at: 2026-12-20T02:00:00+00:00\n")
    ledger.commit("start", who="dave")
    code = main(["check", "--base", base, "--now", "2026-12-20T02:00:00+00:00"])
    out = capsys.readouterr().out
    assert code == 1
    assert "OL209" in out and "outside the window" in out
    assert "OL210" in out and "freeze window 'year-end'" in out


def test_id_changed(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(INC3, "id: INC-2026-0003", "id: INC-2026-0009")
    ledger.commit("renumber", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert (f"{INC3}:1:5: error OL202: INC-2026-0003: id changed from 'INC-2026-0003'; "
            "ids never change\n") in out
    assert f"{INC3}:1:5: error OL110:" in out  # and the head alone is invalid too


def test_reopen_needs_a_reason(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    inc2 = "incidents/INC-2026-0002/incident.yaml"
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit(inc2, "status: resolved", "status: investigating")
    ledger.commit("reopen", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert (f"{inc2}:9:9: error OL212: INC-2026-0002: reopening needs a `reopen` timeline "
            "event giving the reason (opsledger status ... --note REASON)\n") in out
    ledger.edit(inc2, "postmortem to follow., by: dave}\n", "postmortem to follow., by: dave}\n"
                "  - {at: 2026-10-15T09:00:00-04:00, type: reopen, text: Login latency is back., "
                "by: judy}\n")
    ledger.commit("say why", who="bob")
    code, out = run_check(capsys, base)
    assert "OL212" not in out
    assert "OL303: INC-2026-0002: reopening: missing sign-off: incident_commander" in out


def test_trust_root_and_records_together(ledger: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit("opsledger.yaml", "qa: [carol, erin]", "qa: [carol, erin, bob]")
    assert main(["log", "INC-2026-0003", "note", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    ledger.commit("policy and record", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "opsledger.yaml: error OL211: this change edits the trust root" in out


def test_base_moved_on(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.git("checkout", "-q", "-b", "pr")
    assert main(["log", "INC-2026-0003", "from the PR", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    ledger.commit("pr work", who="bob")
    ledger.git("checkout", "-q", "main")
    ledger.edit(INC3, "SEV3 declared.", "SEV3 declared!")  # a bad direct push on main
    ledger.commit("direct push", who="mallory")
    ledger.git("checkout", "-q", "pr")
    code, out = run_check(capsys, "main")
    assert code == 0, out  # the PR is not blamed for main's changes


def test_audit_finds_the_bad_direct_commit(ledger: GitLedger,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "INC-2026-0003", "good", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    ledger.commit("good change", who="bob", date="2026-11-26T12:00:00+01:00")
    ledger.edit(INC3, "SEV3 declared.", "SEV3 declared (edited).")
    ledger.commit("quiet rewrite", who="mallory", date="2026-11-26T13:00:00+01:00")
    assert main(["log", "INC-2026-0003", "good again", "--as", "judy",
                 "--at", "2026-11-26T13:30:00+01:00"]) == 0
    ledger.commit("another good change", who="bob", date="2026-11-26T14:00:00+01:00")
    code = main(["audit"])
    out = capsys.readouterr().out
    assert code == 1
    assert "mallory <mallory@example.net>: quiet rewrite" in out
    assert "OL204" in out
    assert "good change" not in out
    assert out.strip().endswith("4 commits audited, 1 with problems")


def test_shallow_clone_says_how_to_fix(ledger: GitLedger, tmp_path: object,
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = ledger.git("rev-parse", "HEAD")
    assert main(["log", "INC-2026-0003", "x", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    ledger.commit("second", who="bob")
    clone = ledger.root.parent / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{ledger.root}", str(clone)],
                   check=True)
    monkeypatch.chdir(clone)
    code = main(["check", "--base", first])
    err = capsys.readouterr().err
    assert code == 2
    assert "fetch-depth: 0" in err and "git fetch --unshallow" in err


def test_not_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy2(REPO / "opsledger.yaml", plain / "opsledger.yaml")  # a ledger, but no .git
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git must not look above it
    monkeypatch.chdir(plain)
    assert main(["check", "--base", "main"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"opsledger: error: {plain} is not inside a git repository; "
                            "run opsledger in a clone of the ledger\n")


def test_bad_revision(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--base", "no-such-branch"]) == 2
    assert "revision 'no-such-branch' not found" in capsys.readouterr().err
    assert main(["check", "--base", "--output=x"]) == 2


def test_hostile_file_names(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.write("incidents/--output=x.yaml", "a: 1\n")
    ledger.write("releases/REL-2026-0001/sign\noffs.yaml", "a: 1\n")
    ledger.commit("odd names", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "incidents/--output=x.yaml: error OL020: stray file" in out
    assert "releases/REL-2026-0001/sign\\noffs.yaml: error OL020" in out


def test_status_keeps_comments_byte_for_byte(ledger: GitLedger) -> None:
    original = ledger.read(INC3).replace("severity: SEV3\n", "severity: SEV3   # agreed 09:30\n")
    original = "# owned by the search team\n" + original
    ledger.write(INC3, original)
    assert main(["status", "INC-2026-0003", "mitigated", "--as", "judy",
                 "--now", "2026-11-26T11:00:00+01:00"]) == 0
    after = ledger.read(INC3)
    removed = [line for line in original.splitlines() if line not in after.splitlines()]
    assert removed == ["status: investigating"]
    assert "# owned by the search team" in after and "# agreed 09:30" in after
    added = [line for line in after.splitlines() if line not in original.splitlines()]
    assert added == [
        "status: mitigated", "  mitigated_at: 2026-11-26T11:00:00+01:00",
        "  - {at: 2026-11-26T11:00:00+01:00, type: status_change, text: investigating -> "
        "mitigated, by: judy}"]


def test_refused_status_writes_nothing(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    before = ledger.read(INC3)
    assert main(["status", "INC-2026-0003", "closed", "--as", "judy"]) == 1
    err = capsys.readouterr().err
    assert "OL201: INC-2026-0003: status investigating -> closed is not allowed" in err
    assert ledger.read(INC3) == before


def test_crash_during_write_keeps_the_original(ledger: GitLedger,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    before = ledger.read(INC3)

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        main(["log", "INC-2026-0003", "x", "--as", "judy", "--at", "2026-11-26T11:00:00+01:00"])
    assert ledger.read(INC3) == before
    assert [p.name for p in ledger.path("incidents/INC-2026-0003").iterdir()] == ["incident.yaml"]

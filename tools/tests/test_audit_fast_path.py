"""`audit` reads every commit's diff in one `git log` pass and derives each commit's record
listings from its parent's: it must report exactly what judging each commit on its own does."""

from __future__ import annotations

import shutil

import pytest
from conftest import GitLedger

from opsledger.cli import main
from opsledger.commands import audit
from opsledger.gitrepo import GitRepo


def _history(ledger: GitLedger) -> None:
    """Commits by different people that add, break, move, delete and merge records."""
    ledger.write("releases/notes.txt", "a stray file\n")
    ledger.commit("a stray file among the releases", who="bob")
    shutil.copytree(ledger.path("incidents/INC-2026-0001"), ledger.path("incidents/INC-2026-0099"))
    ledger.commit("a copied incident", who="carol")
    shutil.rmtree(ledger.path("incidents/INC-2026-0002"))
    ledger.commit("an incident deleted", who="dave")
    shutil.rmtree(ledger.path("incidents/INC-2026-0099"))
    ledger.write("incidents/INC-2026-0099", "now a file\n")
    ledger.commit("a record directory replaced by a file", who="bob")
    ledger.git("checkout", "-q", "-b", "side")
    shutil.copytree(ledger.path("incidents/INC-2026-0003"), ledger.path("releases/INC-2026-0003"))
    ledger.commit("an incident under releases", who="erin")
    ledger.git("checkout", "-q", "main")
    ledger.git("merge", "-q", "--no-ff", "-m", "Merge pull request #3 from acme/side", "side")
    ledger.path("releases/notes.txt").unlink()
    ledger.commit("the stray file removed", who="alice")


def test_audit_reports_what_a_commit_by_commit_audit_reports(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _history(ledger)
    fast_code = main(["audit"])
    fast = capsys.readouterr().out
    # Without the diffs read ahead every commit is listed and diffed on its own.
    monkeypatch.setattr(GitRepo, "read_first_parent_diffs", lambda *_: None)
    slow_code = main(["audit"])
    slow = capsys.readouterr().out
    assert (fast_code, fast) == (slow_code, slow)
    assert fast_code == 1
    for expected in ("releases/notes.txt", "INC-2026-0002", "releases/INC-2026-0003"):
        assert expected in fast


def test_the_diffs_read_ahead_are_the_diffs_of_each_commit(ledger: GitLedger) -> None:
    _history(ledger)
    repo = GitRepo(ledger.root)
    commits = repo.first_parent_history(None, repo.resolve("main"))
    expected = {c.sha: repo.changed_paths(c.parent, c.sha) for c in commits}
    repo.read_first_parent_diffs(None, repo.resolve("main"))
    for commit in commits:
        step = repo.diff_step(commit.sha)
        assert step == (commit.parent, expected[commit.sha]), commit.subject


def test_stretches_replayed_side_by_side_report_what_one_replay_reports(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _history(ledger)
    repo = GitRepo(ledger.root)
    commits = repo.first_parent_history(None, repo.resolve("main"))
    repo.read_first_parent_diffs(None, repo.resolve("main"))
    monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
    spans = audit._spans(repo, commits, None, 3)
    # Consecutive stretches that cover the history once: each ends where the next starts.
    assert len(spans) == 3 and spans[0][0] is None and spans[-1][1] == commits[-1].sha
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
    for format in ("text", "json"):
        one = main(["audit", "--jobs", "1", "--format", format]), capsys.readouterr().out
        three = main(["audit", "--jobs", "3", "--format", format]), capsys.readouterr().out
        assert one == three
        assert one[0] == 1 and "INC-2026-0002" in one[1]
    assert main(["audit", "--jobs", "0"]) == 2
    assert "--jobs 0: give 1 or more" in capsys.readouterr().err

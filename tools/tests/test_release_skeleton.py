"""A release still holding what `opsledger new release` wrote for a person to replace cannot
leave draft: refused by `status` (nothing written) and by `check`, naming the fields."""

from __future__ import annotations

import pytest
from conftest import NOW, GitLedger, run_check

from opsledger.cli import main

FILLED = [
    ("Why this change, and what it does. Markdown.", "Search ranking tweaks for long queries."),
    ("What ships (one line per change).", "New ranking weights for queries over five words."),
    ("What was tested, where.", "Relevance suite in staging."),
    ("Link to the CI run or test report.", "https://ci.example.com/search/builds/77"),
    ("When to roll back (e.g. error rate above 2% for 5 minutes).", "Click-through drops 5%."),
    ("First rollback step.", "Redeploy 1.8.3."),
    ("Where and how stakeholders are told.", "The search channel."),
    ("When to stop the change.", "Query latency p99 above 400 ms."),
]
PLACEHOLDERS = ("summary, changes.0, testing.summary, testing.evidence.0, rollback.trigger, "
                "rollback.steps.0, emergency_response.communication, "
                "emergency_response.abort_criteria.0")


def _new_release(ledger: GitLedger, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    assert main(["new", "release", "--system", "search", "--as", "bob", *options]) == 0
    path = capsys.readouterr().out.strip()
    ledger.commit("new release request", who="bob")
    return path


def _fill(ledger: GitLedger, path: str, keep: str | None = None) -> None:
    for placeholder, text in FILLED:
        if placeholder != keep:
            ledger.edit(path, placeholder, text)


def _submit(path: str) -> int:
    return main(["status", path.split("/")[1], "submitted", "--as", "bob", "--now", NOW])


def test_filled_in_release_is_submitted(ledger: GitLedger,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _new_release(ledger, capsys, "--title", "Search 1.9", "--version", "1.9.0")
    base = ledger.git("rev-parse", "HEAD")
    _fill(ledger, path)
    assert _submit(path) == 0, capsys.readouterr().err
    assert "status: submitted" in ledger.read(path)
    ledger.commit("submit", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_fresh_skeleton_names_every_placeholder(ledger: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _new_release(ledger, capsys)
    before = ledger.read(path)
    assert _submit(path) == 1
    assert (f"error OL103: {path.split('/')[1]}: cannot leave draft while these fields hold "
            f"the template's placeholder text: title, version, {PLACEHOLDERS}; write this "
            "release's own") in capsys.readouterr().err
    assert ledger.read(path) == before


@pytest.mark.parametrize("kept", ["When to roll back (e.g. error rate above 2% for 5 minutes).",
                                  "version"])
def test_one_placeholder_left_is_refused_by_status_and_check(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str], kept: str) -> None:
    version = ("--version", "1.9.0") if kept != "version" else ()
    path = _new_release(ledger, capsys, "--title", "Search 1.9", *version)
    base = ledger.git("rev-parse", "HEAD")
    _fill(ledger, path, keep=kept)
    field = "version" if kept == "version" else "rollback.trigger"
    before = ledger.read(path)
    assert _submit(path) == 1
    err = capsys.readouterr().err
    assert f"hold the template's placeholder text: {field}; write" in err
    assert "refused, nothing written: 1 problem" in err
    assert ledger.read(path) == before
    ledger.edit(path, "status: draft", "status: submitted")  # by hand, past `status`
    ledger.commit("submit by hand", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert f"{path}:45:9: error OL103: " in out and f"placeholder text: {field}; write" in out


def test_a_skeleton_added_already_submitted_is_refused(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["new", "release", "--system", "search", "--title", "Search 1.9",
                 "--version", "1.9.0", "--as", "bob"]) == 0
    path = capsys.readouterr().out.strip()
    ledger.edit(path, "status: draft", "status: submitted")
    ledger.commit("a new request, submitted at once", who="bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert f"placeholder text: {PLACEHOLDERS}; write" in out

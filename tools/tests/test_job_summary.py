"""`opsledger check --format markdown`: the pull request's job summary. What a PR author and a
reviewer read: the verdict, each record's transition, each gate slot by slot (who signed and
how, who could still sign, which decisions cannot count and why), then the problems. Every
record value in it is escaped, whatever GitHub's Markdown would make of it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import NOW, REPO, GitLedger, expect_golden, run_check
from test_gate_attacks import REL4, sign
from test_signoffs import _review_signoff

from opsledger.cli import main

GOLDEN = REPO / "tools" / "tests" / "golden" / "check-summary-REL-2026-0004.md"
HOSTILE = "<img src=x onerror=alert(1)> | pipes | `tick` [x](javascript:alert(1)) *b* _i_ & $x$ #"


@pytest.fixture
def submitted(keyed: GitLedger) -> str:
    keyed.edit(f"{REL4}/release.yaml", "status: approved", "status: submitted")
    return keyed.commit("REL-2026-0004 back to submitted", who="alice")


def _approve(ledger: GitLedger) -> str:
    ledger.edit(f"{REL4}/release.yaml", "status: submitted", "status: approved")
    return ledger.commit("approve REL-2026-0004", who="bob")


@pytest.fixture
def qa_withdrawn(keyed: GitLedger, keys: dict[str, Path], submitted: str) -> str:
    """A pull request approving REL-2026-0004 whose qa approval was withdrawn: one slot open."""
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    sign(keys, "REL-2026-0004", "qa", "carol", "--decision", "revoke")
    return _approve(keyed)


def _summary(capsys: pytest.CaptureFixture[str], base: str) -> tuple[int, str]:
    capsys.readouterr()  # what signing printed
    code = main(["check", "--base", base, "--now", NOW, "--format", "markdown"])
    return code, capsys.readouterr().out


def test_a_missing_sign_off_names_the_role_and_who_could_sign(
        submitted: str, qa_withdrawn: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _summary(capsys, submitted)
    assert code == 1
    signoffs = r"releases/REL-2026-0004/signoffs/"
    assert out.startswith("## Ledger check: 1 problem\n")
    assert "### REL-2026-0004: Orders database — partition the orders table by month" in out
    assert "**submitted → approved**" in out
    assert "Gate approval, for approval (submitted → approved): **not met**" in out
    assert f"| dev\\_lead | bob | signature, {signoffs}dev\\_lead--bob.yaml |" in out
    assert f"| dba | grace | signature, {signoffs}dba--grace.yaml |" in out
    assert "| qa | **missing**: could be signed by carol, erin |  |" in out
    assert f"| {signoffs}qa--carol.yaml | approve by carol as qa | replaced by the later " \
           "decision qa--carol--2.yaml |" in out
    assert f"| {signoffs}qa--carol--2.yaml | revoke by carol as qa | a revoke: it withdraws " \
           "their earlier decision |" in out
    assert re.search(r"\| releases/REL-2026-0004/release.yaml:\d+:\d+ \| OL303 \| REL-2026-0004: "
                     r"approval: missing sign-off: qa \(eligible: carol, erin\) \|", out)


def test_the_summary_reads_as_expected(keyed: GitLedger, submitted: str, qa_withdrawn: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _summary(capsys, submitted)
    # Signatures differ per test session, so do the commits: the range is the one variable.
    out = out.replace(submitted[:12], "BASE").replace(qa_withdrawn[:12], "HEAD")
    expect_golden(GOLDEN, out)


def test_a_passing_pull_request_says_it_passes(keyed: GitLedger, keys: dict[str, Path],
                                               submitted: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "erin")):
        sign(keys, "REL-2026-0004", role, person)
    _approve(keyed)
    code, out = _summary(capsys, submitted)
    assert code == 0, out
    assert out.startswith("## Ledger check: passes\n")
    assert "Gate approval, for approval (submitted → approved): met" in out
    assert "| qa | erin | signature, releases/REL-2026-0004/signoffs/qa--erin.yaml |" in out
    assert "missing" not in out and "### Problems" not in out


def test_a_new_record_shows_the_walk_it_was_judged_along(
        keyed: GitLedger, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    text = keyed.read(f"{REL4}/release.yaml").replace("REL-2026-0004", "REL-2026-0011")
    keyed.write("releases/REL-2026-0011/release.yaml", text)
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0011", role, person)
    keyed.commit("REL-2026-0011, approved", who="bob")
    code, out = _summary(capsys, base)
    assert code == 0, out
    assert "**new, in approved** (judged as draft → submitted → approved)" in out
    assert "Gate approval, for approval (submitted → approved): met" in out


def test_a_requesters_sign_off_is_listed_with_the_reason_it_cannot_count(
        keyed: GitLedger, keys: dict[str, Path], submitted: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    # alice signs with the rule relaxed in her working copy only (`sign` refuses otherwise)
    policy = keyed.read("opsledger.yaml")
    keyed.edit("opsledger.yaml", "requester_may_approve: false", "requester_may_approve: true")
    for role, person in (("dev_lead", "alice"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    keyed.write("opsledger.yaml", policy)
    _approve(keyed)
    code, out = _summary(capsys, submitted)
    assert code == 1
    assert "| dev\\_lead | **missing**: could be signed by bob |  |" in out
    assert ("| releases/REL-2026-0004/signoffs/dev\\_lead--alice.yaml | approve by alice as "
            "dev\\_lead | they are the requester (constraints.requester\\_may\\_approve is "
            "false) |") in out


def test_a_review_names_its_review_and_a_failing_one_says_why(
        keyed: GitLedger, keys: dict[str, Path], submitted: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    for role, person in (("dev_lead", "bob"), ("dba", "grace")):
        sign(keys, "REL-2026-0004", role, person)
    _review_signoff(keyed, "REL-2026-0004", "qa", "carol", 901)
    head = _approve(keyed)
    reviews = keyed.root.parent / "reviews.json"
    review = {"id": 901, "user": {"login": "carol-c", "id": 5512345}, "state": "APPROVED",
              "commit_id": head}

    def summary(row: dict[str, object]) -> tuple[int, str]:
        reviews.write_text(json.dumps([row]))
        capsys.readouterr()
        code = main(["check", "--base", submitted, "--now", NOW, "--format", "markdown",
                     "--reviews", str(reviews), "--pr", "7"])
        return code, capsys.readouterr().out

    code, out = summary(review)
    assert code == 0, out
    assert "| qa | carol | review 901 on pull request 7, releases/REL-2026-0004/signoffs/" \
           "qa--carol.yaml |" in out
    code, out = summary({**review, "user": {"login": "carol-c", "id": 666}})
    assert code == 1
    assert "| qa | **missing**: could be signed by carol, erin |  |" in out
    assert "| approve by carol as qa | unverified: carol (github\\_id in the policy) has no " \
           "approving review on this pull request |" in out


def test_a_stale_cancel_is_shown_beside_the_gate_it_could_not_open(
        keyed: GitLedger, keys: dict[str, Path], submitted: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "REL-2026-0004", "dev_lead", "bob", "--decision", "cancel", "--gate", "cancel")
    keyed.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 5")
    keyed.edit(f"{REL4}/release.yaml", "status: submitted", "status: cancelled")
    keyed.commit("cancel", who="bob")
    code, out = _summary(capsys, submitted)
    assert code == 1
    assert "Gate cancel, for cancellation (submitted → cancelled): **not met**" in out
    assert "Needs one signed cancel, by one of: alice, bob, carol, erin, grace." in out
    assert re.search(r"\| cancel by bob as dev\\_lead \| stale: signed sha256:[0-9a-f]{12}\.\.\., "
                     r"the record is now sha256:[0-9a-f]{12}\.\.\.; it must be signed again \|", out)


def test_the_requesters_own_cancel_opens_the_gate(keyed: GitLedger, keys: dict[str, Path],
                                                 submitted: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "REL-2026-0004", "dev_lead", "alice", "--decision", "cancel")
    keyed.edit(f"{REL4}/release.yaml", "status: submitted", "status: cancelled")
    keyed.commit("cancel", who="alice")
    code, out = _summary(capsys, submitted)
    assert code == 0, out
    assert "Gate cancel, for cancellation (submitted → cancelled): met" in out
    assert "| dev\\_lead | alice | signature, releases/REL-2026-0004/signoffs/dev\\_lead--alice" \
           ".yaml |" in out
    assert "does not count" not in out


def test_a_hostile_title_renders_as_text(keyed: GitLedger, submitted: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    quoted = HOSTILE.replace("'", "''")
    keyed.edit(f"{REL4}/release.yaml",
               "title: Orders database — partition the orders table by month",
               f"title: '{quoted}'")
    keyed.commit("retitle", who="mallory")
    code, out = _summary(capsys, submitted)
    assert code == 0, out
    assert "<img" not in out and not re.search(r"(?<!\\)\]\(", out)  # no tag, no link
    assert ("### REL-2026-0004: &lt;img src=x onerror=alert(1)&gt; \\| pipes \\| \\`tick\\` "
            "\\[x\\](javascript:alert(1)) \\*b\\* \\_i\\_ &amp; \\$x\\$ \\#\n") in out
    for row in (line for line in out.splitlines() if line.startswith("|")):
        assert len(re.findall(r"(?<!\\)\|", row)) == 4, row  # three cells, no more


def test_validate_gives_the_problems_table_too(ledger: GitLedger,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(f"{REL4}/release.yaml", "risk: medium", "risk: extreme")
    code = main(["validate", "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("## Ledger check: ")
    assert re.search(r"\| releases/REL-2026-0004/release.yaml:\d+:\d+ \| OL\d{3} \| ", out)


def test_the_annotations_stay_for_file_and_line(submitted: str, qa_withdrawn: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_check(capsys, submitted, "--format", "github")
    assert code == 1
    assert re.search(r"^::error file=releases/REL-2026-0004/release.yaml,line=\d+,col=\d+,"
                     r"title=OL303::REL-2026-0004: approval: missing sign-off: qa", out, re.M)

"""Approval in code review, end to end: reviewers press Approve, `record-reviews` writes the
sign-offs their reviews stand for, and `check --reviews --pr` accepts exactly those. Each
story is a real repository with commits by different people and GitHub-shaped reviews."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NOW, GitLedger, run_check

from opsledger.cli import main

REL4 = "releases/REL-2026-0004"  # medium + data migration: dev_lead, qa, dba; alice requests
SIGNOFFS = f"{REL4}/signoffs"
# The sample policy's github_ids; logins as GitHub would return them.
USERS = {"alice": ("alice-m", 5510001), "bob": ("bob-okafor", 5510002),
         "carol": ("carol-c", 5512345), "erin": ("erin-n", 5510004), "frank": ("fweber", 5510006),
         "grace": ("gracek", 5510007)}


def review(review_id: int, person: str, state: str, commit: str, body: str = "") -> dict[str, object]:
    """One review as GitHub's REST API lists it (GET /repos/{o}/{r}/pulls/{n}/reviews)."""
    login, uid = USERS[person]
    return {"id": review_id, "node_id": f"PRR_{review_id}",
            "user": {"login": login, "id": uid, "type": "User"}, "body": body, "state": state,
            "html_url": f"https://github.com/acme/ledger/pull/7#pullrequestreview-{review_id}",
            "pull_request_url": "https://api.github.com/repos/acme/ledger/pulls/7",
            "author_association": "MEMBER", "submitted_at": "2026-11-26T09:30:00Z",
            "commit_id": commit}


def sign(keys: dict[str, Path], role: str, person: str) -> None:
    assert main(["sign", "REL-2026-0004", "--role", role, "--as", person, "--key",
                 str(keys[person]), "--at", NOW]) == 0


@pytest.fixture
def base(keyed: GitLedger) -> str:
    """REL-2026-0004 back in submitted with no sign-offs; erin holds dev_lead and qa."""
    keyed.edit(f"{REL4}/release.yaml", "status: approved", "status: submitted")
    keyed.edit("opsledger.yaml", "dev_lead: [alice, bob]", "dev_lead: [alice, bob, erin]")
    return keyed.commit("REL-2026-0004 back to submitted; erin leads development too",
                        who="heidi")


def record(ledger: GitLedger, capsys: pytest.CaptureFixture[str], base: str,
           *reviews: dict[str, object]) -> tuple[int, str]:
    listed = ledger.root.parent / "reviews.json"
    listed.write_text(json.dumps(list(reviews)))
    code = main(["record-reviews", "--pr", "7", "--reviews", str(listed), "--base", base,
                 "--now", NOW])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def check(ledger: GitLedger, capsys: pytest.CaptureFixture[str], base: str,
          *reviews: dict[str, object]) -> tuple[int, str]:
    listed = ledger.root.parent / "reviews.json"
    listed.write_text(json.dumps(list(reviews)))
    return run_check(capsys, base, "--reviews", str(listed), "--pr", "7")


def approve_pr(ledger: GitLedger, keys: dict[str, Path]) -> str:
    """bob and grace sign with SSH; alice moves the release to approved: the reviewed head."""
    sign(keys, "dev_lead", "bob")
    sign(keys, "dba", "grace")
    ledger.edit(f"{REL4}/release.yaml", "status: submitted", "status: approved")
    return ledger.commit("REL-2026-0004: approve", who="alice")


def test_an_approving_review_is_recorded_and_check_accepts_it(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    head = approve_pr(ledger, keys)
    reviews = (review(901, "carol", "APPROVED", head, "Tested the migration on staging."),
               review(902, "frank", "APPROVED", head), review(903, "alice", "APPROVED", head),
               review(904, "erin", "COMMENTED", head))
    # before it is recorded, the check names the command to run
    code, out = check(ledger, capsys, base, *reviews)
    assert code == 1
    assert f"{REL4}/release.yaml:48:9: warning OL320: REL-2026-0004: carol approved in review " \
           "901 (as qa), not recorded yet: run `opsledger record-reviews --pr 7 --reviews FILE` " \
           "and push the sign-off it writes" in out
    assert "OL303: REL-2026-0004: approval: missing sign-off: qa (eligible: carol, erin)" in out
    code, out = record(ledger, capsys, base, *reviews)
    assert code == 0
    assert out == (
        f"wrote {SIGNOFFS}/qa--carol.yaml: carol approved REL-2026-0004 as qa (gate approval) "
        "in review 901\n"
        "skipped review 902 by frank: no record of this pull request still needs a role frank "
        "holds\n"
        "skipped review 903 by alice: alice's approval of REL-2026-0004 cannot count: they are "
        "the requester (constraints.requester_may_approve is false)\n"
        "1 sign-off(s) written from 3 reviewer(s)' latest review on pull request 7; commit and "
        "push them\n")
    written = ledger.read(f"{SIGNOFFS}/qa--carol.yaml")
    assert f'review:\n  pr: 7\n  review_id: 901\n  commit: "{head}"\n' in written
    assert 'at: "2026-11-26T09:30:00+00:00"' in written
    ledger.commit("Record carol's approval in review 901", who="opsledger-bot")
    code, out = check(ledger, capsys, base, *reviews)
    assert code == 0, out
    assert "OL320" not in out
    # run again (the review event fires again): nothing new to write
    code, out = record(ledger, capsys, base, *reviews)
    assert code == 0
    assert f"skipped review 901 by carol: recorded in {SIGNOFFS}/qa--carol.yaml" in out
    assert "0 sign-off(s) written" in out
    assert not ledger.git("status", "--porcelain")


def test_approved_before_the_status_change_then_moved_along(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    # the PR asks for review with the release still submitted; approvals arrive; then the
    # author records them and makes the gated transition: all after the reviewed commit
    sign(keys, "dba", "grace")
    reviewed = ledger.commit("REL-2026-0004: ready for review", who="alice")
    reviews = (review(901, "carol", "APPROVED", reviewed),
               review(905, "bob", "APPROVED", reviewed, "LGTM\n\n/approve dev_lead"))
    # nothing is wrong yet (it is still submitted), but the check says what to run
    code, out = check(ledger, capsys, base, *reviews)
    assert code == 0
    assert "warning OL320: REL-2026-0004: bob approved in review 905 (as dev_lead), not " \
           "recorded yet: run `opsledger record-reviews --pr 7 --reviews FILE`" in out
    code, out = record(ledger, capsys, base, *reviews)
    assert code == 0 and "2 sign-off(s) written" in out, out
    assert f"wrote {SIGNOFFS}/dev_lead--bob.yaml: bob approved REL-2026-0004 as dev_lead" in out
    ledger.commit("Record the approvals of reviews 901 and 905", who="alice")
    assert main(["status", "REL-2026-0004", "approved", "--as", "alice", "--now", NOW]) == 0
    ledger.commit("REL-2026-0004: approved", who="alice")
    capsys.readouterr()
    code, out = check(ledger, capsys, base, *reviews)
    assert code == 0, out


def test_a_review_that_could_fill_two_roles_is_not_guessed(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "dba", "grace")
    ledger.edit(f"{REL4}/release.yaml", "status: submitted", "status: approved")
    head = ledger.commit("REL-2026-0004: approve", who="alice")
    code, out = record(ledger, capsys, base, review(906, "erin", "APPROVED", head))
    assert code == 0
    assert "skipped review 906 by erin: it could approve REL-2026-0004 as dev_lead, " \
           "REL-2026-0004 as qa; a review approves one role of one record: approve again " \
           "with `/approve ROLE` in the review's text (one record per pull request)" in out
    assert not list(ledger.root.glob(f"{SIGNOFFS}/*erin*"))
    # erin approves again, naming the role: her latest review decides
    reviews = (review(906, "erin", "APPROVED", head),
               review(907, "erin", "APPROVED", head, "/approve qa"))
    code, out = record(ledger, capsys, base, *reviews)
    assert f"wrote {SIGNOFFS}/qa--erin.yaml: erin approved REL-2026-0004 as qa" in out
    sign(keys, "dev_lead", "bob")
    ledger.commit("Record erin's review; bob signs", who="bob")
    assert check(ledger, capsys, base, *reviews)[0] == 0


def test_an_approval_of_other_content_must_be_made_again(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    approved = approve_pr(ledger, keys)
    ledger.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 45")
    head = ledger.commit("REL-2026-0004: more downtime after all", who="alice")
    stale = review(901, "carol", "APPROVED", approved)
    code, out = record(ledger, capsys, base, stale)
    assert f"skipped review 901 by carol: it approved commit {approved[:12]}, and " \
           "REL-2026-0004 has changed since: carol must approve again" in out
    assert not list(ledger.root.glob(f"{SIGNOFFS}/qa--*"))
    code, out = check(ledger, capsys, base, stale)
    assert code == 1
    assert "warning OL321: REL-2026-0004: carol's review 901 no longer counts: it approved " \
           f"commit {approved[:12]}, and REL-2026-0004 has changed since: carol must approve " \
           "again" in out
    # the legal twin: carol approves the new head
    code, out = record(ledger, capsys, base, stale, review(910, "carol", "APPROVED", head))
    assert "wrote" in out
    # bob's and grace's signatures went stale with the edit too: they sign again
    sign(keys, "dev_lead", "bob")
    sign(keys, "dba", "grace")
    ledger.commit("Record carol's second approval; sign again", who="bob")
    code, out = check(ledger, capsys, base, stale, review(910, "carol", "APPROVED", head))
    assert code == 0, out


def test_a_force_push_orphans_the_reviewed_commit(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    reviewed = approve_pr(ledger, keys)
    # the branch is rewritten: same content, a new commit; the reviewed one is gone from it
    ledger.git("commit", "-q", "--amend", "-m", "REL-2026-0004: approve (reworded)", who="alice")
    orphaned = review(901, "carol", "APPROVED", reviewed)
    code, out = record(ledger, capsys, base, orphaned)
    assert f"skipped review 901 by carol: it approved commit {reviewed[:12]}, which this pull " \
           "request no longer contains (force-pushed?): carol must approve again" in out
    code, out = check(ledger, capsys, base, orphaned)
    assert code == 1 and "warning OL321: REL-2026-0004: carol's review 901 no longer counts" in out


def test_changes_requested_by_a_needed_role_blocks_like_a_reject(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    head = approve_pr(ledger, keys)
    approved = review(901, "carol", "APPROVED", head)
    assert "wrote" in record(ledger, capsys, base, approved)[1]
    ledger.commit("Record carol's approval", who="alice")
    # frank holds no role this release needs: his request for changes is only a comment here
    assert check(ledger, capsys, base, approved,
                 review(920, "frank", "CHANGES_REQUESTED", head))[0] == 0
    code, out = check(ledger, capsys, base, approved,
                      review(921, "erin", "CHANGES_REQUESTED", head, "Rollback is untested"))
    assert code == 1
    assert f"{REL4}/release.yaml:48:9: error OL304: REL-2026-0004: approval: erin (dev_lead, " \
           "qa) requested changes in review 921: it blocks like a reject until erin approves " \
           "or the review is dismissed" in out


def test_changes_requested_blocks_a_pull_request_that_only_edits_the_record(
        ledger: GitLedger, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    # An edit without a status change collects approvals for the record's next gated step:
    # a request for changes by a holder of that step's roles blocks it as well, or a second
    # pull request could make the transition on approvals the reviewer objected to.
    ledger.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 5")
    head = ledger.commit("REL-2026-0004: five minutes of downtime", who="alice")
    approved = review(901, "carol", "APPROVED", head)
    # the legal twin: no request for changes, the approval is recorded and the PR passes
    assert "1 sign-off(s) written" in record(ledger, capsys, base, approved)[1]
    ledger.commit("Record carol's approval", who="alice")
    code, out = check(ledger, capsys, base, approved)
    assert code == 0, out
    # the attack: erin (dev_lead) asked for changes on the same commit
    objected = review(922, "erin", "CHANGES_REQUESTED", head, "5 minutes is not realistic")
    code, out = check(ledger, capsys, base, approved, objected)
    assert code == 1
    assert "error OL304: REL-2026-0004: approval: erin (dev_lead, qa) requested changes in " \
           "review 922: it blocks like a reject until erin approves or the review is " \
           "dismissed" in out


def test_a_review_not_shaped_as_githubs_is_skipped(ledger: GitLedger, base: str,
                                                   keys: dict[str, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    head = approve_pr(ledger, keys)
    odd = [{**review(901, "carol", "APPROVED", head), "id": "901"},
           {**review(902, "erin", "APPROVED", head), "commit_id": "HEAD~1"}]
    code, out = record(ledger, capsys, base, *odd)
    assert code == 0
    assert "skipped review 901 by carol: it is not a review as GitHub lists it (a positive " \
           "integer id and a commit_id)" in out
    assert "skipped review 902 by erin: it is not a review as GitHub lists it" in out
    assert not list(ledger.root.glob(f"{SIGNOFFS}/qa--*"))


def test_record_reviews_refuses_bad_input(ledger: GitLedger, base: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = ledger.root.parent / "reviews.json"
    bad.write_text('{"message": "Not Found"}')
    assert main(["record-reviews", "--pr", "7", "--reviews", str(bad), "--base", base]) == 2
    assert "expected GitHub's JSON array of reviews" in capsys.readouterr().err
    assert main(["record-reviews", "--pr", "7", "--reviews", str(bad), "--base", "nope"]) == 2
    assert "revision 'nope' not found" in capsys.readouterr().err


def test_the_recorded_commit_must_be_the_reviews(ledger: GitLedger, base: str,
                                                  keys: dict[str, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    head = approve_pr(ledger, keys)
    approved = review(901, "carol", "APPROVED", head)
    record(ledger, capsys, base, approved)
    ledger.edit(f"{SIGNOFFS}/qa--carol.yaml", f'commit: "{head}"', f'commit: "{base}"')
    ledger.commit("Record carol's approval, naming another commit", who="mallory")
    code, out = check(ledger, capsys, base, approved)
    assert code == 1
    assert f"error OL306: forged or unverifiable sign-off: review 901 approved commit " \
           f"{head[:12]}, not {base[:12]} as the sign-off says" in out


def test_a_recorded_approval_is_made_again_after_a_change(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    first_head = approve_pr(ledger, keys)
    first = review(901, "carol", "APPROVED", first_head)
    record(ledger, capsys, base, first)
    ledger.commit("Record carol's approval", who="alice")
    ledger.edit(f"{REL4}/release.yaml", "downtime_minutes: 0", "downtime_minutes: 45")
    sign(keys, "dev_lead", "bob")
    sign(keys, "dba", "grace")
    changed = ledger.commit("REL-2026-0004: more downtime; bob and grace sign again", who="alice")
    # carol's recorded approval went stale with the edit: check says what is missing
    code, out = check(ledger, capsys, base, first)
    assert code == 1 and "missing sign-off: qa" in out
    again = review(930, "carol", "APPROVED", changed)
    code, out = record(ledger, capsys, base, first, again)
    assert f"wrote {SIGNOFFS}/qa--carol--2.yaml: carol approved REL-2026-0004 as qa" in out
    ledger.commit("Record carol's second approval", who="alice")
    # the first file is history now: its review is no longer carol's latest, and that is fine
    code, out = check(ledger, capsys, base, first, again)
    assert code == 0, out


def test_a_review_of_a_commit_that_did_not_touch_the_record_approves_nothing(
        ledger: GitLedger, base: str, keys: dict[str, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "INC-2026-0003", "a note", "--as", "judy",
                 "--at", "2026-11-26T11:00:00+01:00"]) == 0
    unrelated = ledger.commit("a note on another record", who="mallory")
    head = approve_pr(ledger, keys)
    # carol approved the first commit, where REL-2026-0004 was as on the base
    early = review(901, "carol", "APPROVED", unrelated)
    record(ledger, capsys, base, early)  # (the same file a contributor could write by hand)
    assert (ledger.root / SIGNOFFS / "qa--carol.yaml").exists()
    ledger.commit("carol's approval, from her review", who="mallory")
    code, out = check(ledger, capsys, base, early)
    assert code == 1
    assert "had not changed REL-2026-0004" in out
    # The legal twin: her review of the commit that changed it.
    later = review(901, "carol", "APPROVED", head)
    ledger.git("reset", "-q", "--hard", head)
    assert record(ledger, capsys, base, later)[0] == 0
    ledger.commit("carol's approval, from her review", who="alice")
    code, out = check(ledger, capsys, base, later)
    assert code == 0, out


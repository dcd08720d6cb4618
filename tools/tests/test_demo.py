"""The demo story `make demo` replays: every step is judged as the story expects."""

from __future__ import annotations

import json
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
    # 14 steps, two of them refused and never landed, two with a recorded review in between
    assert "17 commits audited, 1 with problems" in audit
    log = (tmp_path / "ledger" / "incidents" / "INC-2026-0001" / "incident.yaml").read_text()
    assert "status: closed" in log
    assert (tmp_path / "ledger" / "incidents" / "INC-2026-0001" / "signoffs" /
            "incident_commander--omar.yaml").is_file()


# The fields GitHub's REST API returns for each element of GET /repos/{o}/{r}/pulls/{n}/reviews
# (docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request).
REVIEW_FIELDS = {"id", "node_id", "user", "body", "state", "html_url", "pull_request_url",
                 "author_association", "_links", "submitted_at", "commit_id"}
USER_FIELDS = {"login", "id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "type",
               "site_admin"}


def test_demo_approves_in_code_review_and_again_after_a_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert play(tmp_path / "ledger") == 0
    out = capsys.readouterr().out
    first = out.split("\n4. ")[1].split("\n5. ")[0]
    assert "(chen presses Approve on pull request #3: review 9001)" in first
    assert "warning OL320: REL-2026-0001: chen approved in review 9001 (as qa), not recorded " \
           "yet: run `opsledger record-reviews --pr 3 --reviews FILE`" in first
    assert "wrote releases/REL-2026-0001/signoffs/qa--chen.yaml: chen approved REL-2026-0001 " \
           "as qa (gate approval) in review 9001" in first
    assert "--reviews" in first.split("$ opsledger check")[-1]  # the merge gate ran with them
    assert "-> merged" in first
    changed = out.split("\n5. ")[1].split("\n6. ")[0]
    assert "REL-2026-0001: submitted" in changed
    again = out.split("\n6. ")[1].split("\n7. ")[0]
    assert "signoffs/dev_lead--ben--2.yaml" in again
    assert "wrote releases/REL-2026-0001/signoffs/qa--chen--2.yaml" in again
    assert "REL-2026-0001: approved (gate approval met: dev_lead by ben, qa by chen)" in again
    assert "-> merged" in again
    reviews = json.loads((tmp_path / "reviews-4.json").read_text())
    assert [r["id"] for r in reviews] == [9002] and reviews[0]["body"] == "/approve qa"
    for review in reviews:
        assert set(review) == REVIEW_FIELDS
        assert set(review["user"]) >= USER_FIELDS
        assert review["state"] == "APPROVED" and len(review["commit_id"]) == 40
    recorded = (tmp_path / "ledger" / "releases" / "REL-2026-0001" / "signoffs" /
                "qa--chen--2.yaml").read_text()
    assert f'commit: "{reviews[0]["commit_id"]}"' in recorded

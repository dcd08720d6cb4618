"""The policy decides which incidents owe a postmortem: a record's `required: false` never
waives it, for the close gate, `opsledger due`, the postmortems page and the board alike.
Pairs from one base commit: the legal move passes, the shortcut fails naming the reason."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from conftest import NOW, REPO, GitLedger, run_check

from opsledger.cli import main
from opsledger.ledger import scan
from opsledger.site.labels import catalog
from opsledger.site.views import indexes
from opsledger.site.views.base import Site
from opsledger.tree import WorkTree
from opsledger.trust import load_trust

INC2 = "incidents/INC-2026-0002/incident.yaml"  # SEV2 resolved; postmortem due 2026-10-24
INC3 = "incidents/INC-2026-0003/incident.yaml"  # SEV3 investigating; no postmortem asked


def _new_incident(capsys: pytest.CaptureFixture[str], ledger: GitLedger, *options: str) -> str:
    assert main(["new", "incident", "--as", "judy", *options]) == 0
    return ledger.read(capsys.readouterr().out.strip())


@pytest.mark.parametrize(("options", "written"), [
    (("--severity", "SEV2"), "required: true"),
    (("--severity", "SEV3"), "required: false"),
    (("--severity", "SEV2", "--mode", "drill"), "required: false"),  # drills: only if asked
    ((), "required: false"),                                          # SEV? until assessed
])
def test_new_incident_writes_the_policys_answer(ledger: GitLedger, capsys: pytest.CaptureFixture[str],
                                                options: tuple[str, ...], written: str) -> None:
    text = _new_incident(capsys, ledger, *options)
    assert f"postmortem:\n  {written} " in text
    assert main(["validate"]) == 0


@pytest.fixture
def waived(keyed: GitLedger) -> str:
    """INC-2026-0002 (SEV2) saying `required: false`, its postmortem approved: ready to close."""
    keyed.edit(INC2, "  required: true\n  status: draft", "  required: false\n  status: approved")
    return keyed.commit("INC-2026-0002: postmortem approved", who="dave")


def test_sev2_closes_with_the_commanders_close_sign_off(
        keyed: GitLedger, keys: dict[str, Path], waived: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sign", "INC-2026-0002", "--role", "incident_commander", "--as", "dave",
                 "--key", str(keys["dave"]), "--gate", "close", "--at", NOW]) == 0
    assert main(["status", "INC-2026-0002", "closed", "--as", "dave", "--now", NOW]) == 0
    keyed.commit("INC-2026-0002 closed", who="dave")
    code, out = run_check(capsys, waived)
    assert code == 0, out


def test_required_false_does_not_waive_the_close_gate(keyed: GitLedger, waived: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = keyed.read(INC2)
    assert main(["status", "INC-2026-0002", "closed", "--as", "dave", "--now", NOW]) == 1
    assert "closing (postmortem approval): missing sign-off: incident_commander" in \
        capsys.readouterr().err
    assert keyed.read(INC2) == before  # refused: nothing written
    keyed.edit(INC2, "status: resolved", "status: closed")
    keyed.edit(INC2, "  resolved_at: 2026-10-14T15:05:00-04:00\n",
               "  resolved_at: 2026-10-14T15:05:00-04:00\n  closed_at: 2026-11-20T10:00:00Z\n")
    keyed.commit("close by hand", who="mallory")
    code, out = run_check(capsys, waived)
    assert code == 1
    assert "error OL303: INC-2026-0002: closing (postmortem approval): missing sign-off: " \
        "incident_commander" in out


def test_required_false_does_not_waive_the_approved_postmortem(
        keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(INC2, "  required: true\n  status: draft", "  required: false\n  status: draft")
    keyed.edit(INC2, "status: resolved", "status: closed")
    keyed.edit(INC2, "  resolved_at: 2026-10-14T15:05:00-04:00\n",
               "  resolved_at: 2026-10-14T15:05:00-04:00\n  closed_at: 2026-11-20T10:00:00Z\n")
    assert main(["validate"]) == 1
    assert f"{INC2}:40:11: error OL103: postmortem.status: a closed incident needs its " \
        "postmortem approved (the policy requires a postmortem for SEV2)" in \
        capsys.readouterr().out


def test_due_lists_an_overdue_sev2_postmortem_whatever_the_record_says(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INC2, "  required: true", "  required: false")
    assert main(["due", "--now", NOW]) == 1
    assert "INC-2026-0002: postmortem overdue since 2026-10-24 (status draft)" in \
        capsys.readouterr().out


def test_a_record_may_ask_for_a_postmortem_the_policy_does_not(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--now", NOW]) == 1
    assert "INC-2026-0003: postmortem" not in capsys.readouterr().out
    ledger.edit(INC3, "  required: false\n  status: not_started",
                "  required: true\n  status: not_started\n  due: 2026-11-26")
    assert main(["due", "--now", NOW]) == 1
    assert "INC-2026-0003: postmortem overdue since 2026-11-26 (status not_started)" in \
        capsys.readouterr().out


@pytest.fixture(scope="module")
def site() -> Site:
    tree = WorkTree(REPO)
    policy = load_trust(tree).policy
    assert policy is not None
    return Site(scan(tree), policy, datetime.fromisoformat(NOW), catalog("en"))


def test_board_lanes_count_the_sample_items_by_status(site: Site) -> None:
    statuses = Counter(item["status"] for record in site.records("incident")
                       for item in record.data.get("action_items") or [])
    lanes = {lane.key: len(lane.items) for lane in indexes.board(site).lanes}
    assert lanes == {"open": 2, "in_progress": 1, "done": 5, "wont_do": 0}
    assert lanes == {key: statuses.get(key, 0) for key in lanes}


def test_board_pages_and_due_share_one_overdue_rule(
        site: Site, ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--now", NOW]) == 1
    lines = capsys.readouterr().out.splitlines()
    due_items = {tuple(line.split(":")[0].split()) for line in lines if "action item" in line}
    board = {(item.incident, item.id) for lane in indexes.board(site).lanes
             for item in lane.items if item.overdue}
    assert board == due_items == {("INC-2026-0001", "AI-2"), ("INC-2026-0001", "AI-4"),
                                  ("INC-2026-0002", "AI-1")}
    due_postmortems = {line.split(":")[0] for line in lines if "postmortem overdue" in line}
    page = {row.incident.id for row in indexes.postmortems(site).rows if row.overdue}
    assert page == due_postmortems == {"INC-2026-0002"}

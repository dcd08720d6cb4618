"""The merge gate against a contributor who wants a green check without the sign-offs.
Each rule is a pair from one base commit: the legal move passes, the attack fails with one
line naming the record and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NOW, GitLedger, run_check

from opsledger.cli import main

REL4 = "releases/REL-2026-0004"  # medium + data migration: dev_lead, qa, dba; requester alice
INC2 = "incidents/INC-2026-0002"  # SEV2 resolved
INC3 = "incidents/INC-2026-0003"  # SEV3 investigating, real
INC4 = "incidents/INC-2026-0004"  # SEV? in triage


def sign(keys: dict[str, Path], record: str, role: str, person: str, *extra: str) -> None:
    assert main(["sign", record, "--role", role, "--as", person, "--key", str(keys[person]),
                 "--at", NOW, *extra]) == 0


@pytest.fixture
def submitted(keyed: GitLedger) -> GitLedger:
    keyed.edit(f"{REL4}/release.yaml", "status: approved", "status: submitted")
    keyed.commit("REL-2026-0004 back to submitted", who="alice")
    return keyed


def _approve(ledger: GitLedger, who: str = "bob") -> None:
    ledger.edit(f"{REL4}/release.yaml", "status: submitted", "status: approved")
    ledger.commit("approve", who=who)


def _fork(ledger: GitLedger, base: str, name: str) -> None:
    ledger.git("checkout", "-q", "-b", name, base)


# 1. A replaced decision brought back under a higher number ------------------------------

@pytest.fixture
def revoked(submitted: GitLedger, keys: dict[str, Path]) -> str:
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    sign(keys, "REL-2026-0004", "qa", "carol", "--decision", "revoke")
    return submitted.commit("signed, then carol withdrew", who="carol")


def test_carol_approving_again_passes(submitted: GitLedger, keys: dict[str, Path],
                                      revoked: str, capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "REL-2026-0004", "qa", "carol")
    _approve(submitted)
    code, out = run_check(capsys, revoked)
    assert code == 0, out


def test_copied_first_decision_counts_for_nothing(submitted: GitLedger, revoked: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    signoffs = submitted.path(f"{REL4}/signoffs")
    shutil.copy(signoffs / "qa--carol.yaml", signoffs / "qa--carol--3.yaml")
    _approve(submitted, who="mallory")
    code, out = run_check(capsys, revoked)
    assert code == 1
    assert (f"{REL4}/signoffs/qa--carol--3.yaml:1:9: error OL150: sign-off its record/role/by/"
            "seq must be REL-2026-0004/qa/carol/3, as its file name says") in out
    assert "error OL303: REL-2026-0004: approval: missing sign-off: qa" in out


# 1b. A sign-off for one gate never fills another -----------------------------------------

@pytest.fixture
def in_triage(keyed: GitLedger) -> str:
    return keyed.git("rev-parse", "HEAD")


def _decline(ledger: GitLedger) -> None:
    ledger.edit(f"{INC4}/incident.yaml", "status: triage", "status: declined")
    ledger.commit("decline", who="ivan")


def test_commanders_decline_sign_off_declines(keyed: GitLedger, keys: dict[str, Path],
                                              in_triage: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "INC-2026-0004", "incident_commander", "judy", "--gate", "decline")
    _decline(keyed)
    code, out = run_check(capsys, in_triage)
    assert code == 0, out


def test_sign_off_for_another_gate_does_not_decline(keyed: GitLedger, keys: dict[str, Path],
                                                    in_triage: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "INC-2026-0004", "incident_commander", "judy", "--gate", "reopen")
    _decline(keyed)
    code, out = run_check(capsys, in_triage)
    assert code == 1
    assert "error OL303: INC-2026-0004: declining: missing sign-off: incident_commander" in out


# 2. A new record created past its gates --------------------------------------------------

def _add_copy_of_rel4(ledger: GitLedger, status: str) -> None:
    text = ledger.read(f"{REL4}/release.yaml").replace("REL-2026-0004", "REL-2026-0011")
    ledger.write("releases/REL-2026-0011/release.yaml",
                 text.replace("status: approved", f"status: {status}"))


def test_new_release_with_its_sign_offs_may_start_approved(
        keyed: GitLedger, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _add_copy_of_rel4(keyed, "approved")
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0011", role, person)
    keyed.commit("REL-2026-0011, approved", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_new_release_created_approved_without_sign_offs_fails(
        keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _add_copy_of_rel4(keyed, "approved")
    keyed.commit("REL-2026-0011, approved", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "error OL303: REL-2026-0011: approval: missing sign-off: dev_lead" in out
    assert main(["gate", "--system", "orders-db", "--version", "2026.12.1", "--now",
                 "2026-12-08T02:30:00+00:00"]) == 1
    assert "REL-2026-0011 lacks valid sign-offs" in capsys.readouterr().out


def test_new_release_in_a_state_it_cannot_reach_fails(
        keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _add_copy_of_rel4(keyed, "limbo")
    keyed.commit("REL-2026-0011", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "REL-2026-0011" in out and "OL201" in out


# 3. A real incident turned into a drill --------------------------------------------------

def test_incident_summary_may_change(keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    keyed.edit(f"{INC3}/incident.yaml", "mode: real", "mode: real  # checked")
    keyed.commit("comment", who="bob")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_real_incident_cannot_become_a_drill(keyed: GitLedger,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    keyed.edit(f"{INC3}/incident.yaml", "mode: real", "mode: drill")
    keyed.commit("it was only a drill", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert (f"{INC3}/incident.yaml:6:7: error OL213: INC-2026-0003: mode changed from real to "
            "drill; mode never changes after an incident is declared") in out


# 4. A downgrade through SEV? -------------------------------------------------------------

@pytest.fixture
def assessed(keyed: GitLedger) -> str:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV?", "severity: SEV1")
    return keyed.commit("assessed: SEV1", who="ivan")


def test_downgrade_with_the_commanders_sign_off(keyed: GitLedger, keys: dict[str, Path],
                                                assessed: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV2")
    sign(keys, "INC-2026-0004", "incident_commander", "judy", "--gate", "downgrade")
    keyed.commit("SEV2", who="judy")
    code, out = run_check(capsys, assessed)
    assert code == 0, out


def test_severity_never_goes_back_to_unknown(keyed: GitLedger, assessed: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV?")
    keyed.commit("not sure any more", who="mallory")
    code, out = run_check(capsys, assessed)
    assert code == 1
    assert "error OL214: INC-2026-0004: severity SEV1 set back to SEV?" in out


def test_downgrade_without_sign_off_fails(keyed: GitLedger, assessed: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV4")
    keyed.commit("SEV4", who="mallory")
    code, out = run_check(capsys, assessed)
    assert code == 1
    assert "OL303: INC-2026-0004: downgrading severity: missing sign-off: incident_commander" \
        in out


# 5. A revoke after approval stops implementation -----------------------------------------

IN_WINDOW = "2026-12-08T02:30:00+00:00"


@pytest.fixture
def approved_then_revoked(submitted: GitLedger, keys: dict[str, Path]) -> str:
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    _approve(submitted)
    sign(keys, "REL-2026-0004", "qa", "carol", "--decision", "revoke")
    return submitted.commit("carol withdraws", who="carol")


def _implement(ledger: GitLedger, who: str) -> None:
    assert main(["status", "REL-2026-0004", "implementing", "--as", "dave", "--now",
                 IN_WINDOW]) == 0
    ledger.commit("implementing", who=who)


def test_implementation_with_the_approval_still_held(
        submitted: GitLedger, keys: dict[str, Path], approved_then_revoked: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "REL-2026-0004", "qa", "erin")
    _implement(submitted, "dave")
    code, out = run_check(capsys, approved_then_revoked, "--now", IN_WINDOW)
    assert code == 0, out


def test_implementation_after_a_revoke_fails(submitted: GitLedger, approved_then_revoked: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = submitted.read(f"{REL4}/release.yaml")
    assert main(["status", "REL-2026-0004", "implementing", "--as", "dave", "--now",
                 IN_WINDOW]) == 1  # `status` gives the check's verdict and writes nothing
    assert "missing sign-off: qa (eligible: carol, erin)" in capsys.readouterr().err
    assert submitted.read(f"{REL4}/release.yaml") == before
    submitted.edit(f"{REL4}/release.yaml", "status: approved",
                   f"status: implementing\nexecution:\n  started_at: {IN_WINDOW}")
    submitted.commit("implementing, by hand", who="dave")
    code, out = run_check(capsys, approved_then_revoked, "--now", IN_WINDOW)
    assert code == 1
    assert "OL303: REL-2026-0004: approval (still held when implementation starts): missing " \
           "sign-off: qa" in out
    assert main(["gate", "--system", "orders-db", "--version", "2026.12.1", "--now",
                 IN_WINDOW]) == 1


# 5b. Implementation starts when the check sees it, not when the record says --------------

AFTER_WINDOW = "2026-12-09T02:30:00+00:00"


@pytest.fixture
def approved(submitted: GitLedger, keys: dict[str, Path]) -> str:
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    _approve(submitted)
    return submitted.git("rev-parse", "HEAD")


def _start_by_hand(ledger: GitLedger) -> None:
    ledger.edit(f"{REL4}/release.yaml", "status: approved",
                f"status: implementing\nexecution:\n  started_at: {IN_WINDOW}")
    ledger.commit("implementing", who="dave")


def test_implementation_started_inside_its_window(submitted: GitLedger, approved: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _start_by_hand(submitted)
    code, out = run_check(capsys, approved, "--now", IN_WINDOW)
    assert code == 0, out


def test_a_backdated_start_does_not_move_the_start_into_the_window(
        submitted: GitLedger, approved: str, capsys: pytest.CaptureFixture[str]) -> None:
    _start_by_hand(submitted)  # claims the window's time, a day after the window closed
    code, out = run_check(capsys, approved, "--now", AFTER_WINDOW)
    assert code == 1
    assert f"OL209: REL-2026-0004: implementation started at {AFTER_WINDOW}, outside the " \
           "window" in out


# 6. Terminal side exits need their gate --------------------------------------------------

def _to(ledger: GitLedger, path: str, old: str, new: str, who: str) -> None:
    ledger.edit(path, f"status: {old}", f"status: {new}")
    ledger.commit(new, who=who)


def test_reject_by_a_required_role(submitted: GitLedger, keys: dict[str, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    sign(keys, "REL-2026-0004", "qa", "carol", "--decision", "reject")
    _to(submitted, f"{REL4}/release.yaml", "submitted", "rejected", "carol")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_reject_without_a_reject_fails(submitted: GitLedger,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    _to(submitted, f"{REL4}/release.yaml", "submitted", "rejected", "mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: REL-2026-0004: rejection: needs a signed reject (gate approval) by one of:" \
        in out


def test_requester_cancels_with_a_signed_cancel(submitted: GitLedger, keys: dict[str, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    sign(keys, "REL-2026-0004", "dev_lead", "alice", "--decision", "cancel")
    _to(submitted, f"{REL4}/release.yaml", "submitted", "cancelled", "alice")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_cancel_without_a_signed_cancel_fails(submitted: GitLedger,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    _to(submitted, f"{REL4}/release.yaml", "submitted", "cancelled", "mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: REL-2026-0004: cancellation: needs a signed cancel (gate cancel)" in out


REL5 = "releases/REL-2026-0005"  # critical, submitted; judy requested it and holds none of its roles


def test_the_requester_cancels_as_requester(keyed: GitLedger, keys: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    sign(keys, "REL-2026-0005", "requester", "judy", "--decision", "cancel")
    assert (keyed.root / REL5 / "signoffs" / "requester--judy.yaml").is_file()
    _to(keyed, f"{REL5}/release.yaml", "submitted", "cancelled", "judy")
    code, out = run_check(capsys, base)
    assert code == 0, out
    assert main(["validate"]) == 0, capsys.readouterr().out


def test_no_one_else_signs_as_the_requester(keyed: GitLedger, keys: dict[str, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    # `sign` refuses it outright, and a requester signs only a cancel
    assert main(["sign", "REL-2026-0005", "--role", "requester", "--as", "bob", "--key",
                 str(keys["bob"]), "--decision", "cancel", "--at", NOW]) == 1
    assert "refused: only the requester of a release signs as requester (REL-2026-0005's " \
           "requested_by is judy)" in capsys.readouterr().err
    assert main(["sign", "REL-2026-0005", "--role", "requester", "--as", "judy", "--key",
                 str(keys["judy"]), "--at", NOW]) == 1
    assert "refused: a requester signs as requester only a cancel for gate cancel" in \
        capsys.readouterr().err
    # the same file made by bob while the working copy named him the requester
    keyed.edit(f"{REL5}/release.yaml", "requested_by: judy", "requested_by: bob")
    sign(keys, "REL-2026-0005", "requester", "bob", "--decision", "cancel")
    keyed.git("checkout", f"{REL5}/release.yaml")
    _to(keyed, f"{REL5}/release.yaml", "submitted", "cancelled", "bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert f"{REL5}/signoffs/requester--bob.yaml:3:5: error OL151: only the requester of a " \
           "release signs as requester (REL-2026-0005's requested_by is judy); this sign-off " \
           "counts for nothing" in out
    assert "OL303: REL-2026-0005: cancellation: needs a signed cancel (gate cancel)" in out


def test_no_policy_role_is_named_requester(keyed: GitLedger,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # a role of that name would let its holders sign as any release's requester
    keyed.edit("opsledger.yaml", "  admin: [dave, heidi]",
               "  admin: [dave, heidi]\n  requester: [bob]")
    assert main(["validate"]) == 1
    assert "opsledger.yaml:19:3: error OL101: roles: 'requester' cannot be used here: Any role " \
           "name but requester: that one is a release's requested_by signing their own " \
           "cancel." in capsys.readouterr().out


def test_the_requester_named_in_the_pull_request_cannot_cancel(
        keyed: GitLedger, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    # the cancel gate reads the requester from the base: a PR cannot name a new one and
    # cancel as them (the file itself matches the record as the head has it)
    base = keyed.git("rev-parse", "HEAD")
    keyed.edit(f"{REL5}/release.yaml", "requested_by: judy", "requested_by: bob")
    sign(keys, "REL-2026-0005", "requester", "bob", "--decision", "cancel")
    _to(keyed, f"{REL5}/release.yaml", "submitted", "cancelled", "bob")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: REL-2026-0005: cancellation: needs a signed cancel (gate cancel)" in out
    assert "judy" in out


def test_incident_cancel_without_the_gate_fails(keyed: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _to(keyed, f"{INC3}/incident.yaml", "investigating", "cancelled", "mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: INC-2026-0003: cancelling: missing sign-off: incident_commander" in out


# 8. check passes nothing validate rejects ------------------------------------------------

def _link(ledger: GitLedger, both_ways: bool) -> None:
    ledger.edit("releases/REL-2026-0006/release.yaml", "status: draft",
                "status: draft\nrelated_incidents: [INC-2026-0003]")
    if both_ways:
        ledger.edit(f"{INC3}/incident.yaml", "status: investigating",
                    "status: investigating\nrelated_releases: [REL-2026-0006]")
    ledger.commit("link", who="bob")


def test_link_both_ways_passes(keyed: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _link(keyed, both_ways=True)
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_one_sided_link_fails_as_validate_would(keyed: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _link(keyed, both_ways=False)
    code, out = run_check(capsys, base)
    assert code == 1
    assert "error OL125: related_incidents.0: INC-2026-0003 does not list REL-2026-0006" in out
    assert main(["validate"]) == 1


# Refusals that explain themselves --------------------------------------------------------

def test_requesters_own_approval_is_named(submitted: GitLedger, keys: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    assert main(["sign", "REL-2026-0004", "--role", "dev_lead", "--as", "alice", "--key",
                 str(keys["alice"]), "--at", NOW]) == 1
    assert ("refused: alice's approval of REL-2026-0004 cannot count: they are the requester"
            in capsys.readouterr().err)
    # alice signs anyway, with the rule relaxed in her working copy only
    policy = submitted.read("opsledger.yaml")
    submitted.edit("opsledger.yaml", "requester_may_approve: false", "requester_may_approve: true")
    for role, person in (("dev_lead", "alice"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0004", role, person)
    submitted.write("opsledger.yaml", policy)
    _approve(submitted, who="alice")
    code, out = run_check(capsys, base)
    assert code == 1
    assert ("error OL305: REL-2026-0004: approval: alice's sign-off as dev_lead cannot count: "
            "they are the requester (constraints.requester_may_approve is false)") in out
    assert "OL303: REL-2026-0004: approval: missing sign-off: dev_lead (eligible: bob)" in out


def test_evidence_the_policy_does_not_accept(submitted: GitLedger, keys: dict[str, Path],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sign(keys, "REL-2026-0004", "qa", "carol")
    assert main(["validate"]) == 0
    submitted.edit("opsledger.yaml", "signoff_evidence: [signature, review]",
                   "signoff_evidence: [review]")
    capsys.readouterr()
    assert main(["validate"]) == 1
    assert (f"{REL4}/signoffs/qa--carol.yaml:9:12: error OL307: sign-off cannot count: signature "
            "evidence is not accepted by the policy (signoff_evidence: review)") in \
        capsys.readouterr().out


def test_sign_refuses_what_could_not_count(submitted: GitLedger, keys: dict[str, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # REL-2026-0004 (medium, data migration) needs dev_lead, qa and dba, not security
    assert main(["sign", "REL-2026-0004", "--role", "security", "--as", "frank", "--key",
                 str(keys["frank"]), "--at", NOW]) == 1
    assert ("refused: REL-2026-0004 does not need security for gate approval (it needs: dba, "
            "dev_lead, qa)") in capsys.readouterr().err
    # grace holds cab and dba; a second role of hers is signed, with a warning why it may not count
    submitted.edit("opsledger.yaml", "  qa: [carol, erin]", "  qa: [carol, erin, grace]")
    submitted.commit("grace joins qa", who="heidi")
    sign(keys, "REL-2026-0004", "dba", "grace")
    capsys.readouterr()
    sign(keys, "REL-2026-0004", "qa", "grace")
    assert ("warning: grace already fills dba for gate approval and approvers must be distinct: "
            "this counts only if someone else fills dba") in capsys.readouterr().err
    assert not list(submitted.root.glob(f"{REL4}/signoffs/security--*"))


def test_requirements_no_one_can_fill_are_named(ledger: GitLedger,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # REL-2026-0005: heidi executes, so cab x2 must come from grace, frank and ivan, while
    # grace is the only dba and frank the only security approver
    assert main(["show", "REL-2026-0005"]) == 0
    assert "cannot be met: no set of distinct people the policy has can fill these slots" in \
        capsys.readouterr().out
    assert main(["show", "REL-2026-0004"]) == 0
    assert "cannot be met" not in capsys.readouterr().out
    ledger.edit("opsledger.yaml", "  cab: [grace, heidi, frank, ivan]", "  cab: [grace, heidi, frank]")
    assert main(["validate"]) == 1
    assert ("error OL160: releases.required_signoffs: risk critical with rule 'data migrations "
            "need a database administrator' needs dev_lead, qa, ops, security, cab x2, dba, and "
            "no set of distinct people in roles can fill it") in capsys.readouterr().out


# Attacks found by review --------------------------------------------------------------

def test_no_one_becomes_the_requester_to_cancel(submitted: GitLedger, keys: dict[str, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = submitted.git("rev-parse", "HEAD")
    # ivan holds service_owner, which REL-2026-0004 does not need; alice requested it
    submitted.edit(f"{REL4}/release.yaml", "requested_by: alice", "requested_by: ivan")
    submitted.edit("opsledger.yaml", "requester_may_approve: false", "requester_may_approve: true")
    assert main(["sign", "REL-2026-0004", "--role", "service_owner", "--as", "ivan", "--key",
                 str(keys["ivan"]), "--decision", "cancel", "--at", NOW]) == 0
    submitted.git("checkout", "opsledger.yaml")
    _to(submitted, f"{REL4}/release.yaml", "submitted", "cancelled", "ivan")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: REL-2026-0004: cancellation: needs a signed cancel (gate cancel) by one of:" \
        in out and "alice" in out


def _add_finished_copy(ledger: GitLedger, keys: dict[str, Path], started: str) -> None:
    _add_copy_of_rel4(ledger, "approved")
    for role, person in (("dev_lead", "bob"), ("dba", "grace"), ("qa", "carol")):
        sign(keys, "REL-2026-0011", role, person)
    ledger.edit("releases/REL-2026-0011/release.yaml", "status: approved",
                f"status: succeeded\nexecution:\n  started_at: {started}\n"
                f"  finished_at: {started.replace(':30:', ':50:')}\n  result: succeeded")
    ledger.commit("REL-2026-0011, already shipped", who="bob")


def test_new_release_added_as_shipped_inside_its_window(keyed: GitLedger, keys: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _add_finished_copy(keyed, keys, "2026-12-08T02:30:00+00:00")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_new_release_added_as_shipped_in_a_freeze_fails(keyed: GitLedger, keys: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    _add_finished_copy(keyed, keys, "2026-12-20T02:30:00+00:00")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL209: REL-2026-0011: implementation started at 2026-12-20T02:30:00+00:00, " \
           "outside the window" in out
    assert "OL210: REL-2026-0011: implementation started inside the freeze window 'year-end'" \
        in out


@pytest.fixture
def downgraded_then_raised(keyed: GitLedger, keys: dict[str, Path], assessed: str) -> str:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV2")
    sign(keys, "INC-2026-0004", "incident_commander", "judy", "--gate", "downgrade")
    keyed.commit("SEV2, with the commander's sign-off", who="judy")
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV2", "severity: SEV1")
    return keyed.commit("worse again: SEV1", who="ivan")


def test_a_second_downgrade_with_a_new_sign_off(keyed: GitLedger, keys: dict[str, Path],
                                                downgraded_then_raised: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV2")
    sign(keys, "INC-2026-0004", "incident_commander", "judy", "--gate", "downgrade")
    keyed.commit("SEV2 again", who="judy")
    code, out = run_check(capsys, downgraded_then_raised)
    assert code == 0, out


def test_a_downgrade_sign_off_is_not_used_twice(keyed: GitLedger, downgraded_then_raised: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    keyed.edit(f"{INC4}/incident.yaml", "severity: SEV1", "severity: SEV2")
    keyed.commit("SEV2 again, on the old sign-off", who="mallory")
    code, out = run_check(capsys, downgraded_then_raised)
    assert code == 1
    assert "OL303: INC-2026-0004: downgrading severity: missing sign-off: incident_commander" \
        in out


def _ask_for_postmortem(ledger: GitLedger) -> str:
    ledger.edit(f"{INC3}/incident.yaml", "required: false", "required: true")
    return ledger.commit("SEV3, but we want a postmortem", who="judy")


def test_an_owed_postmortem_may_progress(keyed: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    base = _ask_for_postmortem(keyed)
    keyed.edit(f"{INC3}/incident.yaml", "status: not_started", "status: draft")
    keyed.commit("postmortem drafted", who="judy")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_an_owed_postmortem_cannot_be_withdrawn(keyed: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = _ask_for_postmortem(keyed)
    keyed.edit(f"{INC3}/incident.yaml", "required: true", "required: false")
    keyed.commit("never mind", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "error OL216: INC-2026-0003: postmortem.required was true and is withdrawn" in out


# A revoke merged on main after the branch left it: what lands is the merge --------------

def _implement_on_a_branch(ledger: GitLedger, base: str) -> None:
    _fork(ledger, base, "implement")
    _implement(ledger, "dave")
    ledger.git("checkout", "-q", "main")


def test_implementation_branch_with_main_unchanged_passes(
        submitted: GitLedger, approved: str, capsys: pytest.CaptureFixture[str]) -> None:
    _implement_on_a_branch(submitted, approved)
    submitted.git("checkout", "-q", "implement")
    code, out = run_check(capsys, "main", "--now", IN_WINDOW)
    assert code == 0, out


def test_revoke_merged_after_the_fork_stops_the_branch(
        submitted: GitLedger, keys: dict[str, Path], approved: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    _implement_on_a_branch(submitted, approved)
    sign(keys, "REL-2026-0004", "qa", "carol", "--decision", "revoke")
    submitted.commit("carol withdraws, on main", who="carol")
    submitted.git("checkout", "-q", "implement")  # the branch never saw the revoke
    code, out = run_check(capsys, "main", "--now", IN_WINDOW)
    assert code == 1
    assert "OL303: REL-2026-0004: approval (still held when implementation starts): missing " \
           "sign-off: qa" in out
    assert "(merged into " in out


# A reopen sign-off counts for the reopen it comes with, never for a later one -------------

REOPEN_AT = "2026-11-27T10:00:00+00:00"


def _reopen(keys: dict[str, Path], *, sign_too: bool) -> int:
    if sign_too:
        sign(keys, "INC-2026-0002", "incident_commander", "dave", "--gate", "reopen")
    return main(["status", "INC-2026-0002", "investigating", "--as", "dave", "--note",
                 "Login latency is back.", "--now", REOPEN_AT])


@pytest.fixture
def reopened_once(keyed: GitLedger, keys: dict[str, Path]) -> str:
    base = keyed.git("rev-parse", "HEAD")
    assert _reopen(keys, sign_too=True) == 0
    keyed.commit("reopen INC-2026-0002", who="dave")
    assert main(["status", "INC-2026-0002", "resolved", "--as", "dave", "--note", "fixed again",
                 "--now", "2026-11-27T11:00:00+00:00"]) == 0
    keyed.commit("resolved again", who="dave")
    return base


def test_reopen_with_its_own_signoff_passes(keyed: GitLedger, keys: dict[str, Path],
                                            reopened_once: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_check(capsys, reopened_once)
    assert code == 0, out
    base = keyed.git("rev-parse", "HEAD")
    sign(keys, "INC-2026-0002", "incident_commander", "dave", "--gate", "reopen")
    assert main(["status", "INC-2026-0002", "investigating", "--as", "dave", "--note",
                 "And again.", "--now", "2026-11-27T12:00:00+00:00"]) == 0
    keyed.commit("second reopen, signed", who="dave")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_a_merged_reopen_signoff_does_not_reopen_again(
        keyed: GitLedger, reopened_once: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = keyed.git("rev-parse", "HEAD")
    keyed.edit(f"{INC2}/incident.yaml", "status: resolved", "status: investigating")
    keyed.write(f"{INC2}/incident.yaml", keyed.read(f"{INC2}/incident.yaml").rstrip("\n") + "\n")
    text = keyed.read(f"{INC2}/incident.yaml")
    assert "type: reopen" in text
    # mallory reopens by hand, with a reason, relying on dave's earlier sign-off
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("timeline:"))
    end = at + 1
    while end < len(lines) and lines[end].startswith(("  ", "- ")):
        end += 1
    lines.insert(end, "  - {at: 2026-11-27T12:00:00+00:00, type: reopen, text: again., "
                      "by: mallory}\n")
    keyed.write(f"{INC2}/incident.yaml", "".join(lines))
    keyed.commit("reopen again", who="mallory")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "OL303: INC-2026-0002: reopening: missing sign-off: incident_commander" in out

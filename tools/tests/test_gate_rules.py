"""The merge gate's rules called directly on small in-memory records and the sample policy:
which edges exist, which gate each edge needs, which slots a record must fill, what each
sign-off proves and which problem each invariant reports. Fast, so that every rule is pinned
by an exact expectation written here from the design (not read back from the code)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

from opsledger import lifecycle
from opsledger.digest import digest
from opsledger.ids import SignoffName
from opsledger.ledger import Record, Signoff
from opsledger.loader import load
from opsledger.policy import Policy, Slot
from opsledger.requirements import (
    Gate,
    approval_gate,
    close_gate,
    default_gate,
    gate_for,
    named_gate,
    possible_slot_sets,
    release_slots,
    requester_refusal,
)
from opsledger.signoffs import (
    State,
    Verdict,
    Verifier,
    check_record_signoffs,
    judge,
    judge_all,
    latest,
    named_role,
    payload,
)
from opsledger.transitions import (
    Change,
    check_change,
    deleted,
    edge_problems,
    gate_evaluations,
    walk,
)

CLOCK = datetime(2026, 11, 27, 12, tzinfo=UTC)


def policy_with(**changes: Any) -> Policy:
    """The sample policy, with top-level sections replaced."""
    data = load("opsledger.yaml", (REPO / "opsledger.yaml").read_bytes()).data
    data.update(changes)
    return Policy(load("opsledger.yaml", yaml.safe_dump(data, sort_keys=False).encode()))


POLICY = policy_with()


def release(**fields: Any) -> Record:
    data: dict[str, Any] = {"id": "REL-2031-0001", "status": "submitted", "risk": "low",
                            "change_type": "normal", "system": "search",
                            "requested_by": "alice", "impact": {"data_migration": False}}
    data.update(fields)
    return record("release", data)


def incident(**fields: Any) -> Record:
    data: dict[str, Any] = {"id": "INC-2031-0001", "status": "investigating", "mode": "real",
                            "severity": "SEV3"}
    data.update(fields)
    return record("incident", data)


def record(kind: lifecycle.Kind, data: dict[str, Any]) -> Record:
    folder = {"release": "releases", "incident": "incidents"}[kind]
    path = f"{folder}/{data['id']}/{kind}.yaml"
    return Record(kind, data["id"], path, load(path, yaml.safe_dump(data, sort_keys=False).encode()))


# lifecycle ---------------------------------------------------------------------------------

def test_next_states_of_each_lifecycle() -> None:
    assert lifecycle.next_states("release", "draft") == ("submitted", "cancelled")
    assert lifecycle.next_states("release", "draft", emergency=True) == \
        ("submitted", "cancelled", "implementing")
    assert lifecycle.next_states("release", "approved", emergency=True) == \
        ("implementing", "submitted", "rejected", "cancelled")
    assert lifecycle.next_states("incident", "mitigated") == ("resolved", "investigating")
    assert lifecycle.next_states("incident", "mitigated", emergency=True) == \
        ("resolved", "investigating")
    assert lifecycle.next_states("release", "closed") == ()
    assert lifecycle.next_states("incident", "no-such-state") == ()


def test_an_edge_is_allowed_and_reopens_only_as_the_tables_say() -> None:
    assert lifecycle.Edge("release", "submitted", "implementing", emergency=True).allowed
    assert not lifecycle.Edge("release", "submitted", "implementing").allowed
    assert lifecycle.Edge("incident", "resolved", "investigating").reopen
    assert lifecycle.Edge("incident", "mitigated", "investigating").reopen
    assert not lifecycle.Edge("incident", "triage", "investigating").reopen
    # The same pair of names on a release is no reopen (a release has no such edge).
    assert not lifecycle.Edge("release", "mitigated", "investigating").reopen


def test_initial_states() -> None:
    assert lifecycle.initial("release") == "draft"
    assert lifecycle.initial("incident") == "triage"


@pytest.mark.parametrize(("kind", "state", "emergency", "walk"), [
    ("release", "draft", False, []),
    ("release", "approved", False, [("draft", "submitted"), ("submitted", "approved")]),
    ("release", "implementing", False, [("draft", "submitted"), ("submitted", "approved"),
                                        ("approved", "implementing")]),
    ("release", "implementing", True, [("draft", "implementing")]),
    ("release", "closed", True, [("draft", "implementing"), ("implementing", "succeeded"),
                                 ("succeeded", "closed")]),
    ("release", "cancelled", False, [("draft", "cancelled")]),
    ("incident", "triage", False, []),
    ("incident", "closed", False, [("triage", "resolved"), ("resolved", "closed")]),
    ("incident", "postmortem", False, [("triage", "resolved"), ("resolved", "postmortem")]),
])
def test_path_to_is_the_shortest_walk(kind: lifecycle.Kind, state: str, emergency: bool,
                                      walk: list[tuple[str, str]]) -> None:
    assert lifecycle.path_to(kind, state, emergency) == walk


def test_path_to_walks_the_normal_lifecycle_unless_told() -> None:
    assert lifecycle.path_to("release", "implementing") == [
        ("draft", "submitted"), ("submitted", "approved"), ("approved", "implementing")]


def test_path_to_a_state_out_of_reach() -> None:
    assert lifecycle.path_to("release", "resolved") is None
    assert lifecycle.path_to("incident", "approved") is None


def test_states_in_table_order() -> None:
    assert lifecycle.states("release") == [
        "draft", "submitted", "approved", "implementing", "succeeded", "failed", "rolled_back",
        "cancelled", "rejected", "closed"]
    assert lifecycle.states("incident") == [
        "triage", "investigating", "identified", "mitigated", "resolved", "postmortem",
        "declined", "cancelled", "merged", "closed"]


def test_terminal_states_per_kind() -> None:
    assert lifecycle.terminal("release", "rejected")
    assert not lifecycle.terminal("release", "declined")
    assert lifecycle.terminal("incident", "declined")
    assert not lifecycle.terminal("incident", "rejected")


@pytest.mark.parametrize(("old", "new", "lower"), [
    ("SEV2", "SEV3", True), ("SEV1", "SEV4", True), ("SEV3", "SEV2", False),
    ("SEV2", "SEV2", False), ("SEV?", "SEV3", False), ("SEV2", "SEV?", False),
    (None, "SEV4", False), ("SEV1", None, False),
])
def test_downgraded(old: object, new: object, lower: bool) -> None:
    assert lifecycle.downgraded(old, new) is lower


# requirements: slots -------------------------------------------------------------------------

def test_release_slots_by_risk_and_rules() -> None:
    assert release_slots(release(risk="low"), POLICY) == [Slot("dev_lead")]
    assert release_slots(release(risk="medium", impact={"data_migration": True}), POLICY) == \
        [Slot("dev_lead"), Slot("qa"), Slot("dba")]
    # `in`: the identity system needs security, already required by high risk: merged once.
    assert release_slots(release(risk="high", system="identity"), POLICY) == \
        [Slot("dev_lead"), Slot("qa"), Slot("ops"), Slot("security")]
    assert release_slots(release(risk="low", system="identity"), POLICY) == \
        [Slot("dev_lead"), Slot("security")]
    # A rule the schema would refuse (no `when`) never applies, and never crashes.
    releases = {**POLICY.data["releases"], "rules": [{"name": "x", "require": [{"role": "qa"}]}]}
    assert release_slots(release(risk="low"), policy_with(releases=releases)) == [Slot("dev_lead")]


def test_a_change_type_of_its_own_replaces_the_risk_levels_slots() -> None:
    releases = {**POLICY.data["releases"], "change_types": {"standard": [{"role": "ops"}]}}
    policy = policy_with(releases=releases)
    assert release_slots(release(risk="medium", change_type="standard"), policy) == [Slot("ops")]
    assert release_slots(release(risk="medium"), policy) == [Slot("dev_lead"), Slot("qa")]


def test_a_rule_adding_a_larger_count_raises_the_slot() -> None:
    releases = dict(POLICY.data["releases"])
    releases["rules"] = [{"name": "two leads for payments", "when": {"field": "system",
                                                                     "equals": "payments-api"},
                          "require": [{"role": "dev_lead", "count": 2}, {"role": "qa"}]}]
    policy = policy_with(releases=releases)
    assert release_slots(release(risk="medium", system="payments-api"), policy) == \
        [Slot("dev_lead", 2), Slot("qa")]
    assert release_slots(release(risk="critical", system="search"), policy)[-1] == \
        Slot("cab", 2)
    # The larger count stands whichever comes first.
    releases["rules"] = [{"name": "one cab member for search", "when": {
        "field": "system", "equals": "search"}, "require": [{"role": "cab"}]}]
    assert release_slots(release(risk="critical", system="search"),
                         policy_with(releases=releases))[-1] == Slot("cab", 2)


def test_possible_slot_sets_name_every_combination() -> None:
    found = dict(possible_slot_sets(POLICY))
    assert list(found)[:4] == [
        "risk low", "risk low with rule 'data migrations need a database administrator'",
        "risk low with rule 'changes to tier-0 identity need security'",
        "risk low with rule 'data migrations need a database administrator', rule "
        "'changes to tier-0 identity need security'"]
    assert len(found) == 4 * 4
    assert found["risk critical with rule 'data migrations need a database administrator'"] == \
        [Slot("dev_lead"), Slot("qa"), Slot("ops"), Slot("security"), Slot("cab", 2),
         Slot("dba")]


# requirements: gates ---------------------------------------------------------------------

FULL_LOW = (Slot("dev_lead"),)


@pytest.mark.parametrize(("old", "new", "emergency", "expected"), [
    ("submitted", "approved", False, Gate("approval", "approval", FULL_LOW)),
    (None, "approved", False, Gate("approval", "approval", FULL_LOW)),
    ("approved", "approved", False, None),
    ("approved", "implementing", False,
     Gate("approval", "approval (still held when implementation starts)", FULL_LOW)),
    ("draft", "implementing", True, Gate("emergency", "emergency start", (Slot("ops_manager"),))),
    ("submitted", "implementing", True,
     Gate("emergency", "emergency start", (Slot("ops_manager"),))),
    ("draft", "implementing", False, None),
    ("implementing", "implementing", True, None),
    ("succeeded", "closed", True,
     Gate("review", "closing an emergency change (retroactive review)", FULL_LOW)),
    ("closed", "closed", True, None),
    ("succeeded", "closed", False, None),
    ("submitted", "rejected", False, Gate("approval", "rejection", FULL_LOW, "reject")),
    ("rejected", "rejected", False, None),
    ("draft", "cancelled", False,
     Gate("cancel", "cancellation", FULL_LOW, "cancel", also=("alice",))),
    ("cancelled", "cancelled", False, None),
    ("draft", "submitted", False, None),
    ("implementing", "succeeded", False, None),
])
def test_release_gates(old: str | None, new: str, emergency: bool,
                       expected: Gate | None) -> None:
    rel = release(change_type="emergency" if emergency else "normal")
    assert gate_for(rel, old, new, POLICY) == expected


def test_a_cancel_without_a_requester_opens_to_no_one_else() -> None:
    gate = gate_for(release(requested_by=None), "draft", "cancelled", POLICY)
    assert gate is not None and gate.also == ()


IC = (Slot("incident_commander"),)


@pytest.mark.parametrize(("old", "new", "fields", "old_severity", "expected"), [
    ("resolved", "closed", {"severity": "SEV2"}, None,
     Gate("close", "closing (postmortem approval)", IC)),
    ("resolved", "closed", {"severity": "SEV3"}, None, None),  # no postmortem owed
    ("closed", "closed", {"severity": "SEV2"}, None, None),
    ("resolved", "investigating", {}, None, Gate("reopen", "reopening", IC)),
    ("mitigated", "investigating", {}, None, Gate("reopen", "reopening", IC)),
    ("triage", "investigating", {}, None, None),
    ("triage", "declined", {}, None, Gate("decline", "declining", IC)),
    ("declined", "declined", {}, None, None),
    ("triage", "cancelled", {}, None, Gate("cancel", "cancelling", IC)),
    ("cancelled", "cancelled", {}, None, None),
    ("triage", "merged", {"duplicate_of": "INC-2026-0001"}, None,
     Gate("merged:INC-2026-0001", "merging into INC-2026-0001", IC)),
    ("merged", "merged", {}, None, None),
    ("investigating", "investigating", {"severity": "SEV3"}, "SEV2",
     Gate("downgrade", "downgrading severity", IC)),
    ("investigating", "investigating", {"severity": "SEV2"}, "SEV3", None),
])
def test_incident_gates(old: str, new: str, fields: dict[str, Any], old_severity: object,
                        expected: Gate | None) -> None:
    assert gate_for(incident(**fields), old, new, POLICY, old_severity) == expected


def test_incident_gates_read_the_policys_slots() -> None:
    incidents = dict(POLICY.data["incidents"])
    incidents["gates"] = {"decline": [{"role": "comms_lead", "count": 2}],
                          "close": [{"role": "comms_lead"}], "reopen": [{"role": "ops"}],
                          "downgrade": [{"role": "tech_support"}]}
    policy = policy_with(incidents=incidents)
    assert gate_for(incident(), "triage", "declined", policy) == \
        Gate("decline", "declining", (Slot("comms_lead", 2),))
    assert gate_for(incident(), "resolved", "investigating", policy) == \
        Gate("reopen", "reopening", (Slot("ops"),))
    assert gate_for(incident(severity="SEV4"), "investigating", "investigating", policy,
                    "SEV3") == Gate("downgrade", "downgrading severity", (Slot("tech_support"),))
    # A gate the policy leaves out still needs the incident commander.
    assert gate_for(incident(), "triage", "cancelled", policy) == \
        Gate("cancel", "cancelling", IC)
    assert close_gate(policy) == Gate("close", "closing (postmortem approval)",
                                      (Slot("comms_lead"),))
    assert close_gate(POLICY) == Gate("close", "closing (postmortem approval)", IC)


def test_approval_and_named_gates() -> None:
    rel = release(risk="medium")
    medium = (Slot("dev_lead"), Slot("qa"))
    assert approval_gate(rel, POLICY) == Gate("approval", "approval", medium)
    assert named_gate(rel, POLICY, "approval") == Gate("approval", "approval", medium)
    assert named_gate(rel, POLICY, "review") == Gate("review", "review", medium)
    assert named_gate(rel, POLICY, "emergency") == \
        Gate("emergency", "emergency", (Slot("ops_manager"),))
    assert named_gate(rel, POLICY, "cancel") == \
        Gate("cancel", "cancel", medium, "cancel", also=("alice",))
    assert named_gate(release(requested_by=""), POLICY, "cancel").also == ()
    assert named_gate(incident(), POLICY, "merged:INC-2026-0001") == \
        Gate("merged:INC-2026-0001", "merged:INC-2026-0001", IC)


def test_requester_refusal() -> None:
    rel = release()
    assert requester_refusal(rel, "alice", "cancel", "cancel") is None
    assert requester_refusal(rel, "bob", "cancel", "cancel") == \
        "only the requester of a release signs as requester (REL-2031-0001's requested_by " \
        "is alice)"
    assert requester_refusal(release(requested_by=None), "bob", "cancel", "cancel") == \
        "only the requester of a release signs as requester (REL-2031-0001's requested_by " \
        "is nobody)"
    assert requester_refusal(incident(requested_by="alice"), "alice", "cancel", "cancel") \
        is not None
    only_cancel = "a requester signs as requester only a cancel for gate cancel " \
        "(--decision cancel)"
    assert requester_refusal(rel, "alice", "approve", "cancel") == only_cancel
    assert requester_refusal(rel, "alice", "cancel", "approval") == only_cancel


@pytest.mark.parametrize(("rec", "role", "decision", "gate"), [
    (incident(status="triage"), "incident_commander", "approve", "decline"),
    (incident(status="mitigated"), "incident_commander", "approve", "reopen"),
    (incident(status="resolved"), "incident_commander", "approve", "close"),
    (incident(status="triage"), "incident_commander", "cancel", "decline"),
    (release(status="approved"), "dev_lead", "cancel", "cancel"),
    (release(status="submitted"), "dev_lead", "approve", "approval"),
    (release(status="submitted"), "dev_lead", "reject", "approval"),
    (release(status="succeeded", change_type="emergency"), "dev_lead", "approve", "review"),
    (release(status="rolled_back", change_type="emergency"), "ops_manager", "approve",
     "review"),
    (release(status="draft", change_type="emergency"), "ops_manager", "approve", "emergency"),
    (release(status="submitted", change_type="emergency"), "ops_manager", "approve",
     "emergency"),
    (release(status="submitted", change_type="emergency"), "dev_lead", "approve", "approval"),
    (release(status="approved", change_type="emergency"), "ops_manager", "approve",
     "approval"),
    (release(status="succeeded"), "dev_lead", "approve", "approval"),
])
def test_default_gate(rec: Record, role: str, decision: str, gate: str) -> None:
    assert default_gate(rec, POLICY, role, decision) == gate


def test_gates_compare_by_value() -> None:
    gate = Gate("approval", "approval", FULL_LOW)
    assert replace(gate, decision="reject") != gate
    assert gate.decision == "approve" and gate.also == ()


def test_a_long_requester_is_cut_in_the_refusal() -> None:
    long_name = "r" * 50
    assert requester_refusal(release(requested_by=long_name), "bob", "cancel", "cancel") == \
        f"only the requester of a release signs as requester (REL-2031-0001's requested_by " \
        f"is {'r' * 40})"

def test_a_rule_without_a_name_and_a_normal_change_type() -> None:
    releases = dict(POLICY.data["releases"])
    releases["required_signoffs"] = {"low": [{"role": "dev_lead"}]}
    releases["rules"] = [{"when": {"field": "system", "equals": "search"},
                          "require": [{"role": "qa", "count": 2}]}]
    releases["change_types"] = {"normal": [{"role": "ops"}]}
    assert list(possible_slot_sets(policy_with(releases=releases))) == [
        ("risk low", [Slot("ops")]), ("risk low with rule '?'", [Slot("ops"), Slot("qa", 2)])]

def test_a_merged_gate_reads_the_policys_merged_slots() -> None:
    incidents = dict(POLICY.data["incidents"])
    incidents["gates"] = {"merged": [{"role": "comms_lead"}]}
    policy = policy_with(incidents=incidents)
    assert named_gate(incident(), policy, "merged:INC-2026-0001").slots == (Slot("comms_lead"),)
    assert named_gate(incident(), policy, "merged:a:b").slots == (Slot("comms_lead"),)
    assert gate_for(incident(duplicate_of="INC-2026-0001"), "triage", "merged", policy) == \
        Gate("merged:INC-2026-0001", "merging into INC-2026-0001", (Slot("comms_lead"),))


# signoffs ----------------------------------------------------------------------------------

def signoff(rec: Record, role: str, person: str, seq: int = 1, /, **fields: Any) -> Signoff:
    """A sign-off file of `rec` as its name says, with the record's current digest; `fields`
    replace or (set to None) drop its fields."""
    name = SignoffName(role, person, seq)
    data: dict[str, Any] = {"record": rec.id, "role": role, "by": person,
                            "decision": "approve", "gate": "approval", "seq": seq,
                            "digest": digest(rec, str(fields.get("gate", "approval"))),
                            "at": "2026-11-19T12:00:00+00:00", "comment": ""}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    path = f"{rec.directory}/signoffs/{name.filename}"
    return Signoff(path, name, load(path, yaml.safe_dump(data, sort_keys=False).encode()))


def with_signoffs(rec: Record, *signoffs: Signoff) -> Record:
    return replace(rec, signoffs=sorted(signoffs, key=lambda s: s.name))


@pytest.fixture(scope="module")
def sample_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample people's keys (the sample policy registers their public halves)."""
    made = {}
    for person in ("carol", "dave"):
        key = tmp_path_factory.mktemp(person) / person
        shutil.copy(REPO / "sample-keys" / person, key)
        key.chmod(0o600)
        made[person] = key
    return made


@pytest.fixture
def carol_key(sample_keys: dict[str, Path]) -> Path:
    return sample_keys["carol"]


def ssh_sign(key: Path, message: bytes, namespace: str = "opsledger") -> str:
    target, signature = key.with_name("payload"), key.with_name("payload.sig")
    target.write_bytes(message)
    signature.unlink(missing_ok=True)  # ssh-keygen keeps an existing one
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-n", namespace, "-f", str(key),
                    str(target)], check=True)
    return signature.read_text()


def signed(key: Path, rec: Record, role: str, person: str, seq: int = 1, /,
           **fields: Any) -> Signoff:
    unsigned = signoff(rec, role, person, seq, **fields)
    assert unsigned.doc is not None
    return signoff(rec, role, person, seq,
                   **{**fields, "signature": ssh_sign(key, payload(unsigned.doc.data))})


def test_each_state_names_its_code_and_field() -> None:
    assert [(s.code, s.field) for s in State] == [
        (None, "signature"), ("OL302", "digest"), ("OL301", "signature"),
        ("OL306", "review"), ("OL307", "signature"), ("OL150", "record")]


def test_the_payload_leaves_out_only_the_evidence() -> None:
    data = {"b": 1, "a": "x", "signature": "sig", "review": {"pr": 1}}
    assert payload(data) == b'{"a":"x","b":1}'


@pytest.mark.parametrize(("body", "role"), [
    ("/approve qa", "qa"), ("LGTM\n/approve   dev_lead2 thanks", "dev_lead2"),
    ("/approve QA", None), ("/approveqa", None), ("approve qa", None), (None, None),
])
def test_named_role(body: str | None, role: str | None) -> None:
    assert named_role({"body": body}) == role


REVIEWED = "0123456789abcdef0123456789abcdef01234567"
CAROL_ID = 5512345  # carol's github_id in the sample policy


def review(**fields: Any) -> dict[str, Any]:
    found = {"id": 901, "user": {"login": "carol-c", "id": CAROL_ID}, "state": "APPROVED",
             "commit_id": REVIEWED, "body": ""}
    found.update(fields)
    return found


def review_signoff(rec: Record, role: str = "qa", person: str = "carol", **evidence: Any) -> \
        tuple[Signoff, dict[str, Any]]:
    made = signoff(rec, role, person, review={"pr": 7, "review_id": 901, "commit": REVIEWED,
                                              **evidence})
    assert made.doc is not None
    return made, made.doc.data


def verifier(reviews: list[dict[str, Any]] | None, added: Signoff | None = None,
             **fields: Any) -> Verifier:
    return Verifier(POLICY, reviews=reviews, pr=fields.pop("pr", 7),
                    added=frozenset([added.path]) if added else frozenset(), **fields)


def test_a_review_sign_off_outside_the_pull_request_is_not_verified_again() -> None:
    made, data = review_signoff(release())
    assert Verifier(POLICY).review_problem(data, release(), made.path) is None
    assert verifier([]).review_problem(data, release(), made.path) is None


def test_a_review_sign_off_the_pull_request_adds_needs_its_reviews() -> None:
    made, data = review_signoff(release())
    closed = "review evidence is verified against the pull request's reviews: run " \
        "`opsledger check` with --reviews FILE --pr N"
    assert verifier(None, made).review_problem(data, release(), made.path) == closed
    assert verifier([review()], made, pr=None).review_problem(data, release(), made.path) == \
        closed
    assert verifier([review()], made).review_problem(data, release(), made.path) is None


@pytest.mark.parametrize(("data_fields", "reviews", "reason"), [
    ({"review": {"pr": 8, "review_id": 901}}, [review()],
     "it names pull request 8, this is 7"),
    ({"review": "901"}, [review()], "it names pull request None, this is 7"),
    ({"decision": "reject"}, [review()], "a review proves an approval only"),
    ({}, [review(user={"login": "carol-c", "id": 666})],
     "carol (github_id in the policy) has no approving review on this pull request"),
    ({}, [review(state="COMMENTED")],
     "carol (github_id in the policy) has no approving review on this pull request"),
    ({}, [review(state="PENDING")],
     "carol (github_id in the policy) has no approving review on this pull request"),
    ({}, [review(), review(id=950, state="CHANGES_REQUESTED")],
     "review 901 is not carol's latest review (950, CHANGES_REQUESTED)"),
    ({}, [review(), review(id=950, state="COMMENTED")], None),
    ({}, [review(state="DISMISSED")], "review 901 is DISMISSED, not APPROVED"),
    ({}, [review(body="/approve dba")], "review 901 approves as dba, not qa"),
    ({}, [review(body="/approve qa")], None),
    ({}, [review(commit_id="fedcba9876543210fedcba9876543210fedcba98")],
     "review 901 approved commit fedcba987654, not 0123456789ab as the sign-off says"),
])
def test_why_a_review_does_not_prove_a_sign_off(data_fields: dict[str, Any],
                                                reviews: list[dict[str, Any]],
                                                reason: str | None) -> None:
    made, data = review_signoff(release())
    data = {**data, **data_fields}
    assert verifier(reviews, made).review_problem(data, release(), made.path) == reason


def test_a_review_without_a_recorded_commit_is_judged_at_the_reviews_commit() -> None:
    rel = release()
    made, data = review_signoff(rel)
    del data["review"]["commit"]
    seen: list[tuple[str, str, str]] = []

    def digest_at(commit: str, at: Record, gate: str) -> str:
        seen.append((commit, at.id, gate))
        return str(data["digest"])

    assert verifier([review()], made, digest_at=digest_at).review_problem(data, rel, made.path) \
        is None
    assert seen == [(REVIEWED, "REL-2031-0001", "approval")]


def test_a_person_without_a_github_id_has_no_review() -> None:
    people = dict(POLICY.people)
    people["carol"] = {k: v for k, v in people["carol"].items() if k != "github_id"}
    policy = policy_with(people=people)
    made, data = review_signoff(release())
    anonymous = review(user={"login": "ghost"})  # no id either: None must not match None
    check = Verifier(policy, reviews=[anonymous], pr=7, added=frozenset([made.path]))
    assert check.review_problem(data, release(), made.path) == \
        "carol (github_id in the policy) has no approving review on this pull request"


def test_a_review_is_compared_with_the_content_and_the_change_at_its_commit() -> None:
    rel = release()
    made, data = review_signoff(rel)
    other = verifier([review()], made, digest_at=lambda commit, at, gate: "sha256:other")
    assert other.review_problem(data, rel, made.path) == \
        "review 901 approved commit 0123456789ab, where REL-2031-0001 is not what the " \
        "sign-off's digest says"
    unchanged = verifier([review()], made, changed_by=lambda commit, at: False)
    assert unchanged.review_problem(data, rel, made.path) == \
        "review 901 approved commit 0123456789ab, where this pull request had not changed " \
        "REL-2031-0001: a review approves only what it saw changed"
    changed = verifier([review()], made, changed_by=lambda commit, at: commit == REVIEWED and
                       at.id == "REL-2031-0001")
    assert changed.review_problem(data, rel, made.path) is None


def test_one_review_proves_one_role_of_one_record() -> None:
    rel, other = release(), release(id="REL-2031-0002")
    first, data = review_signoff(rel)
    second, again = review_signoff(other)
    check = Verifier(POLICY, reviews=[review()], pr=7, added=frozenset([first.path,
                                                                         second.path]))
    assert check.review_problem(data, rel, first.path) is None
    assert check.review_problem(data, rel, first.path) is None  # the same proof twice
    assert check.review_problem(again, other, second.path) == \
        "review 901 already proves REL-2031-0001 as qa"
    assert check.review_problem({**data, "role": "dba"}, rel, first.path) == \
        "review 901 already proves REL-2031-0001 as qa"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"record": "REL-2031-0002"}, "its record/role/by/seq must be REL-2031-0001/qa/carol/1, "
     "as its file name says"),
    ({"role": "dba"}, "its record/role/by/seq must be REL-2031-0001/qa/carol/1, as its file "
     "name says"),
    ({"by": "erin"}, "its record/role/by/seq must be REL-2031-0001/qa/carol/1, as its file "
     "name says"),
    ({"seq": 2}, "its record/role/by/seq must be REL-2031-0001/qa/carol/1, as its file name "
     "says"),
    ({"gate": "close"}, "gate 'close' is not a gate of a release"),
    ({"gate": None}, "gate None is not a gate of a release"),
    ({"signature": "x", "review": {"pr": 7}}, "carries both a signature and a review"),
])
def test_a_malformed_sign_off(fields: dict[str, Any], reason: str) -> None:
    rel = release()
    made = signoff(rel, "qa", "carol", **fields)
    verdict = judge(rel, made, POLICY, None, {})
    assert (verdict.signoff, verdict.state, verdict.reason) == (made, State.MALFORMED, reason)


def test_evidence_the_policy_does_not_accept() -> None:
    rel = release()
    policy = policy_with(signoff_evidence=["review"])
    verdict = judge(rel, signoff(rel, "qa", "carol", signature="x"), policy, None, {})
    assert (verdict.state, verdict.reason) == \
        (State.UNACCEPTED, "signature evidence is not accepted by the policy "
                           "(signoff_evidence: review)")
    unsigned = judge(rel, signoff(rel, "qa", "carol"), policy_with(signoff_evidence=[
        "signature"]), None, {})
    assert (unsigned.state, unsigned.reason) == \
        (State.UNACCEPTED, "review evidence is not accepted by the policy "
                           "(signoff_evidence: signature)")


def test_a_signature_by_the_registered_key_verifies(carol_key: Path) -> None:
    rel = release()
    good = signed(carol_key, rel, "qa", "carol")
    assert judge(rel, good, POLICY, Verifier(POLICY), {}).state is State.VALID
    # Carol's key is not erin's: the same file claiming erin is a forgery.
    claimed = signed(carol_key, rel, "qa", "erin")
    verdict = judge(rel, claimed, POLICY, Verifier(POLICY), {})
    assert (verdict.state, verdict.reason) == \
        (State.FORGED, "signature is not a valid `opsledger` signature by a key registered "
                       "for erin in the policy")
    # Without a verifier (`validate --no-verify`) only the content is compared.
    assert judge(rel, claimed, POLICY, None, {}).state is State.VALID


def test_a_signature_over_other_content_is_forged(carol_key: Path) -> None:
    rel = release()
    good = signed(carol_key, rel, "qa", "carol")
    assert good.doc is not None
    tampered = signoff(rel, "qa", "carol", comment="changed after signing",
                       signature=good.doc.data["signature"])
    assert judge(rel, tampered, POLICY, Verifier(POLICY), {}).state is State.FORGED
    unsigned = signoff(rel, "qa", "carol")
    git_namespace = signoff(rel, "qa", "carol", signature=ssh_sign(
        carol_key, payload(unsigned.doc.data if unsigned.doc else {}), namespace="git"))
    assert judge(rel, git_namespace, POLICY, Verifier(POLICY), {}).state is State.FORGED


def test_a_retired_key_verifies_only_what_was_merged_before(carol_key: Path) -> None:
    rel = release()
    people = dict(POLICY.people)
    line = people["carol"]["keys"][0]
    people["carol"] = {**people["carol"], "keys": [{"key": line,
                                                    "retired": "2026-11-20T00:00:00+00:00"}]}
    policy = policy_with(people=people)
    good = signed(carol_key, rel, "qa", "carol")
    before = datetime(2026, 11, 19, tzinfo=UTC)

    def state(**fields: Any) -> State:
        return judge(rel, good, policy, Verifier(policy, now=CLOCK, **fields), {}).state

    assert state() is State.FORGED  # not merged: judged as signed now, after the retirement
    assert state(merged_at=lambda path: before if path == good.path else None) is State.VALID
    assert state(merged_at=lambda path: None) is State.FORGED
    assert state(merged_at=lambda path: CLOCK) is State.FORGED
    # A sign-off the pull request adds is new, whatever history says of its path.
    assert state(merged_at=lambda path: before, added=frozenset([good.path])) is State.FORGED
    assert state(merged_at=lambda path: before, added=frozenset(["other"])) is State.VALID
    assert Verifier(policy, now=before).signature_ok(
        good.doc.data if good.doc else {}, good.path)


def test_merged_means_merged_before_this_pull_request() -> None:
    assert not Verifier(POLICY).merged("a")
    assert Verifier(POLICY, merged_at=lambda path: CLOCK).merged("a")
    only_a = Verifier(POLICY, merged_at=lambda path: CLOCK if path == "a" else None)
    assert only_a.merged("a") and not only_a.merged("b")
    assert not Verifier(POLICY, merged_at=lambda path: None).merged("a")
    assert not Verifier(POLICY, merged_at=lambda path: CLOCK, added=frozenset(["a"])).merged("a")
    assert Verifier(POLICY, merged_at=lambda path: CLOCK, added=frozenset(["b"])).merged("a")


def test_a_stale_sign_off_names_both_digests() -> None:
    rel = release()
    old = signoff(rel, "qa", "carol", digest="sha256:" + "ab" * 32)
    verdict = judge(rel, old, POLICY, None, {})
    now = digest(rel)
    assert (verdict.state, verdict.reason) == \
        (State.STALE, f"signed sha256:abababababab..., the record is now {now[:19]}...; it "
                      "must be signed again")


def test_each_gate_is_digested_once_per_record() -> None:
    rel = release(status="succeeded", change_type="emergency",
                  execution={"result": "succeeded"})
    digests: dict[str, str] = {}
    review_gate = signoff(rel, "qa", "carol", gate="review")
    assert judge(rel, review_gate, POLICY, None, digests).state is State.VALID
    assert digests == {"review": digest(rel, "review")}
    assert digest(rel, "review") != digest(rel, "approval")
    digests["approval"] = "sha256:cached"
    cached = signoff(rel, "qa", "erin", digest="sha256:cached")
    assert judge(rel, cached, POLICY, None, digests).state is State.VALID


def test_the_latest_decision_of_each_person_and_role_counts() -> None:
    rel = release()
    verdicts = [Verdict(signoff(rel, role, person, seq), State.VALID)
                for role, person, seq in (("qa", "carol", 2), ("qa", "carol", 10),
                                          ("qa", "carol", 1), ("dev_lead", "carol", 1),
                                          ("qa", "erin", 1))]
    chosen = latest(verdicts)
    assert {key: v.signoff.name.seq for key, v in chosen.items()} == \
        {("qa", "carol"): 10, ("dev_lead", "carol"): 1, ("qa", "erin"): 1}


def test_judge_all_skips_unreadable_files() -> None:
    rel = release()
    assert judge_all(rel, POLICY, None) == []
    unreadable = Signoff("x", SignoffName("qa", "erin", 1), None)
    judged = judge_all(with_signoffs(rel, signoff(rel, "qa", "carol"), unreadable), POLICY,
                       None)
    assert [(v.signoff.name.person, v.state) for v in judged] == [("carol", State.VALID)]
    assert Verdict(unreadable, State.MALFORMED).data == {}


def problems_of(rec: Record, policy: Policy = POLICY, check: Verifier | None = None) -> \
        list[str]:
    return [f"{p.path}:{p.line}: {p.code}: {p.message}"
            for p in check_record_signoffs(rec, policy, check)]


def test_a_stale_sign_off_matters_only_while_it_holds_an_approval() -> None:
    for status, stale_reported in (("approved", True), ("implementing", True),
                                   ("submitted", False), ("succeeded", False)):
        rel = release(status=status)
        rec = with_signoffs(rel, signoff(rel, "qa", "carol", digest="sha256:" + "ab" * 32))
        found = problems_of(rec)
        assert bool(found) is stale_reported, status
    rel = release(status="approved")
    stale = with_signoffs(rel, signoff(rel, "qa", "carol", digest="sha256:" + "ab" * 32))
    assert problems_of(stale) == [
        f"releases/REL-2031-0001/signoffs/qa--carol.yaml:7: OL302: stale sign-off on a record "
        f"that is approved: signed sha256:abababababab..., the record is now "
        f"{digest(rel)[:19]}...; it must be signed again"]
    # Replaced by a later decision, or for another gate: history, never in the way.
    replaced = with_signoffs(rel, signoff(rel, "qa", "carol", digest="sha256:" + "ab" * 32),
                             signoff(rel, "qa", "carol", 2, decision="revoke"))
    assert problems_of(replaced) == []
    other_gate = with_signoffs(rel, signoff(rel, "qa", "carol", gate="cancel",
                                            decision="cancel", digest="sha256:" + "ab" * 32))
    assert problems_of(other_gate) == []


def test_each_failed_state_reports_its_code_on_its_field() -> None:
    rel = release(status="submitted")
    rec = with_signoffs(rel, signoff(rel, "qa", "carol", record="REL-2031-0009"),
                        signoff(rel, "dev_lead", "alice", signature="junk"))
    assert problems_of(rec, policy_with(signoff_evidence=["review"]),
                       Verifier(POLICY)) == [
        "releases/REL-2031-0001/signoffs/dev_lead--alice.yaml:10: OL307: sign-off cannot "
        "count: signature evidence is not accepted by the policy (signoff_evidence: review)",
        "releases/REL-2031-0001/signoffs/qa--carol.yaml:1: OL150: sign-off its record/role/"
        "by/seq must be REL-2031-0001/qa/carol/1, as its file name says"]
    forged = with_signoffs(rel, signoff(rel, "qa", "carol", signature="junk"))
    assert problems_of(forged, POLICY, Verifier(POLICY)) == [
        "releases/REL-2031-0001/signoffs/qa--carol.yaml:10: OL301: forged or unverifiable "
        "sign-off: signature is not a valid `opsledger` signature by a key registered for "
        "carol in the policy"]


def test_an_unverified_review_counts_only_while_it_is_the_latest() -> None:
    rel = release(status="submitted")
    first, _ = review_signoff(rel)
    second = signoff(rel, "qa", "carol", 2, review={"pr": 7, "review_id": 950,
                                                    "commit": REVIEWED})
    check = Verifier(POLICY, reviews=[review(id=950)], pr=7,
                     added=frozenset([first.path, second.path]))
    assert problems_of(with_signoffs(rel, first, second), POLICY, check) == []
    check = Verifier(POLICY, reviews=[review(id=901)], pr=7,
                     added=frozenset([first.path, second.path]))
    assert problems_of(with_signoffs(rel, first, second), POLICY, check) == [
        "releases/REL-2031-0001/signoffs/qa--carol--2.yaml:11: OL306: forged or unverifiable "
        "sign-off: review 950 is not carol's latest review (901, APPROVED)"]


@pytest.mark.parametrize(("role", "person", "fields", "merged", "problem"), [
    ("qa", "carol", {}, False, None),
    ("qa", "bob", {}, False, "signoffs/qa--bob.yaml:3: OL151: bob does not hold the role qa "
     "in the policy; this sign-off counts for nothing"),
    ("qa", "bob", {}, True, None),  # held when it was merged
    ("tester", "bob", {}, False, "signoffs/tester--bob.yaml:2: OL151: unknown role 'tester'"),
    ("requester", "alice", {"decision": "cancel", "gate": "cancel"}, False, None),
    ("requester", "bob", {"decision": "cancel", "gate": "cancel"}, True,
     "signoffs/requester--bob.yaml:3: OL151: only the requester of a release signs as "
     "requester (REL-2031-0001's requested_by is alice); this sign-off counts for nothing"),
    ("requester", "alice", {}, False, "signoffs/requester--alice.yaml:3: OL151: a requester "
     "signs as requester only a cancel for gate cancel (--decision cancel); this sign-off "
     "counts for nothing"),
])
def test_the_role_must_be_held(role: str, person: str, fields: dict[str, Any], merged: bool,
                               problem: str | None) -> None:
    rel = release(status="submitted")
    made = signoff(rel, role, person, **fields)
    check = Verifier(POLICY, merged_at=lambda path: CLOCK if path == made.path else None) \
        if merged else None
    found = problems_of(with_signoffs(rel, made), POLICY, check) if check is None else \
        [p for p in problems_of(with_signoffs(rel, made), POLICY, check) if "OL151" in p]
    assert found == ([f"releases/REL-2031-0001/{problem}"] if problem else [])


def test_decisions_are_numbered_without_gaps() -> None:
    rel = release(status="submitted")
    gap = with_signoffs(rel, signoff(rel, "qa", "carol"), signoff(rel, "qa", "carol", 3),
                        signoff(rel, "dev_lead", "alice", 2))
    assert problems_of(gap) == [
        "releases/REL-2031-0001/signoffs:None: OL308: dev_lead--alice: decisions must be "
        "numbered 1, 2, 3... without gaps (found [2])",
        "releases/REL-2031-0001/signoffs:None: OL308: qa--carol: decisions must be numbered "
        "1, 2, 3... without gaps (found [1, 3])"]
    assert problems_of(with_signoffs(rel, signoff(rel, "qa", "carol"),
                                     signoff(rel, "qa", "carol", 2))) == []


def test_a_sign_off_by_someone_the_policy_does_not_know_is_forged() -> None:
    rel = release()
    stranger = signoff(rel, "qa", "zed", signature="junk")
    verdict = judge(rel, stranger, POLICY, Verifier(POLICY), {})
    assert verdict.state is State.FORGED

def test_a_review_sign_off_by_someone_the_policy_does_not_know() -> None:
    made, data = review_signoff(release(), "qa", "zed")
    assert verifier([review()], made).review_problem(data, release(), made.path) == \
        "zed (github_id in the policy) has no approving review on this pull request"

def test_a_verified_signature_vouches_for_no_other_signature(carol_key: Path) -> None:
    rel = release()
    good = signed(carol_key, rel, "qa", "carol")
    assert good.doc is not None
    check = Verifier(POLICY)
    assert check.signature_ok(good.doc.data, good.path)
    other = {**good.doc.data, "signature": good.doc.data["signature"].replace("U1NIU0lH", "x")}
    assert not check.signature_ok(other, good.path)

def test_a_review_whose_user_is_not_an_object_is_no_ones() -> None:
    made, data = review_signoff(release())
    assert verifier([review(user="carol-c")], made).review_problem(data, release(),
                                                                    made.path) == \
        "carol (github_id in the policy) has no approving review on this pull request"


# transitions -------------------------------------------------------------------------------

def change(old: Record | None, new: Record, policy: Policy = POLICY,
           verifier: Verifier | None = None) -> Change:
    return Change(old, new, policy, CLOCK, verifier)


def found(old: Record | None, new: Record, gates: bool = False,
          policy: Policy = POLICY) -> list[tuple[str, str, str]]:
    """(code, field, message) of each problem the change has."""
    return [(p.code, p.field, p.message)
            for p in check_change(change(old, new, policy), gates=gates)]


def test_statuses_of_a_change() -> None:
    moved = change(release(status="submitted"), release(status="approved"))
    assert (moved.old_status, moved.new_status) == ("submitted", "approved")
    assert change(None, release()).old_status is None


def test_a_deleted_record() -> None:
    gone = deleted(release())
    assert (gone.path, gone.code, gone.message) == (
        "releases/REL-2031-0001/release.yaml", "OL203", "REL-2031-0001 was deleted or "
        "renamed; records are never removed: move it to a terminal state instead")


def test_an_unreadable_record_is_not_checked() -> None:
    broken = Record("release", "REL-2031-0001", "releases/REL-2031-0001/release.yaml", None)
    assert found(release(), broken, gates=True) == []


def test_a_new_record_is_judged_along_its_walk() -> None:
    assert found(None, incident(status="approved")) == [
        ("OL201", "status", "INC-2031-0001: a new incident starts as triage and can never "
                            "reach approved")]
    assert found(None, release(status="resolved")) == [
        ("OL201", "status", "REL-2031-0001: a new release starts as draft and can never "
                            "reach resolved")]
    assert found(None, release(status="implementing")) == []  # through its approval
    created = change(None, release(status="implementing", change_type="emergency"))
    assert walk(created) == [("draft", "implementing")]
    assert walk(change(None, incident(status="approved"))) == []
    assert walk(change(release(status="draft"), release(status="closed"))) == \
        [("draft", "closed")]


def test_each_invariant_of_a_moved_record() -> None:
    assert found(incident(mode="real"), incident(mode="drill")) == [
        ("OL213", "mode", "INC-2031-0001: mode changed from real to drill; mode never changes "
                          "after an incident is declared (a drill is declared as one)")]
    assert found(release(), release(id="REL-2031-0002")) == [
        ("OL202", "id", "REL-2031-0002: id changed from 'REL-2031-0001'; ids never change")]
    assert found(incident(severity="SEV2"), incident(severity="SEV?")) == [
        ("OL214", "severity", "INC-2031-0001: severity SEV2 set back to SEV?; SEV? exists only "
                              "until the first assessment and is never re-entered (a downgrade "
                              "needs the downgrade gate)")]
    assert found(incident(severity="SEV?", status="triage"),
                 incident(severity="SEV?", status="triage")) == []
    assert found(incident(severity=None, status="triage"),
                 incident(severity="SEV?", status="triage")) == []


@pytest.mark.parametrize(("before", "after", "withdrawn"), [
    ({"required": True}, {"required": False}, True),
    ({"required": True}, None, True),
    ({"required": True}, {"required": "yes"}, True),
    ({"required": True}, {"required": True, "status": "draft"}, False),
    ({"required": False}, None, False),
    ("required", None, False),
    (None, None, False),
])
def test_an_owed_postmortem_stays_owed(before: object, after: object, withdrawn: bool) -> None:
    problems = found(incident(postmortem=before), incident(postmortem=after))
    assert problems == ([("OL216", "postmortem.required", "INC-2031-0001: postmortem.required "
                          "was true and is withdrawn; a postmortem once owed stays owed (close "
                          "it with the close gate's sign-off)")] if withdrawn else [])


def test_edge_problems_name_the_way_out() -> None:
    rel = release(status="closed")
    assert [(p.code, p.message) for p in edge_problems(rel, "closed", "draft")] == [
        ("OL201", "REL-2031-0001: status closed -> draft is not allowed (from closed: none)")]
    assert [p.message for p in edge_problems(rel, "draft", "implementing")] == [
        "REL-2031-0001: status draft -> implementing is not allowed (from draft: submitted, "
        "cancelled)"]
    emergency = release(change_type="emergency")
    assert list(edge_problems(emergency, "draft", "implementing")) == []
    assert [p.message for p in edge_problems(emergency, "draft", "approved")] == [
        "REL-2031-0001: status draft -> approved is not allowed (from draft: submitted, "
        "cancelled, implementing)"]
    assert list(edge_problems(rel, None, "closed")) == []
    assert list(edge_problems(rel, "closed", "closed")) == []


def test_a_terminal_record_never_changes() -> None:
    closed = release(status="closed")
    message = ("OL207", "status", "REL-2031-0001: is closed, a terminal state: it can no "
                                  "longer change")
    assert found(closed, closed) == []
    assert found(closed, release(status="closed", title="renamed")) == [message]
    extra = with_signoffs(closed, signoff(closed, "qa", "carol"))
    assert found(closed, extra) == [message]
    written = replace(incident(status="closed"), postmortem=b"# What happened\n")
    assert ("OL207", "status", "INC-2031-0001: is closed, a terminal state: it can no longer "
                               "change") in found(incident(status="closed"), written)
    assert found(release(status="submitted"), release(status="submitted", title="x")) == []
    # Each kind has its own terminal states.
    assert [p[0] for p in found(release(status="rejected"),
                                release(status="rejected", title="x"))] == ["OL207"]
    assert found(incident(status="postmortem"), incident(status="postmortem", title="x")) == []


def events(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"at": at, "type": kind, "text": "t"} for at, kind in pairs]


def test_the_timeline_is_append_only() -> None:
    first = ("2026-11-20T10:00:00+00:00", "detected")
    second = ("2026-11-20T11:00:00+00:00", "update")
    old = incident(timeline=events(first, second))
    assert found(old, incident(timeline=events(first, second, second))) == []
    assert found(old, incident(timeline=events(first))) == [
        ("OL204", "timeline.0", "INC-2031-0001: timeline event 2 (2026-11-20T11:00:00+00:00, "
                                "update) was edited or removed; the timeline is append-only: "
                                "add a `correction` event instead")]
    assert found(old, incident(timeline=[])) == [
        ("OL204", "timeline.0", "INC-2031-0001: timeline event 1 (2026-11-20T10:00:00+00:00, "
                                "detected) was edited or removed; the timeline is append-only: "
                                "add a `correction` event instead")]
    edited = incident(timeline=events(first, ("2026-11-20T11:00:00+00:00", "mitigation"), first))
    assert [p[1] for p in found(old, edited)] == ["timeline.1"]
    assert found(incident(timeline="none"), incident(timeline=events(first))) == []
    assert found(incident(timeline=["text", *events(first)]),
                 incident(timeline=events(first))) == []


def test_sign_off_files_are_never_edited_or_removed() -> None:
    rel = release()
    kept = signoff(rel, "qa", "carol")
    old = with_signoffs(rel, kept)
    assert found(old, with_signoffs(rel, kept, signoff(rel, "qa", "erin"))) == []
    removed = list(check_change(change(old, rel), gates=False))
    assert [(p.path, p.code, p.message) for p in removed] == [
        (kept.path, "OL205", "sign-off file removed; sign-offs are never edited or deleted: "
                             "withdraw with `--decision revoke`")]
    edited = [p.message for p in check_change(change(old, with_signoffs(
        rel, signoff(rel, "qa", "carol", comment="later"))), gates=False)]
    assert edited == ["sign-off file edited; sign-offs are never edited or deleted: withdraw "
                      "with `--decision revoke`"]
    unreadable = Signoff(kept.path, kept.name, None)
    assert found(with_signoffs(rel, unreadable), old) == []
    assert found(old, with_signoffs(rel, unreadable)) == []


def test_a_recorded_time_stays() -> None:
    stamps = {"declared_at": "2026-11-20T10:00:00+00:00", "declared_by": "x"}
    old = incident(timestamps=stamps, execution={"started_at": "2026-11-20T10:00:00+00:00"})
    assert found(old, incident(timestamps={**stamps, "declared_by": "y"},
                               execution={"started_at": "2026-11-20T10:00:00+00:00"})) == []
    assert found(old, incident(timestamps={}, execution={
        "started_at": "2026-11-20T10:00:00+00:00"})) == [
        ("OL206", "timestamps", "INC-2031-0001: timestamps.declared_at was cleared; a "
                                "recorded time stays (fix it with a correction event)")]
    moved = incident(timestamps=stamps, execution={"started_at": "2026-11-20T11:00:00+00:00"})
    assert found(old, moved) == [
        ("OL206", "execution.started_at", "INC-2031-0001: execution.started_at changed from "
         "2026-11-20T10:00:00+00:00 to 2026-11-20T11:00:00+00:00 without a `correction` "
         "timeline event explaining why")]
    corrected = replace(moved, doc=load(moved.path, yaml.safe_dump(
        {**moved.data, "timeline": events(("2026-11-21T10:00:00+00:00", "correction"))},
        sort_keys=False).encode()))
    assert found(old, corrected) == []
    # A correction already in the timeline explains nothing new.
    earlier = incident(timestamps=stamps, execution={"started_at": "2026-11-20T10:00:00+00:00"},
                       timeline=events(("2026-11-19T10:00:00+00:00", "correction")))
    later = incident(timestamps=stamps, execution={"started_at": "2026-11-20T11:00:00+00:00"},
                     timeline=events(("2026-11-19T10:00:00+00:00", "correction")))
    assert [p[0] for p in found(earlier, later)] == ["OL206"]
    assert found(incident(timestamps="x"), incident(timestamps="y")) == []


@pytest.mark.parametrize(("old", "new", "frozen"), [
    ("approved", "approved", True), ("approved", "implementing", True),
    ("implementing", "succeeded", True), ("succeeded", "closed", True),
    ("failed", "closed", True), ("rolled_back", "closed", True),
    ("approved", "submitted", False), ("submitted", "submitted", False),
    ("draft", "submitted", False),
])
def test_approved_content_is_frozen(old: str, new: str, frozen: bool) -> None:
    problems = [p for p in found(release(status=old), release(status=new, title="changed"))
                if p[0] == "OL208"]
    assert problems == ([("OL208", "status", f"REL-2031-0001: content changed while {old}; an "
                          "approved release is frozen: move it back to `submitted` and collect "
                          "the sign-offs again")] if frozen else [])
    assert [p for p in found(release(status=old), release(status=new)) if p[0] == "OL208"] == []


def test_a_frozen_incident_is_no_release() -> None:
    assert found(incident(status="approved"), incident(status="approved", title="x")) == []


@pytest.mark.parametrize(("added", "reasoned"), [
    ([{"at": "2026-11-21T10:00:00+00:00", "type": "reopen", "text": "came back"}], True),
    ([{"at": "2026-11-21T10:00:00+00:00", "type": "reopen", "text": "  "}], False),
    ([{"at": "2026-11-21T10:00:00+00:00", "type": "reopen"}], False),
    ([{"at": "2026-11-21T10:00:00+00:00", "type": "update", "text": "came back"}], False),
    ([], False),
])
def test_reopening_needs_a_reason(added: list[dict[str, str]], reasoned: bool) -> None:
    old = incident(status="resolved", timeline=events(("2026-11-20T10:00:00+00:00", "reopen")))
    new = incident(status="investigating", timeline=[*old.data["timeline"], *added])
    problems = [p for p in found(old, new) if p[0] == "OL212"]
    assert problems == ([] if reasoned else [
        ("OL212", "status", "INC-2031-0001: reopening needs a `reopen` timeline event giving "
                            "the reason (opsledger status ... --note REASON)")])


def test_a_release_leaves_draft_only_filled_in() -> None:
    skeleton = release(status="draft", title="New release", version="0.0.0")
    left = ("OL103", "status", "REL-2031-0001: cannot leave draft while these fields hold the "
                               "template's placeholder text: title, version; write this "
                               "release's own")
    assert found(skeleton, release(status="submitted", title="New release",
                                   version="0.0.0")) == [left]
    assert found(None, release(status="submitted", title="New release", version="0.0.0")) == \
        [left]
    assert found(skeleton, release(status="cancelled", title="New release",
                                   version="0.0.0")) == []
    assert found(skeleton, release(status="draft", title="New release", version="0.0.0")) == []
    assert found(release(status="submitted", title="New release", version="0.0.0"),
                 release(status="approved", title="New release", version="0.0.0")) == []
    assert found(incident(status="triage", title="New release"),
                 incident(status="investigating", title="New release")) == []


def test_closing_settles_every_notification() -> None:
    owed = {"type": "security", "timestamps": {"declared_at": "2026-11-20T10:00:00+00:00"}}
    unsettled = [
        ("OL218", "status", f"INC-2031-0001: closing with the notification to {to} never "
                            f"made; make it (opsledger log ... --type notification --to {to}) "
                            "or waive it in notifications_waived with a reason")
        for to in ("management", "legal_counsel")]
    assert [p for p in found(incident(status="resolved", **owed),
                             incident(status="closed", **owed)) if p[0] == "OL218"] == unsettled
    assert [p for p in found(None, incident(status="closed", **owed))
            if p[0] == "OL218"] == unsettled
    assert [p for p in found(incident(status="closed", **owed), incident(status="closed",
                                                                          **owed))
            if p[0] == "OL218"] == []
    assert [p for p in found(incident(status="investigating", **owed),
                             incident(status="resolved", **owed)) if p[0] == "OL218"] == []


WINDOW = {"start": "2026-11-27T10:00:00+00:00", "end": "2026-11-27T11:00:00+00:00"}


@pytest.mark.parametrize(("old", "fields", "problems"), [
    ("approved", {"window": WINDOW}, [
        ("OL209", "status", "REL-2031-0001: implementation started at "
                            "2026-11-27T12:00:00+00:00, outside the window "
                            "2026-11-27T10:00:00+00:00 .. 2026-11-27T11:00:00+00:00 (grace "
                            "30 min)")]),
    ("approved", {"window": {**WINDOW, "end": "2026-11-27T11:30:00+00:00"}}, []),
    ("implementing", {"window": WINDOW}, []),  # started earlier: judged then
    ("approved", {}, []),  # no window: the schema says so
])
def test_implementation_starts_inside_its_window(old: str, fields: dict[str, Any],
                                                 problems: list[tuple[str, str, str]]) -> None:
    new = release(status="implementing", **fields)
    assert [p for p in found(release(status=old, **fields), new)
            if p[0] in ("OL209", "OL210")] == problems


def test_a_release_moved_to_implementing_is_judged_now_whatever_it_writes() -> None:
    around_now = {"start": "2026-11-27T11:30:00+00:00", "end": "2026-11-27T12:30:00+00:00"}
    backdated = release(status="implementing", window=around_now,
                        execution={"started_at": "2026-11-27T10:00:00+00:00"})
    assert [p for p in found(release(status="approved", window=around_now), backdated)
            if p[0] == "OL209"] == []
    late = {"start": "2026-11-27T08:00:00+00:00", "end": "2026-11-27T09:00:00+00:00"}
    claimed = release(status="implementing", window=late,
                      execution={"started_at": "2026-11-27T08:30:00+00:00"})
    assert [p[0] for p in found(release(status="approved", window=late), claimed)] == ["OL209"]


def test_a_release_added_past_implementing_is_judged_at_its_start() -> None:
    inside = {"window": WINDOW, "execution": {"started_at": "2026-11-27T10:30:00+00:00"}}
    assert [p for p in found(None, release(status="succeeded", **inside))
            if p[0] == "OL209"] == []
    outside = {"window": WINDOW, "execution": {"started_at": "2026-11-27T09:00:00+00:00"}}
    assert [p[2] for p in found(None, release(status="succeeded", **outside))
            if p[0] == "OL209"] == [
        "REL-2031-0001: implementation started at 2026-11-27T09:00:00+00:00, outside the "
        "window 2026-11-27T10:00:00+00:00 .. 2026-11-27T11:00:00+00:00 (grace 30 min)"]
    unknown = {"window": WINDOW, "execution": "soon"}  # judged as starting now
    assert [p[0] for p in found(None, release(status="succeeded", **unknown))
            if p[0] == "OL209"] == ["OL209"]
    assert [p for p in found(None, incident(status="resolved", **inside))
            if p[0] == "OL209"] == []


def test_implementation_never_starts_in_a_freeze() -> None:
    freeze = {"start": "2026-12-20T10:00:00+00:00", "end": "2026-12-20T11:00:00+00:00"}
    inside = {"window": freeze, "execution": {"started_at": "2026-12-20T10:30:00+00:00"}}
    assert [p for p in found(None, release(status="succeeded", **inside))
            if p[0] in ("OL209", "OL210")] == [
        ("OL210", "status", "REL-2031-0001: implementation started inside the freeze window "
                            "'year-end'; only emergency may start then")]
    releases = dict(POLICY.data["releases"])
    releases["freeze_windows"] = [{"name": "audit", "start": "2026-12-01T00:00:00+00:00",
                                   "end": "2026-12-31T00:00:00+00:00"}]
    assert [p[2] for p in found(None, release(status="succeeded", **inside),
                                policy=policy_with(releases=releases)) if p[0] == "OL210"] == [
        "REL-2031-0001: implementation started inside the freeze window 'audit'; only "
        "nothing may start then"]
    releases["freeze_windows"][0]["allow"] = ["emergency", "standard"]
    assert [p[2] for p in found(None, release(status="succeeded", **inside),
                                policy=policy_with(releases=releases)) if p[0] == "OL210"] == [
        "REL-2031-0001: implementation started inside the freeze window 'audit'; only "
        "emergency, standard may start then"]
    emergency = release(status="succeeded", change_type="emergency", **inside)
    assert [p for p in found(None, emergency) if p[0] == "OL210"] == []


def gate_messages(old: Record | None, new: Record, check: Verifier | None = None) -> \
        list[tuple[str, str]]:
    return [(p.code, p.message) for p in check_change(change(old, new, verifier=check))
            if p.code.startswith("OL30")]


def test_each_gate_on_the_walk_is_judged_once() -> None:
    rel = release(status="approved", risk="medium")
    assert gate_messages(None, rel) == [
        ("OL303", "REL-2031-0001: approval: missing sign-off: dev_lead (eligible: bob)"),
        ("OL303", "REL-2031-0001: approval: missing sign-off: qa (eligible: carol, erin)")]
    evaluations = gate_evaluations(change(release(status="approved"),
                                          release(status="implementing")))
    assert [(edge, e.gate.purpose) for edge, e in evaluations] == [
        (("approved", "implementing"), "approval (still held when implementation starts)")]
    # An emergency change added closed passes its emergency start and its review, once each.
    closed = release(status="closed", change_type="emergency", execution={"result": "x"})
    assert [(edge, e.gate.name) for edge, e in gate_evaluations(change(None, closed))] == [
        (("draft", "implementing"), "emergency"), (("succeeded", "closed"), "review")]
    assert gate_evaluations(change(release(status="draft"), release(status="submitted"))) == []
    assert gate_messages(release(status="draft"), release(status="submitted")) == []


def test_gates_are_left_out_on_request() -> None:
    rel = release(status="approved")
    assert [p for p in check_change(change(release(), rel), gates=False)
            if p.code == "OL303"] == []
    assert [(p.code, p.field) for p in check_change(change(release(), rel))] == \
        [("OL303", "status")]


def test_a_gate_verifies_the_evidence_of_its_sign_offs() -> None:
    lower = incident(severity="SEV3")
    new = with_signoffs(lower, signoff(lower, "incident_commander", "dave", gate="downgrade",
                                       signature="junk"))
    added = Verifier(POLICY, added=frozenset(s.path for s in new.signoffs))
    assert gate_messages(incident(severity="SEV2"), new, added) == [
        ("OL303", "INC-2031-0001: downgrading severity: missing sign-off: incident_commander "
                  "(eligible: dave, heidi, judy)")]


def test_the_requester_who_may_cancel_is_read_from_the_base() -> None:
    base = release(status="submitted", requested_by="alice")
    head = release(status="cancelled", requested_by="mallory")
    def opens(old: Record | None) -> tuple[str, ...]:
        [(_, evaluation)] = gate_evaluations(change(old, head))
        return evaluation.gate.also

    assert opens(base) == ("alice",)
    assert opens(release(status="submitted", requested_by=None)) == ()
    assert opens(None) == ("mallory",)  # a new record: no base to read


def test_a_downgrade_or_reopen_counts_only_sign_offs_the_pull_request_adds(
        sample_keys: dict[str, Path]) -> None:
    old = incident(severity="SEV2")
    new = with_signoffs(incident(severity="SEV3"), signed(
        sample_keys["dave"], incident(severity="SEV3"), "incident_commander", "dave",
        gate="downgrade"))
    merged = Verifier(POLICY, added=frozenset())
    assert gate_messages(old, new, merged) == [
        ("OL303", "INC-2031-0001: downgrading severity: missing sign-off: incident_commander "
                  "(eligible: dave, heidi, judy)")]
    added = Verifier(POLICY, added=frozenset(s.path for s in new.signoffs))
    assert [m for m in gate_messages(old, new, added) if m[0] == "OL303"] == []
    # Outside a pull request (no verifier) every sign-off is read.
    assert gate_messages(old, new) == []


def test_a_reopen_sign_off_made_before_the_last_reopen_is_used_up() -> None:
    timeline = events(("2026-11-20T10:00:00+00:00", "detected"),
                      ("2026-11-21T10:00:00+00:00", "reopen"),
                      ("2026-11-22T10:00:00+00:00", "reopen"))
    old = incident(status="resolved", timeline=timeline)
    moved = incident(status="investigating", timeline=[*timeline, {
        "at": "2026-11-23T10:00:00+00:00", "type": "reopen", "text": "again"}])

    def with_reopen_at(at: str) -> Record:
        return with_signoffs(moved, signoff(moved, "incident_commander", "dave", gate="reopen",
                                            at=at))

    missing = [("OL303", "INC-2031-0001: reopening: missing sign-off: incident_commander "
                         "(eligible: dave, heidi, judy)")]
    assert gate_messages(old, with_reopen_at("2026-11-21T12:00:00+00:00")) == missing
    assert gate_messages(old, with_reopen_at("2026-11-22T12:00:00+00:00")) == []
    first = incident(status="resolved", timeline=events(("2026-11-20T10:00:00+00:00",
                                                         "detected")))
    assert gate_messages(first, with_reopen_at("2026-11-19T12:00:00+00:00")) == []
    no_time = incident(status="resolved", timeline=[{"type": "reopen", "text": "x"}])
    assert gate_messages(no_time, with_reopen_at("2026-11-19T12:00:00+00:00")) == []


def test_a_gate_met_on_one_edge_of_the_walk_is_not_judged_again() -> None:
    created = change(None, release(status="implementing"))
    assert [(edge, e.gate.purpose) for edge, e in gate_evaluations(created)] == [
        (("submitted", "approved"), "approval")]


def test_a_reopen_counts_only_a_sign_off_the_pull_request_adds(
        sample_keys: dict[str, Path]) -> None:
    old = incident(status="resolved")
    moved = incident(status="investigating", timeline=[
        {"at": "2026-11-23T10:00:00+00:00", "type": "reopen", "text": "again"}])
    new = with_signoffs(moved, signed(sample_keys["dave"], moved, "incident_commander", "dave",
                                      gate="reopen"))
    missing = [("OL303", "INC-2031-0001: reopening: missing sign-off: incident_commander "
                         "(eligible: dave, heidi, judy)")]
    assert gate_messages(old, new, Verifier(POLICY, added=frozenset())) == missing
    assert gate_messages(old, new, Verifier(POLICY, added=frozenset(
        s.path for s in new.signoffs))) == []


def test_only_a_reopen_is_used_up_by_the_last_reopen() -> None:
    # A downgrade signed before the incident's last reopen still counts for the downgrade.
    reopened = events(("2026-11-22T10:00:00+00:00", "reopen"))
    lower = incident(severity="SEV3", timeline=reopened)
    new = with_signoffs(lower, signoff(lower, "incident_commander", "dave", gate="downgrade",
                                       at="2026-11-21T10:00:00+00:00"))
    assert gate_messages(incident(severity="SEV2", timeline=reopened), new) == []


def test_the_timeline_problem_points_at_the_last_event_left() -> None:
    times = [f"2026-11-20T1{n}:00:00+00:00" for n in range(3)]
    old = incident(timeline=events(*((t, "update") for t in times)))
    assert [p[1:] for p in found(old, incident(timeline=events(*((t, "update")
                                                                 for t in times[:2]))))] == [
        ("timeline.1", "INC-2031-0001: timeline event 3 (2026-11-20T12:00:00+00:00, update) was "
                       "edited or removed; the timeline is append-only: add a `correction` "
                       "event instead")]
    # Every event after the first edit differs too: one problem says it.
    swapped = incident(timeline=events(*((t, "update") for t in reversed(times))))
    assert [p[1] for p in found(old, swapped)] == ["timeline.0"]

"""Sign-offs: what each file proves, and whether a record's required slots are filled."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opsledger import sshsig
from opsledger.digest import canonical, digest
from opsledger.ledger import Record, Signoff
from opsledger.policy import Policy, Slot
from opsledger.problems import Problem

EVIDENCE_FIELDS = ("signature", "review")


def payload(data: dict[str, Any]) -> bytes:
    return canonical({k: v for k, v in data.items() if k not in EVIDENCE_FIELDS})


@dataclass
class Verifier:
    """Checks evidence; `reviews` is the forge's review list for `head`, if we have one."""

    policy: Policy
    reviews: list[dict[str, Any]] | None = None
    head: str | None = None
    _cache: dict[str, bool] = field(default_factory=dict)

    def signature_ok(self, data: dict[str, Any]) -> bool:
        person = self.policy.people.get(str(data.get("by")), {})
        key = str(data.get("signature")) + str(payload(data))
        if key not in self._cache:
            self._cache[key] = sshsig.verify(payload(data), str(data.get("signature")),
                                             str(person.get("email", "")),
                                             self.policy.keys_of(str(data.get("by"))))
        return self._cache[key]

    def review_problem(self, data: dict[str, Any]) -> str | None:
        if self.reviews is None:
            return None  # accepted at merge time; nothing to re-verify against
        evidence = data.get("review") or {}
        login = self.policy.people.get(str(data.get("by")), {}).get("github")
        for review in self.reviews:
            if review.get("id") == evidence.get("review_id"):
                user = (review.get("user") or {}).get("login")
                if review.get("state") != "APPROVED":
                    return f"review {review.get('id')} is {review.get('state')}, not APPROVED"
                if not login or str(user).lower() != str(login).lower():
                    return f"review {review.get('id')} is by {user!r}, not {data.get('by')}'s " \
                           f"GitHub login {login!r}"
                if self.head and review.get("commit_id") != self.head:
                    return f"review {review.get('id')} approved commit " \
                           f"{str(review.get('commit_id'))[:12]}, not the head {self.head[:12]}"
                return None
        return f"no review {evidence.get('review_id')} on this pull request"


@dataclass
class Verdict:
    signoff: Signoff
    state: str  # valid | stale | forged | malformed
    reason: str = ""

    @property
    def data(self) -> dict[str, Any]:
        return self.signoff.doc.data if self.signoff.doc else {}


def judge(record: Record, signoff: Signoff, policy: Policy, verifier: Verifier | None,
          current: str) -> Verdict:
    data = signoff.doc.data if signoff.doc else {}
    name = signoff.name
    if data.get("record") != record.id or data.get("role") != name.role or \
            data.get("by") != name.person:
        return Verdict(signoff, "malformed", f"its record/role/by must be {record.id}/"
                       f"{name.role}/{name.person}, as its file name says")
    if "signature" in data and "review" in data:
        return Verdict(signoff, "malformed", "carries both a signature and a review")
    kind = "signature" if "signature" in data else "review"
    if kind not in policy.evidence:
        return Verdict(signoff, "forged", f"{kind} evidence is not accepted by the policy "
                       f"(signoff_evidence: {', '.join(policy.evidence)})")
    if verifier is not None:
        reason = _evidence_problem(kind, data, verifier)
        if reason:
            return Verdict(signoff, "forged", reason)
    if data.get("digest") != current:
        return Verdict(signoff, "stale", f"signed {str(data.get('digest'))[:19]}..., the record "
                       f"is now {current[:19]}...; it must be signed again")
    return Verdict(signoff, "valid")


def _evidence_problem(kind: str, data: dict[str, Any], verifier: Verifier) -> str | None:
    if kind == "review":
        return verifier.review_problem(data)
    if not verifier.signature_ok(data):
        return (f"signature is not a valid `opsledger` signature by a key registered for "
                f"{data.get('by')} in the policy")
    return None


def latest(verdicts: list[Verdict]) -> dict[tuple[str, str], Verdict]:
    """The highest-numbered decision of each (role, person): the one that counts."""
    chosen: dict[tuple[str, str], Verdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.signoff.name):
        chosen[(verdict.signoff.name.role, verdict.signoff.name.person)] = verdict
    return chosen


def judge_all(record: Record, policy: Policy, verifier: Verifier | None) -> list[Verdict]:
    if not record.signoffs:
        return []  # the digest is the costly part; nothing to compare it with
    current = digest(record)
    return [judge(record, s, policy, verifier, current) for s in record.signoffs
            if s.doc is not None]


def check_record_signoffs(record: Record, policy: Policy,
                          verifier: Verifier | None) -> Iterator[Problem]:
    yield from _sequence(record)
    claims_approval = record.data.get("status") in ("approved", "implementing")
    for verdict in judge_all(record, policy, verifier):
        doc = verdict.signoff.doc
        assert doc is not None
        name = verdict.signoff.name
        if name.role not in policy.roles:
            yield doc.problem(("role",), "OL151", f"unknown role {name.role!r}")
        elif not policy.holds(name.person, name.role):
            yield doc.problem(("by",), "OL151", f"{name.person} does not hold the role "
                              f"{name.role} in the policy; this sign-off counts for nothing")
        if verdict.state == "malformed":
            yield doc.problem(("record",), "OL150", f"sign-off {verdict.reason}")
        elif verdict.state == "forged":
            code = "OL306" if "review" in verdict.reason else "OL301"
            yield doc.problem(("signature",) if code == "OL301" else ("review",), code,
                              f"forged or unverifiable sign-off: {verdict.reason}")
        elif verdict.state == "stale" and claims_approval:
            yield doc.problem(("digest",), "OL302", f"stale sign-off on a record that is "
                              f"{record.data.get('status')}: {verdict.reason}")


def _sequence(record: Record) -> Iterator[Problem]:
    seqs: dict[tuple[str, str], list[int]] = {}
    for signoff in record.signoffs:
        seqs.setdefault((signoff.name.role, signoff.name.person), []).append(signoff.name.seq)
    for (role, person), numbers in seqs.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            yield Problem(f"{record.directory}/signoffs", None, None, "OL308",
                          f"{role}--{person}: decisions must be numbered 1, 2, 3... without gaps "
                          f"(found {sorted(numbers)})")


# --- requirements -------------------------------------------------------------------------

@dataclass
class SlotResult:
    role: str
    person: str | None
    candidates: list[str]


@dataclass
class Evaluation:
    slots: list[SlotResult]
    rejected_by: list[tuple[str, str]]
    verdicts: dict[tuple[str, str], Verdict]

    @property
    def met(self) -> bool:
        return not self.rejected_by and all(s.person for s in self.slots)


def _field(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def release_slots(record: Record, policy: Policy, phase: str = "full") -> list[Slot]:
    data = record.data
    if phase == "emergency":
        return policy.emergency_slots()
    slots = policy.risk_slots(str(data.get("risk")), str(data.get("change_type")))
    for rule in policy.rules():
        when = rule.get("when", {})
        value = _field(data, str(when.get("field")))
        if ("equals" in when and value == when["equals"]) or value in when.get("in", []):
            slots += [Slot(s["role"], int(s.get("count", 1))) for s in rule["require"]]
    return _merge(slots)


def _merge(slots: list[Slot]) -> list[Slot]:
    merged: dict[str, int] = {}
    for slot in slots:
        merged[slot.role] = max(merged.get(slot.role, 0), slot.count)
    return [Slot(role, count) for role, count in merged.items()]


def evaluate(record: Record, policy: Policy, slots: list[Slot],
             verifier: Verifier | None) -> Evaluation:
    decisions = latest(judge_all(record, policy, verifier))
    excluded = _excluded(record, policy)
    eligible: dict[str, list[str]] = {}
    rejected = []
    for (role, person), verdict in decisions.items():
        if verdict.state != "valid" or not policy.holds(person, role) or person in excluded:
            continue
        if verdict.data.get("decision") == "approve":
            eligible.setdefault(role, []).append(person)
        elif verdict.data.get("decision") == "reject" and any(s.role == role for s in slots):
            rejected.append((role, person))
    instances = [slot.role for slot in slots for _ in range(slot.count)]
    assignment = _match(instances, eligible, policy.constraint("distinct_approvers"))
    results = []
    for index, role in enumerate(instances):
        candidates = [p for p in policy.roles.get(role, []) if p not in excluded
                      and p not in assignment.values()]
        results.append(SlotResult(role, assignment.get(index), candidates))
    return Evaluation(results, rejected, decisions)


def _excluded(record: Record, policy: Policy) -> set[str]:
    excluded = set()
    if not policy.constraint("requester_may_approve") and record.data.get("requested_by"):
        excluded.add(str(record.data["requested_by"]))
    if not policy.constraint("executor_may_approve") and record.data.get("executor"):
        excluded.add(str(record.data["executor"]))
    return excluded


def _match(instances: list[str], eligible: dict[str, list[str]],
           distinct: bool) -> dict[int, str]:
    """Slots to people as a bipartite matching (augmenting paths), so a greedy choice
    never leaves a slot empty that some assignment could fill."""
    owner: dict[str, int] = {}
    assignment: dict[int, str] = {}

    def augment(slot: int, seen: set[str]) -> bool:
        for person in eligible.get(instances[slot], []):
            token = person if distinct else f"{instances[slot]}:{person}"
            if token in seen:
                continue
            seen.add(token)
            if token not in owner or augment(owner[token], seen):
                owner[token] = slot
                assignment[slot] = person
                return True
        return False

    for slot in range(len(instances)):
        augment(slot, set())
    return assignment


def describe_missing(evaluation: Evaluation) -> list[str]:
    lines = []
    for role, person in evaluation.rejected_by:
        lines.append(f"{person} rejected it as {role}")
    for slot in evaluation.slots:
        if slot.person is None:
            who = ", ".join(slot.candidates) or "nobody eligible in the policy"
            lines.append(f"missing sign-off: {slot.role} (eligible: {who})")
    return lines

"""Sign-off files: what each one proves. Whether a record's required slots are filled is
`approval`'s question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from opsledger import lifecycle, sshsig
from opsledger.digest import canonical, digest, gate_known
from opsledger.ledger import Record, Signoff
from opsledger.policy import Policy
from opsledger.problems import Problem

EVIDENCE_FIELDS = ("signature", "review")


class State(StrEnum):
    """What one sign-off file proves; each failure carries the code that reports it."""

    VALID = "valid"
    STALE = "stale"
    FORGED = "forged"
    UNVERIFIED = "unverified"  # review evidence that the pull request's reviews do not hold
    UNACCEPTED = "unaccepted"  # evidence of a kind the policy does not accept
    MALFORMED = "malformed"

    @property
    def code(self) -> str | None:
        return _STATE_CODES.get(self)

    @property
    def field(self) -> str:
        return _STATE_FIELDS.get(self, "signature")


_STATE_CODES = {State.STALE: "OL302", State.FORGED: "OL301", State.UNVERIFIED: "OL306",
                State.UNACCEPTED: "OL307", State.MALFORMED: "OL150"}
_STATE_FIELDS = {State.STALE: "digest", State.UNVERIFIED: "review", State.MALFORMED: "record"}


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
    state: State
    reason: str = ""

    @property
    def data(self) -> dict[str, Any]:
        return self.signoff.doc.data if self.signoff.doc else {}


def judge(record: Record, signoff: Signoff, policy: Policy, verifier: Verifier | None,
          digests: dict[str, str]) -> Verdict:
    data = signoff.doc.data if signoff.doc else {}
    name = signoff.name
    if data.get("record") != record.id or data.get("role") != name.role or \
            data.get("by") != name.person or data.get("seq") != name.seq:
        return Verdict(signoff, State.MALFORMED, f"its record/role/by/seq must be {record.id}/"
                       f"{name.role}/{name.person}/{name.seq}, as its file name says")
    gate = data.get("gate")
    if not gate_known(record.kind, gate):
        return Verdict(signoff, State.MALFORMED, f"gate {gate!r} is not a gate of a "
                       f"{record.kind}")
    if "signature" in data and "review" in data:
        return Verdict(signoff, State.MALFORMED, "carries both a signature and a review")
    kind = "signature" if "signature" in data else "review"
    if kind not in policy.evidence:
        return Verdict(signoff, State.UNACCEPTED, f"{kind} evidence is not accepted by the "
                       f"policy (signoff_evidence: {', '.join(policy.evidence)})")
    if verifier is not None:
        failed = _evidence_problem(kind, data, verifier)
        if failed:
            return Verdict(signoff, *failed)
    if gate not in digests:
        digests[str(gate)] = digest(record, str(gate))
    current = digests[str(gate)]
    if data.get("digest") != current:
        return Verdict(signoff, State.STALE, f"signed {str(data.get('digest'))[:19]}..., the "
                       f"record is now {current[:19]}...; it must be signed again")
    return Verdict(signoff, State.VALID)


def _evidence_problem(kind: str, data: dict[str, Any],
                      verifier: Verifier) -> tuple[State, str] | None:
    if kind == "review":
        reason = verifier.review_problem(data)
        return (State.UNVERIFIED, reason) if reason else None
    if not verifier.signature_ok(data):
        return State.FORGED, (f"signature is not a valid `opsledger` signature by a key "
                              f"registered for {data.get('by')} in the policy")
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
    digests: dict[str, str] = {}  # per gate, computed once
    return [judge(record, s, policy, verifier, digests) for s in record.signoffs
            if s.doc is not None]


_MESSAGES = {State.MALFORMED: "sign-off {reason}",
             State.FORGED: "forged or unverifiable sign-off: {reason}",
             State.UNVERIFIED: "forged or unverifiable sign-off: {reason}",
             State.UNACCEPTED: "sign-off cannot count: {reason}",
             State.STALE: "stale sign-off on a record that is {status}: {reason}"}


def check_record_signoffs(record: Record, policy: Policy,
                          verifier: Verifier | None) -> Iterator[Problem]:
    yield from _sequence(record)
    claims_approval = record.data.get("status") in lifecycle.RELEASE_APPROVED
    verdicts = judge_all(record, policy, verifier)
    counting = {id(v) for v in latest(verdicts).values()}
    for verdict in verdicts:
        doc = verdict.signoff.doc
        assert doc is not None
        yield from _role_held(verdict, policy)
        code = verdict.state.code
        # A replaced decision is history: it cannot go stale and is never in the way.
        stale_matters = claims_approval and id(verdict) in counting and \
            verdict.data.get("gate") == "approval"
        if code is None or (verdict.state is State.STALE and not stale_matters):
            continue
        message = _MESSAGES[verdict.state].format(reason=verdict.reason,
                                                  status=record.data.get("status"))
        yield doc.problem((verdict.state.field,), code, message)


def _role_held(verdict: Verdict, policy: Policy) -> Iterator[Problem]:
    doc, name = verdict.signoff.doc, verdict.signoff.name
    assert doc is not None
    if name.role not in policy.roles:
        yield doc.problem(("role",), "OL151", f"unknown role {name.role!r}")
    elif not policy.holds(name.person, name.role):
        yield doc.problem(("by",), "OL151", f"{name.person} does not hold the role "
                          f"{name.role} in the policy; this sign-off counts for nothing")


def _sequence(record: Record) -> Iterator[Problem]:
    seqs: dict[tuple[str, str], list[int]] = {}
    for signoff in record.signoffs:
        seqs.setdefault((signoff.name.role, signoff.name.person), []).append(signoff.name.seq)
    for (role, person), numbers in seqs.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            yield Problem(f"{record.directory}/signoffs", None, None, "OL308",
                          f"{role}--{person}: decisions must be numbered 1, 2, 3... without gaps "
                          f"(found {sorted(numbers)})")

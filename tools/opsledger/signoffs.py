"""Sign-off files: what each one proves. Whether a record's required slots are filled is
`approval`'s question."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from opsledger import lifecycle, sshsig, timefmt
from opsledger.digest import canonical, digest, gate_known
from opsledger.ledger import Record, Signoff
from opsledger.mergetimes import MergedAt
from opsledger.policy import REQUESTER, Policy
from opsledger.problems import Problem
from opsledger.requirements import requester_refusal
from opsledger.wording import a

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


DigestAt = Callable[[str, Record, str], str | None]  # (commit, record, gate) -> digest
ChangedBy = Callable[[str, Record], bool]  # (commit, record) -> the PR changed it by then


def _now() -> datetime:
    return timefmt.now_utc()  # looked up when called: a test's fixed clock applies


@dataclass
class Verifier:
    """Checks evidence. In a pull request (`added` given) a review sign-off the PR adds is
    verified against the PR's reviews (`reviews`, `pr`); without them it fails closed. Review
    sign-offs merged earlier were verified by the pull request that added them."""

    policy: Policy
    reviews: list[dict[str, Any]] | None = None
    pr: int | None = None
    added: frozenset[str] | None = None  # sign-off paths the pull request adds
    digest_at: DigestAt | None = None
    # A dated (retired or compromised) key verifies only sign-offs merged before its date;
    # one the pull request adds, or not committed yet, is judged as signed `now`.
    merged_at: MergedAt | None = None
    # A review approves only records the pull request changes by the reviewed commit.
    changed_by: ChangedBy | None = None
    now: datetime = field(default_factory=_now)
    _cache: dict[str, bool] = field(default_factory=dict)
    _used: dict[object, str] = field(default_factory=dict)  # review id -> what it proved

    def signature_ok(self, data: dict[str, Any], path: str) -> bool:
        by = str(data.get("by"))
        keys = self.policy.keys_of(by, self._signed_when(by, path))
        key = f"{data.get('signature')}{payload(data)!r}{keys}"
        if key not in self._cache:
            email = str(self.policy.people.get(by, {}).get("email", ""))
            self._cache[key] = sshsig.verify(payload(data), str(data.get("signature")), email,
                                             keys)
        return self._cache[key]

    def _signed_when(self, person: str, path: str) -> datetime:
        if self.merged_at is None or not self.policy.has_dated_keys(person) or \
                (self.added is not None and path in self.added):
            return self.now
        return self.merged_at(path) or self.now

    def merged(self, path: str) -> bool:
        """Whether the sign-off was merged before (then the gate judged it when it was)."""
        if self.added is not None and path in self.added:
            return False
        return self.merged_at is not None and self.merged_at(path) is not None

    def review_problem(self, data: dict[str, Any], record: Record, path: str) -> str | None:
        if self.added is None or path not in self.added:
            return None  # outside a pull request, or merged before: accepted at merge time
        if self.reviews is None or self.pr is None:
            return "review evidence is verified against the pull request's reviews: run " \
                   "`opsledger check` with --reviews FILE --pr N"
        evidence: dict[str, Any] = data["review"] if isinstance(data.get("review"), dict) else {}
        if evidence.get("pr") != self.pr:
            return f"it names pull request {evidence.get('pr')}, this is {self.pr}"
        if data.get("decision") != "approve":
            return "a review proves an approval only"
        review = self._latest_of(str(data.get("by")))
        if review is None:
            return f"{data.get('by')} (github_id in the policy) has no approving review on " \
                   "this pull request"
        return self._review_mismatch(review, evidence, data, record)

    def _latest_of(self, person: str) -> dict[str, Any] | None:
        github_id = self.policy.people.get(person, {}).get("github_id")
        latest = None
        for review in self.reviews or []:
            user: dict[str, Any] = review["user"] if isinstance(review.get("user"), dict) else {}
            if user.get("id") == github_id and github_id is not None and \
                    review.get("state") not in ("COMMENTED", "PENDING"):
                latest = review
        return latest

    def _review_mismatch(self, review: dict[str, Any], evidence: dict[str, Any],
                         data: dict[str, Any], record: Record) -> str | None:
        if review.get("id") != evidence.get("review_id"):
            return f"review {evidence.get('review_id')} is not {data.get('by')}'s latest " \
                   f"review ({review.get('id')}, {review.get('state')})"
        if review.get("state") != "APPROVED":
            return f"review {review.get('id')} is {review.get('state')}, not APPROVED"
        named = named_role(review)
        if named and named != data.get("role"):
            return f"review {review.get('id')} approves as {named}, not {data.get('role')}"
        proved = f"{record.id} as {data.get('role')}"
        if self._used.setdefault(review.get("id"), proved) != proved:
            return f"review {review.get('id')} already proves {self._used[review.get('id')]}"
        commit = str(review.get("commit_id"))
        if "commit" in evidence and evidence["commit"] != commit:
            return f"review {review.get('id')} approved commit {commit[:12]}, not " \
                   f"{str(evidence['commit'])[:12]} as the sign-off says"
        if self.digest_at is not None and \
                self.digest_at(commit, record, str(data.get("gate"))) != data.get("digest"):
            return f"review {review.get('id')} approved commit {commit[:12]}, where " \
                   f"{record.id} is not what the sign-off's digest says"
        if self.changed_by is not None and not self.changed_by(commit, record):
            return f"review {review.get('id')} approved commit {commit[:12]}, where this pull " \
                   f"request had not changed {record.id}: a review approves only what it saw " \
                   "changed"
        return None


def named_role(review: dict[str, Any]) -> str | None:
    """The role a review's body names with `/approve ROLE`, if it names one."""
    # A missing body reads "None", which names no role.
    named = re.search(r"/approve\s+([a-z][a-z0-9_]*)", str(review.get("body")))
    return named.group(1) if named else None


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
    assert signoff.doc is not None  # judge_all leaves out the files that did not load
    data = signoff.doc.data
    name = signoff.name
    if data.get("record") != record.id or data.get("role") != name.role or \
            data.get("by") != name.person or data.get("seq") != name.seq:
        return Verdict(signoff, State.MALFORMED, f"its record/role/by/seq must be {record.id}/"
                       f"{name.role}/{name.person}/{name.seq}, as its file name says")
    gate = data.get("gate")
    if not gate_known(record.kind, gate):
        return Verdict(signoff, State.MALFORMED, f"gate {gate!r} is not a gate of "
                       f"{a(record.kind)}")
    if "signature" in data and "review" in data:
        return Verdict(signoff, State.MALFORMED, "carries both a signature and a review")
    kind = "signature" if "signature" in data else "review"
    if kind not in policy.evidence:
        return Verdict(signoff, State.UNACCEPTED, f"{kind} evidence is not accepted by the "
                       f"policy (signoff_evidence: {', '.join(policy.evidence)})")
    if verifier is not None:
        failed = _evidence_problem(kind, data, verifier, record, signoff.path)
        if failed:
            return Verdict(signoff, *failed)
    if gate not in digests:
        digests[str(gate)] = digest(record, str(gate))
    current = digests[str(gate)]
    if data.get("digest") != current:
        return Verdict(signoff, State.STALE, f"signed {str(data.get('digest'))[:19]}..., the "
                       f"record is now {current[:19]}...; it must be signed again")
    return Verdict(signoff, State.VALID)


def _evidence_problem(kind: str, data: dict[str, Any], verifier: Verifier, record: Record,
                      path: str) -> tuple[State, str] | None:
    if kind == "review":
        reason = verifier.review_problem(data, record, path)
        return (State.UNVERIFIED, reason) if reason else None
    if not verifier.signature_ok(data, path):
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
        yield from _role_held(record, verdict, policy, verifier)
        code = verdict.state.code
        # A replaced decision is history: it cannot go stale and is never in the way.
        stale_matters = claims_approval and id(verdict) in counting and \
            verdict.data.get("gate") == "approval"
        # A replaced review sign-off names a review its person has since superseded (an
        # approval made again after a change): that is how it got replaced.
        superseded = verdict.state is State.UNVERIFIED and id(verdict) not in counting
        if code is None or (verdict.state is State.STALE and not stale_matters) or superseded:
            continue
        message = _MESSAGES[verdict.state].format(reason=verdict.reason,
                                                  status=record.data.get("status"))
        yield doc.problem((verdict.state.field,), code, message)


def _role_held(record: Record, verdict: Verdict, policy: Policy,
               verifier: Verifier | None) -> Iterator[Problem]:
    doc, name = verdict.signoff.doc, verdict.signoff.name
    assert doc is not None
    if name.role == REQUESTER:  # no policy role: the record says who holds it
        why = requester_refusal(record, name.person, verdict.data.get("decision"),
                                verdict.data.get("gate"))
        if why:
            yield doc.problem(("by",), "OL151", f"{why}; this sign-off counts for nothing")
        return
    if policy.holds(name.person, name.role) or \
            (verifier is not None and verifier.merged(verdict.signoff.path)):
        return  # a role given up later does not undo a sign-off merged while it was held
    if name.role not in policy.roles:
        yield doc.problem(("role",), "OL151", f"unknown role {name.role!r}")
    else:
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

"""A pull request's reviews read against the records it changes: each person's latest review
(matched by github_id) and what it means for the gates those records still need. An approval
stands for one role of one record when it can; it may be recorded already, no longer match
the pull request's content, or be ambiguous; a request for changes by a holder of a needed
role blocks like a reject. `record-reviews` writes what this finds; `check` says what to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from opsledger.approval import Evaluation, evaluate, excluded_people
from opsledger.digest import digest
from opsledger.gitrepo import GitRepo
from opsledger.ledger import Record, read_record
from opsledger.policy import Policy
from opsledger.problems import FatalError, Problem
from opsledger.requirements import default_gate, named_gate
from opsledger.signoffs import Verifier, named_role
from opsledger.tree import CommitTree
from opsledger.trustreviews import COMMIT, latest_reviews

if TYPE_CHECKING:
    from opsledger.history import Judged

MAX_ID = 2**53 - 1  # what JSON and the sign-off schema carry exactly
# (commit, record, gate) -> the gate's digest of the record at a commit of the pull request;
# None when the commit is not one of its commits (a force-push orphaned it) or lacks it.
ContentAt = Callable[[str, Record, str], str | None]


class Meaning(StrEnum):
    RECORD = "record"  # an approval to record as a sign-off
    RECORDED = "recorded"
    AGAIN = "again"  # it approved other content, or a commit the PR no longer has
    AMBIGUOUS = "ambiguous"
    UNNEEDED = "unneeded"
    UNKNOWN = "unknown"  # no person of the policy has this github_id
    MALFORMED = "malformed"  # not shaped as GitHub lists a review
    NOT_APPROVED = "not approved"


@dataclass(frozen=True)
class Need:
    """A gate of a record the pull request changes, evaluated as its sign-offs stand."""

    record: Record
    evaluation: Evaluation

    @property
    def missing(self) -> list[str]:
        return sorted({s.role for s in self.evaluation.slots if s.person is None})

    @property
    def filling(self) -> set[str]:
        return {s.person for s in self.evaluation.slots if s.person}


@dataclass(frozen=True)
class Reading:
    review: dict[str, Any]
    person: str | None
    meaning: Meaning
    why: str
    need: Need | None = None  # with the role, what an approval stands for
    role: str = ""
    digest: str = ""  # of the need's gate, at the reviewed commit and at the head alike

    @property
    def review_id(self) -> object:
        return self.review.get("id")

    @property
    def commit(self) -> str:
        return str(self.review.get("commit_id"))

    @property
    def who(self) -> str:
        login = (self.review.get("user") or {}).get("login")
        return self.person or f"GitHub user {str(login)[:40]!r}"


def on_walk(records: Sequence[Judged]) -> list[Need]:
    """The approval gates on the transitions the pull request makes."""
    return [Need(judged.record, evaluation) for judged in records
            for _, evaluation in judged.gates if evaluation.gate.decision == "approve"]


def needs(records: Sequence[Judged], policy: Policy, verifier: Verifier | None) -> list[Need]:
    """The gates on the pull request's transitions; for a record whose transition comes
    later (approved in review before `opsledger status`), the gate of its next gated step."""
    found = on_walk(records)
    walked = {need.record.id for need in found}
    for record in (j.record for j in records if j.record.id not in walked):
        gate = named_gate(record, policy, default_gate(record, policy, "", "approve"))
        if gate.decision == "approve":
            found.append(Need(record, evaluate(record, policy, gate, verifier)))
    return found


def recorded(records: Iterable[Record], pr: int) -> dict[object, str]:
    """Review id -> the sign-off file that already records it in pull request `pr`."""
    found: dict[object, str] = {}
    for record in records:
        for signoff in record.signoffs:
            evidence = signoff.doc.data.get("review") if signoff.doc else None
            if isinstance(evidence, dict) and evidence.get("pr") == pr:
                found.setdefault(evidence.get("review_id"), signoff.path)
    return found


def read(reviews: list[dict[str, Any]], needs: Sequence[Need], policy: Policy,
         done: dict[object, str], content_at: ContentAt) -> list[Reading]:
    """What each person's latest deciding review means for the records' needs."""
    return [_reading(review, policy.person_by_github_id(uid), needs, policy, done, content_at)
            for uid, review in _in_order(reviews)]


def _in_order(reviews: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each person's latest deciding review, in the order GitHub listed them (oldest first)."""
    position = {id(review): index for index, review in enumerate(reviews)}
    return sorted(latest_reviews(reviews).items(), key=lambda item: position[id(item[1])])


def _reading(review: dict[str, Any], person: str | None, needs: Sequence[Need], policy: Policy,
             done: dict[object, str], content_at: ContentAt) -> Reading:
    if not _well_formed(review):
        return Reading(review, person, Meaning.MALFORMED, "it is not a review as GitHub lists "
                       "it (a positive integer id and a commit_id)")
    if person is None:
        return Reading(review, None, Meaning.UNKNOWN, f"GitHub user id "
                       f"{(review.get('user') or {}).get('id')} is no person's github_id in "
                       "the base policy")
    if review.get("state") != "APPROVED":
        return Reading(review, person, Meaning.NOT_APPROVED,
                       f"{person}'s latest review is {str(review.get('state'))[:20]}")
    if review.get("id") in done:
        return Reading(review, person, Meaning.RECORDED, f"recorded in {done[review['id']]}")
    named = named_role(review)
    options = [(need, role) for need in needs for role in _roles(need, person, policy)
               if named in (None, role)]
    if not options:
        return Reading(review, person, Meaning.UNNEEDED, _unneeded(person, named, needs, policy))
    if len(options) > 1:
        listed = ", ".join(f"{need.record.id} as {role}" for need, role in options)
        return Reading(review, person, Meaning.AMBIGUOUS, f"it could approve {listed}; a "
                       "review approves one role of one record: approve again with "
                       "`/approve ROLE` in the review's text (one record per pull request)")
    need, role = options[0]
    return _content(Reading(review, person, Meaning.RECORD, "", need, role), content_at)


def _well_formed(review: dict[str, Any]) -> bool:
    review_id, commit = review.get("id"), review.get("commit_id")
    return isinstance(review_id, int) and not isinstance(review_id, bool) and \
        0 < review_id <= MAX_ID and isinstance(commit, str) and COMMIT.fullmatch(commit) is not None


def _roles(need: Need, person: str, policy: Policy) -> list[str]:
    """The needed roles of `need` this person could fill with an approval."""
    if person in excluded_people(need.record, policy):
        return []
    if policy.constraint("distinct_approvers") and person in need.filling:
        return []
    return [role for role in need.missing if policy.holds(person, role)]


def _unneeded(person: str, named: str | None, needs: Sequence[Need], policy: Policy) -> str:
    for need in needs:
        why = excluded_people(need.record, policy).get(person)
        if why:
            return f"{person}'s approval of {need.record.id} cannot count: {why}"
    if named:
        return f"it names `/approve {named}`, and no record of this pull request still " \
               f"needs {named} from {person}"
    return f"no record of this pull request still needs a role {person} holds"


def _content(reading: Reading, content_at: ContentAt) -> Reading:
    """An approval stands for the content it was made on; the head must still hold it."""
    assert reading.need is not None
    record, gate = reading.need.record, reading.need.evaluation.gate.name
    then = content_at(reading.commit, record, gate)
    if then is None:
        why = f"it approved commit {reading.commit[:12]}, which this pull request no longer " \
              f"contains (force-pushed?): {reading.person} must approve again"
    elif then != digest(record, gate):
        why = f"it approved commit {reading.commit[:12]}, and {record.id} has changed since: " \
              f"{reading.person} must approve again"
    else:
        return replace(reading, digest=then)
    return Reading(reading.review, reading.person, Meaning.AGAIN, why, reading.need, reading.role)


def content_at(repo: GitRepo, head: str) -> ContentAt:
    def at(commit: str, record: Record, gate: str) -> str | None:
        if not _in_pull_request(repo, commit, head):
            return None
        found, _ = read_record(CommitTree(repo, commit), record.kind, record.id)
        return digest(found, gate) if found.doc is not None else None
    return at


def _in_pull_request(repo: GitRepo, commit: str, head: str) -> bool:
    if not repo.has_commit(commit):
        return False
    try:
        return repo.merge_base(commit, head) == commit
    except FatalError:  # unrelated history
        return False


def problems(readings: Sequence[Reading], pr: int) -> Iterator[Problem]:
    """What `check` tells the pull request: approvals to record, approvals to make again."""
    for reading in readings:
        if reading.need is None or reading.need.record.doc is None:
            continue
        doc, rid = reading.need.record.doc, reading.need.record.id
        if reading.meaning is Meaning.RECORD:
            yield _warning(doc.problem(
                ("status",), "OL320", f"{rid}: {reading.person} approved in review "
                f"{reading.review_id} (as {reading.role}), not recorded yet: run `opsledger "
                f"record-reviews --pr {pr} --reviews FILE` and push the sign-off it writes"))
        elif reading.meaning is Meaning.AGAIN:
            yield _warning(doc.problem(("status",), "OL321", f"{rid}: {reading.person}'s review "
                                       f"{reading.review_id} no longer counts: {reading.why}"))


def _warning(problem: Problem) -> Problem:
    return replace(problem, severity="warning")


def blocks(reviews: list[dict[str, Any]], needs: Sequence[Need],
           policy: Policy) -> Iterator[Problem]:
    """A request for changes by a holder of a needed role blocks like a reject."""
    for uid, review in _in_order(reviews):
        person = policy.person_by_github_id(uid)
        if person is None or review.get("state") != "CHANGES_REQUESTED":
            continue
        for need in needs:
            roles = sorted({s.role for s in need.evaluation.slots if policy.holds(person, s.role)})
            if not roles or person in excluded_people(need.record, policy) or \
                    need.record.doc is None:
                continue
            review_id = str(review.get("id"))[:20]
            yield need.record.doc.problem(
                ("status",), "OL304", f"{need.record.id}: {need.evaluation.gate.purpose}: "
                f"{person} ({', '.join(roles)}) requested changes in review {review_id}: it "
                f"blocks like a reject until {person} approves or the review is dismissed")

"""One step of history judged: the records a diff touches, checked at the new commit and
as transitions from the old one, under the trust root of a third (the PR's base). Used by
`check` for a pull request and by `audit` for every commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsledger import numbering, trustroot
from opsledger.approval import Evaluation
from opsledger.digest import digest
from opsledger.gitrepo import GitRepo
from opsledger.ledger import ALLOWED_AT_TOP, Record, read_record, scan
from opsledger.mergetimes import at_commit
from opsledger.policy import Policy
from opsledger.problems import Problem, ordered
from opsledger.rules import linked_ids
from opsledger.signoffs import ChangedBy, DigestAt, Verifier
from opsledger.transitions import (
    Change,
    Edge,
    check_change,
    deleted,
    gate_evaluations,
    gate_problems,
    walk,
)
from opsledger.tree import CommitTree
from opsledger.trust import Trust, base_trust, in_trust_root, load_trust, trust_files
from opsledger.validate import validate_tree


@dataclass(frozen=True)
class Judged:
    """A record the step touches, as it was judged: the edges it took from its old status
    and each gate on them, evaluated (no edges when nothing holds it to a lifecycle: no
    policy, or a record imported with the ledger itself)."""

    record: Record
    old_status: str | None
    walk: tuple[Edge, ...]
    gates: tuple[tuple[Edge, Evaluation], ...]


@dataclass(frozen=True)
class Judgement:
    problems: list[Problem]
    count: int  # records the step touches
    records: tuple[Judged, ...]  # those still present at the new commit, by id
    # What judged them (for what a command reads next from the same pull request's reviews).
    policy: Policy | None = None
    verifier: Verifier | None = None


def touched(changes: list[tuple[str, str]]) -> tuple[set[str], list[str], list[str]]:
    """(record directory names, trust-root paths, record paths) a diff touches."""
    names: set[str] = set()
    trust, records = [], []
    for _, path in changes:
        parts = path.split("/")
        if in_trust_root(path):
            trust.append(path)
            continue
        names.add(parts[1])  # a README or .gitkeep too: the layout rules judge what it is
        if len(parts) > 2 or parts[-1] not in ALLOWED_AT_TOP:
            records.append(path)
    return names, trust, records


def check_commits(repo: GitRepo, trust_commit: str | None, old: str | None, new: str,
                  clock: datetime, reviews: list[dict[str, Any]] | None,
                  evidence: trustroot.Evidence | None = None,
                  pull_request: bool = False) -> tuple[list[Problem], int]:
    judgement = judge_commits(repo, trust_commit, old, new, clock, reviews, evidence,
                              pull_request)
    return judgement.problems, judgement.count


def judge_commits(repo: GitRepo, trust_commit: str | None, old: str | None, new: str,
                  clock: datetime, reviews: list[dict[str, Any]] | None,
                  evidence: trustroot.Evidence | None = None,
                  pull_request: bool = False) -> Judgement:
    changes = repo.changed_paths(old, new)
    names, trust_paths, record_paths = touched(changes)
    bootstrap = trustroot.bootstraps(repo, trust_commit)
    # In bootstrap there is no other trust root than the head's (checked as any head is).
    old_tree, new_tree = CommitTree(repo, old), CommitTree(repo, new)
    trust = load_trust(new_tree) if bootstrap else _base_trust(repo, trust_commit)
    since = repo.commit_time(trust_commit) if trust_commit and trust_paths else None
    problems = trustroot.check_change(repo, None if bootstrap else trust.policy, new,
                                      trust_paths, record_paths,
                                      evidence or trustroot.Evidence(reviews), since,
                                      trust_commit,
                                      # validated below, under the same (the head's) trust
                                      frozenset(names) if bootstrap else frozenset(), new_tree)
    if not names:
        return Judgement(ordered(problems + trust.problems), 0, ())
    base_ledger = scan(old_tree, names)
    verifier = None if trust.policy is None else Verifier(
        trust.policy, reviews, evidence.pr if evidence else None,
        _added_signoffs(changes) if pull_request else None, _digest_at(repo),
        at_commit(repo, new), _changed_by(repo, trust_commit), clock)
    if trust_commit is not None and trust_commit != old:
        # The base moved on since the fork: it may have taken an id this branch adds.
        at_fork = base_ledger.ids["release"] | base_ledger.ids["incident"]
        problems += numbering.taken_on_base(repo, trust_commit, new, names - at_fork)
    # The PR answers for everything `validate` says of the records it touches and of every
    # record linked to or from them (a one-sided link breaks the record on the other end).
    linked = linked_ids(scan(new_tree, names)) | linked_ids(base_ledger)
    head_ledger, head_problems = validate_tree(new_tree, trust, names | linked, verifier)
    problems += head_problems
    problems += [deleted(old_record) for record_id, old_record in base_ledger.records.items()
                 if record_id not in head_ledger.records]
    judged = []
    for record_id in sorted(names & set(head_ledger.records)):
        after, before = head_ledger.records[record_id], base_ledger.records.get(record_id)
        if trust.policy is None or (before is None and bootstrap):
            # No lifecycle to hold it to: no policy, or a record imported with the ledger.
            judged.append(Judged(after, _status(before), (), ()))
            continue
        record_problems, record = _judge(Change(before, after, trust.policy, clock, verifier))
        problems += record_problems
        judged.append(record)
    return Judgement(ordered(problems), len(names), tuple(judged), trust.policy, verifier)


def _base_trust(repo: GitRepo, commit: str | None) -> Trust:
    """The trust root of a commit, loaded once per distinct policy and schemas: audit judges
    each commit under its parent's, which is nearly always the one before's. Kept by the
    files' object ids (their content), outside the repository's bounded memo, which a
    commit importing thousands of records fills many times over."""
    tree = CommitTree(repo, commit)
    key = tuple((tree.kind(path), tree.blob(path)) for path in trust_files())
    if key not in _TRUSTS:
        if len(_TRUSTS) >= 8:
            del _TRUSTS[next(iter(_TRUSTS))]
        _TRUSTS[key] = base_trust(tree)
    return _TRUSTS[key]


_TRUSTS: dict[tuple[tuple[str | None, str | None], ...], Trust] = {}


def _judge(change: Change) -> tuple[list[Problem], Judged]:
    """The change's problems, its gates evaluated once for both them and the summary."""
    gates = gate_evaluations(change) if change.new.doc is not None else []
    problems = [*check_change(change, gates=False), *gate_problems(change, gates)]
    return problems, Judged(change.new, change.old_status, tuple(walk(change)), tuple(gates))


def _status(record: Record | None) -> str | None:
    return str(record.data.get("status")) if record else None


def _added_signoffs(changes: list[tuple[str, str]]) -> frozenset[str]:
    return frozenset(path for status, path in changes if status == "A" and "/signoffs/" in path)


def _changed_by(repo: GitRepo, base: str | None) -> ChangedBy:
    """Whether a commit of the pull request holds a record (its file, postmortem or sign-offs)
    other than it was where that commit left the base (a new record counts as changed)."""
    def changed(commit: str, record: Record) -> bool:
        at = _record_at(repo, commit, record)
        if at is None or base is None:
            return at is not None
        before = _record_at(repo, repo.merge_base(base, commit), record)
        return before is None or before.doc is None or at.data != before.data or \
            at.postmortem != before.postmortem or _signed(at) != _signed(before)
    return changed


def _signed(record: Record) -> set[str]:
    return {signoff.path for signoff in record.signoffs}


def _record_at(repo: GitRepo, commit: str, record: Record) -> Record | None:
    """The record as another commit holds it; None when that commit is not in this clone."""
    if not repo.has_commit(commit):
        return None
    return read_record(CommitTree(repo, commit), record.kind, record.id)[0]


def _digest_at(repo: GitRepo) -> DigestAt:
    """The digest a record had at another commit of the pull request (None when that
    commit is not in this clone or the record cannot be read there)."""
    def at(commit: str, record: Record, gate: str) -> str | None:
        found = _record_at(repo, commit, record)
        return digest(found, gate) if found is not None and found.doc is not None else None
    return at

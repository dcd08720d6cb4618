"""A change to the trust root (DESIGN §8): it may not carry records, must leave a valid
ledger, and needs the approval the base policy names in `trust_root`: approving reviews
by people the base policy knows by GitHub user id, on a commit whose trust-root tree is the
head's. Only a base with no policy and no records lets the head's trust root stand alone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opsledger import timefmt
from opsledger.gitrepo import GitRepo
from opsledger.keyrotation import key_changes
from opsledger.ledger import Ledger, list_ids
from opsledger.location import POLICY_FILE
from opsledger.mergetimes import at_commit
from opsledger.policy import Policy, Slot
from opsledger.problems import FatalError, Problem
from opsledger.signoffs import Verifier
from opsledger.tree import CommitTree
from opsledger.trust import in_trust_root, read_trust
from opsledger.trustreviews import Approvers, approvers, fill
from opsledger.trustsigs import Approval
from opsledger.trustsigs import approvers as signed_approvers
from opsledger.validate import validate_tree

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of a tree with nothing


@dataclass(frozen=True)
class Evidence:
    """What can show a trust-root change approved."""

    reviews: list[dict[str, Any]] | None = None  # the pull request's reviews (GitHub's shape)
    pr: int | None = None
    approvals: list[Approval] | None = None  # SSH-signed approvals (ledgers off GitHub)
    now: datetime | None = None  # when signed approvals are judged (a retired key signs no more)
    # `audit` replays history whose reviews it may not have: it then lists a trust-root
    # change as unverified (a warning, saying why) instead of failing every policy commit.
    unverified: str | None = None
    audit: bool = False


def bootstraps(repo: GitRepo, base: str | None) -> bool:
    """True if the base is no ledger yet (no policy at all and no records), so the head's
    trust root is the only one there is. A base with records but no policy is refused."""
    if base is None:
        return True
    tree = CommitTree(repo, base)
    if tree.kind(POLICY_FILE) is not None:
        return False
    ledger = Ledger()
    list_ids(tree, ledger)
    if any(ledger.ids.values()):
        raise FatalError(f"the base {base[:12]} holds records but no {POLICY_FILE}; restore the "
                         "policy on the base branch first: a change is never judged by its own "
                         "policy")
    return True


def tree_digest(repo: GitRepo, commit: str) -> str | None:
    """sha256 over the sorted (path, blob, mode) of every trust-root file of a commit: equal
    digests mean the same trust root, whatever happened to the records ("update branch")."""
    rows = repo.tree_files(commit)
    if rows is None:
        return None
    hashed = hashlib.sha256()
    for path, sha, mode in sorted((p, s, m) for m, s, p in rows if in_trust_root(p)):
        hashed.update(f"{path}\0{sha}\0{mode}\0".encode("utf-8", "surrogateescape"))
    return hashed.hexdigest()


def trust_root_version(repo: GitRepo, commit: str | None) -> str:
    """The last commit on the base's first-parent line that changed its trust root: what a
    signed approval of a change is bound to. Records merged since do not move it; any
    trust-root change does, a revert included (so approvals of an undone change cannot be
    replayed to bring it back)."""
    return repo.last_change_outside(commit, "releases", "incidents") if commit else ""


def read_reviews(path: Path, flag: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FatalError(f"{flag} {path}: cannot read a JSON list of reviews ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FatalError(f"{flag} {path}: expected GitHub's JSON array of reviews")
    return data


def check_change(repo: GitRepo, base: Policy | None, new: str, trust_paths: list[str],
                 record_paths: list[str], evidence: Evidence,
                 since: datetime | None = None, base_commit: str | None = None,
                 judged: frozenset[str] = frozenset(),
                 head_tree: CommitTree | None = None) -> list[Problem]:
    """Problems of a change to the trust root; `base` is None when the change bootstraps;
    `since` is when the base commit was made (a key is not retired before it); `judged`:
    records the caller validates itself under the head's trust root; `head_tree`: the
    caller's reading of `new` (records it has read are not read again)."""
    if not trust_paths:
        return []
    problems = []
    # Replayed history has one commit that creates the ledger (policy and records imported
    # together, before there was a base to review against); a pull request never is one.
    creation = evidence.audit and base is None
    if record_paths and not creation:
        problems.append(Problem(trust_paths[0], None, None, "OL211", f"this change edits the "
                                f"trust root ({_listed(trust_paths)}) and records "
                                f"({_listed(record_paths)}); split it into two pull "
                                "requests so the trust-root change gets its own review"))
    # Replayed history is merged: its schemas are already trusted by every later check.
    head, found = head_problems(head_tree or CommitTree(repo, new), merged=evidence.audit,
                                judged=judged)
    problems += found
    if base is not None:
        if head is not None and POLICY_FILE in trust_paths and since is not None:
            problems += key_changes(base, head, since)
        problems += approval_problems(repo, base, new, trust_paths, evidence, base_commit)
    return problems


def head_problems(tree: CommitTree, merged: bool = False,
                  judged: frozenset[str] = frozenset()) -> tuple[Policy | None, list[Problem]]:
    """The head must still be a ledger: its policy and schemas load, and everything in it
    validates against them (what `validate` of the head would say)."""
    trust = read_trust(tree, strict=True, merged=merged)
    if isinstance(trust, list):
        return None, trust
    if trust.policy is None:
        return None, trust.problems
    assert tree.commit is not None  # a head is a commit
    verifier = Verifier(trust.policy, merged_at=at_commit(tree.repo, tree.commit))
    return trust.policy, validate_tree(tree, trust, None, verifier, skip=judged)[1]


def approval_problems(repo: GitRepo, policy: Policy, new: str, paths: list[str],
                      evidence: Evidence, base_commit: str | None = None) -> list[Problem]:
    slots = policy.trust_root_slots()
    where, changed = paths[0], f"this change edits the trust root ({_listed(paths)})"
    if slots is None:
        return [Problem(where, None, None, "OL215", f"{changed} and the base {POLICY_FILE} "
                        "names no `trust_root` approvers, so no review can approve it; an "
                        "administrator adds `trust_root` to the policy first")]
    need = _needed(slots, policy)
    if evidence.reviews is None and evidence.approvals is None:
        if evidence.unverified is not None:
            return [Problem(where, None, None, "OL215", f"trust-root change not verified (no "
                            f"reviews{evidence.unverified}): {changed}; it needs {need}",
                            severity="warning")]
        return [Problem(where, None, None, "OL215", f"{changed}; it needs approving reviews "
                        f"by {need} on a commit with this trust-root tree: pass the pull "
                        "request's reviews with `--reviews FILE --pr N` (or, off GitHub, "
                        "their `opsledger sign-trust-root` approvals with `--approvals DIR`)")]
    digest = tree_digest(repo, new)
    assert digest is not None  # the head was resolved
    found = _approvers(repo, policy, trust_root_version(repo, base_commit), digest, evidence)
    if len(fill(slots, found.people, policy)) == sum(s.count for s in slots):
        return []
    got = ", ".join(sorted(found.people)) or "nobody"
    why = f" ({'; '.join(found.reasons[:3])})" if found.reasons else ""
    return [Problem(where, None, None, "OL215", f"{changed}; it needs approving reviews by "
                    f"{need} on a commit with this trust-root tree; approved by {got}{why}")]


def _approvers(repo: GitRepo, policy: Policy, base_version: str, digest: str,
               evidence: Evidence) -> Approvers:
    found = Approvers()
    if evidence.reviews is not None:
        found = approvers(evidence.reviews, evidence.pr, policy, digest,
                          lambda commit: tree_digest(repo, commit))
    if evidence.approvals is not None:
        signed = signed_approvers(evidence.approvals, policy, base_version, digest,
                                  evidence.now or timefmt.now_utc())
        found.people |= signed.people
        found.reasons += signed.reasons
    return found


def _needed(slots: list[Slot], policy: Policy) -> str:
    return " and ".join(f"{slot.count} of {slot.role} "
                        f"({', '.join(policy.roles.get(slot.role, [])) or 'nobody'})"
                        for slot in slots)


def _listed(paths: list[str]) -> str:
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return ", ".join(paths[:3]) + more

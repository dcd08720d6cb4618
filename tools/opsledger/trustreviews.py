"""Pull-request reviews as approval of a trust-root change: whose latest review approves,
matched to the policy's people by GitHub's numeric user id (a login can be renamed and
re-registered by someone else; the id cannot), and how many slots they fill."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsledger.policy import Policy, Slot

COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_SILENT = {"COMMENTED", "PENDING"}  # a comment neither approves nor withdraws an approval


@dataclass
class Approvers:
    people: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)  # why other reviews do not count


def latest_reviews(reviews: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each GitHub user's latest review that decides something (GitHub lists oldest first):
    an approval followed by "changes requested" or a dismissal no longer approves."""
    latest: dict[int, dict[str, Any]] = {}
    for review in reviews:
        user = review.get("user")
        uid = user.get("id") if isinstance(user, dict) else None
        if isinstance(uid, int) and not isinstance(uid, bool) and \
                review.get("state") not in _SILENT:
            latest[uid] = review
    return latest


def approvers(reviews: list[dict[str, Any]], pr: int | None, policy: Policy, head_tree: str,
              tree_of: Callable[[str], str | None]) -> Approvers:
    """People of `policy` whose latest review approves a commit whose trust-root tree digest
    (`tree_of`, None for a commit this clone lacks) is `head_tree`."""
    found = Approvers()
    for uid, review in latest_reviews(reviews).items():
        person = policy.person_by_github_id(uid)
        reason = _not_counted(review, person, uid, pr) or _other_tree(review, head_tree,
                                                                        tree_of)
        if reason is not None:
            found.reasons.append(f"review {str(review.get('id'))[:20]} by "
                                 f"{str((review.get('user') or {}).get('login'))[:40]!r}: "
                                 f"{reason}")
        elif person is not None:
            found.people.add(person)
    return found


def _not_counted(review: dict[str, Any], person: str | None, uid: int,
                 pr: int | None) -> str | None:
    if person is None:
        return f"GitHub user id {uid} is no person's github_id in the base policy"
    if review.get("state") != "APPROVED":
        return f"{person}'s latest review is {str(review.get('state'))[:20]}"
    url = review.get("pull_request_url")
    if pr is not None and isinstance(url, str) and not url.endswith(f"/pulls/{pr}"):
        return f"it belongs to another pull request ({url[-40:]})"
    commit = review.get("commit_id")
    if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
        return "it names no commit"
    return None


def _other_tree(review: dict[str, Any], head_tree: str,
                tree_of: Callable[[str], str | None]) -> str | None:
    commit = str(review.get("commit_id"))
    tree = tree_of(commit)
    if tree is None:
        return f"it approved {commit[:12]}, which is not in this clone (fetch the pull " \
               "request's commits)"
    if tree != head_tree:
        return f"it approved {commit[:12]}, whose trust-root tree is not the head's"
    return None


def fill(slots: list[Slot], people: set[str], policy: Policy) -> dict[int, str]:
    """Seat -> person: each seat of a slot needs someone holding its role, one seat each.
    A maximum matching, so the order people are tried in cannot leave a seat empty."""
    seats = [slot.role for slot in slots for _ in range(slot.count)]
    taken: dict[int, str] = {}

    def seat(person: str, tried: set[int]) -> bool:
        for index, role in enumerate(seats):
            if index in tried or not policy.holds(person, role):
                continue
            tried.add(index)
            if index not in taken or seat(taken[index], tried):
                taken[index] = person
                return True
        return False

    for person in sorted(people):
        seat(person, set())
    return taken

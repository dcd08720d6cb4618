"""When each file of a ledger reached its branch: the time a retired or compromised key is
judged by (by history, never by a sign-off's self-declared `at`). Read lazily, in one pass,
and only when a signer has a dated key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from opsledger import timefmt
from opsledger.gitrepo import GitRepo
from opsledger.problems import FatalError

MergedAt = Callable[[str], datetime | None]  # path -> when it was merged (None: not yet)
LEDGER_DIRS = ("releases", "incidents")


def at_commit(repo: GitRepo, commit: str | None) -> MergedAt:
    times: dict[str, str] | None = None

    def merged(path: str) -> datetime | None:
        nonlocal times
        if times is None:
            times = repo.added_times(commit, *LEDGER_DIRS) if commit else {}
        return timefmt.parse_or_none(times.get(path))
    return merged


def in_worktree(root: Path) -> MergedAt:
    """For the working tree: the history of HEAD (a file not committed yet is judged as
    signed now); outside a git repository nothing is merged."""
    inner: MergedAt | None = None

    def merged(path: str) -> datetime | None:
        nonlocal inner
        if inner is None:
            try:
                repo = GitRepo(root)
                inner = at_commit(repo, repo.resolve("HEAD"))
            except FatalError:
                inner = _never
        return inner(path)
    return merged


def _never(path: str) -> datetime | None:
    return None

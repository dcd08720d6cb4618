"""`opsledger check`: a pull request as the transition from its base to its head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opsledger import timefmt
from opsledger.gitrepo import GitRepo
from opsledger.history import check_commits
from opsledger.problems import FatalError, Outcome
from opsledger.reporters import FORMATS


def run(*, base: str, head: str, reviews: str | None, now: str | None,
        format: str) -> Outcome:
    clock = timefmt.option(now, "--now")
    repo = GitRepo(Path.cwd())
    base_sha, head_sha = repo.resolve(base), repo.resolve(head)
    # Merge-base semantics: the PR answers only for what changed since it left the base.
    fork = repo.merge_base(base_sha, head_sha)
    problems, count = check_commits(repo, base_sha, fork, head_sha, clock, _reviews(reviews))
    checked = f"{count} records changed in {fork[:12]}..{head_sha[:12]}"
    return Outcome(FORMATS[format](problems, checked), 1 if problems else 0)


def _reviews(path: str | None) -> list[dict[str, Any]] | None:
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FatalError(f"--reviews {path}: cannot read a JSON list of reviews ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FatalError(f"--reviews {path}: expected GitHub's JSON array of reviews")
    return data

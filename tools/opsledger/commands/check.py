"""`opsledger check`: a pull request as the transition from its base to its head."""

from __future__ import annotations

from pathlib import Path

from opsledger import ids, timefmt, trustroot
from opsledger.gitrepo import GitRepo
from opsledger.history import judge_commits
from opsledger.jobsummary import markdown
from opsledger.problems import FatalError, Outcome
from opsledger.reporters import FORMATS
from opsledger.wording import count


def run(*, base: str, head: str, reviews: str | None, pr: int | None, now: str | None,
        format: str) -> Outcome:
    if (reviews is None) != (pr is None):
        raise FatalError("--reviews FILE and --pr N go together: the reviews of pull request N")
    clock = timefmt.option(now, "--now")
    repo = GitRepo(Path.cwd())
    head_sha = repo.resolve(head)
    # The empty tree as base: the change creates the ledger (it has no commit to resolve).
    base_sha = None if base == trustroot.EMPTY_TREE else repo.resolve(base)
    # Merge-base semantics: the PR answers only for what changed since it left the base.
    fork = repo.merge_base(base_sha, head_sha) if base_sha else None
    listed = trustroot.read_reviews(Path(reviews), "--reviews") if reviews else None
    judged = judge_commits(repo, base_sha, fork, head_sha, clock, listed,
                           trustroot.Evidence(listed, pr), pull_request=True)
    problems = judged.problems
    checked = f"{count(judged.count, 'record')} changed in {_label(fork)}..{head_sha[:12]}"
    if trustroot.bootstraps(repo, base_sha):
        checked += (f"; bootstrap: {_label(base_sha)} has no policy and no records, so the "
                    "policy and schemas are trusted from the head")
    errors = [p for p in problems if p.severity == "error"]
    # Only the job summary lays out each record's transitions and gates.
    output = markdown(problems, checked, judged.records) if format == "markdown" else \
        FORMATS[format](problems, checked)
    return Outcome(output, 1 if errors else 0, _uncommitted(repo))


def _uncommitted(repo: GitRepo) -> str:
    """The check judges commits; record files only in the working tree are not in them."""
    pending = repo.uncommitted(*ids.KINDS.values())
    if not pending:
        return ""
    shown = ", ".join(pending[:3]) + (f" and {len(pending) - 3} more" if len(pending) > 3 else "")
    return (f"warning: {len(pending)} record file(s) not committed ({shown}); `check` judges "
            "commits, so they were not checked: `git add` and commit them first")


def _label(commit: str | None) -> str:
    return commit[:12] if commit else "the empty tree"

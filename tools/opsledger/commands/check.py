"""`opsledger check`: a pull request as the transition from its base to its head."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opsledger import ids, prreviews, timefmt, trustroot, trustsigs
from opsledger.gitrepo import GitRepo
from opsledger.history import Judgement, judge_commits
from opsledger.jobsummary import markdown
from opsledger.problems import FatalError, Outcome, Problem, ordered
from opsledger.reporters import FORMATS
from opsledger.wording import count


def run(*, base: str, head: str, reviews: str | None, pr: int | None, now: str | None,
        format: str, approvals: str | None = None) -> Outcome:
    if (reviews is None) != (pr is None):
        raise FatalError("--reviews FILE and --pr N go together: the reviews of pull request N")
    clock = timefmt.option(now, "--now")
    repo = GitRepo(Path.cwd())
    head_sha = repo.resolve(head)
    # The empty tree as base: the change creates the ledger (it has no commit to resolve).
    base_sha = None if base == trustroot.EMPTY_TREE else repo.resolve(base)
    # The PR answers only for what changed since it left the base...
    fork = repo.merge_base(base_sha, head_sha) if base_sha else None
    old, new, note = fork, head_sha, ""
    if base_sha is not None and fork != base_sha:
        # ...but what lands is its merge with the base as it is now (a revoke merged since
        # the fork must stop the approval): judge that, as the PR workflow does.
        merged = repo.merge_commit(base_sha, head_sha)
        if merged is None:
            note = (f"warning: {head_sha[:12]} conflicts with {base_sha[:12]}, so only its own "
                    "changes were checked; merge or rebase onto the base and check again")
        else:
            old, new = base_sha, merged
    listed = trustroot.read_reviews(Path(reviews), "--reviews") if reviews else None
    signed = trustsigs.read_dir(Path(approvals)) if approvals else None
    judged = judge_commits(repo, base_sha, old, new, clock, listed,
                           trustroot.Evidence(listed, pr, signed, clock), pull_request=True)
    problems = judged.problems
    if listed is not None and pr is not None and judged.policy is not None:
        problems = ordered([*problems, *_reviews_say(repo, judged, listed, pr, head_sha)])
    checked = f"{count(judged.count, 'record')} changed in {_label(old)}..{head_sha[:12]}"
    if new != head_sha:
        checked += f" (merged into {_label(base_sha)})"
    if trustroot.bootstraps(repo, base_sha):
        checked += (f"; bootstrap: {_label(base_sha)} has no policy and no records, so the "
                    "policy and schemas are trusted from the head")
    errors = [p for p in problems if p.severity == "error"]
    # Only the job summary lays out each record's transitions and gates.
    output = markdown(problems, checked, judged.records) if format == "markdown" else \
        FORMATS[format](problems, checked)
    return Outcome(output, 1 if errors else 0,
                   "\n".join(filter(None, (note, _uncommitted(repo, head_sha)))))


def _reviews_say(repo: GitRepo, judged: Judgement, reviews: list[dict[str, Any]], pr: int,
                 head: str) -> Iterator[Problem]:
    """Requests for changes that block; approvals to record, or to make again."""
    assert judged.policy is not None
    # What a request for changes blocks is what an approval would be recorded for: the gates
    # on the PR's transitions, or a changed record's next gated step (a PR that only edits a
    # record must not collect approvals past a reviewer who asked for changes).
    needs = prreviews.needs(judged.records, judged.policy, judged.verifier)
    yield from prreviews.blocks(reviews, needs, judged.policy)
    done = prreviews.recorded((j.record for j in judged.records), pr)
    yield from prreviews.problems(prreviews.read(reviews, needs, judged.policy, done,
                                                 prreviews.content_at(repo, head)), pr)


def _uncommitted(repo: GitRepo, head: str) -> str:
    """The check judges commits; record files only in the working tree are not in them.
    Only when the head is the working tree's own commit could committing them change what
    was checked (and `git status` stats every file of a 10,000-record ledger)."""
    if repo.head_commit() != head:
        return ""
    pending = repo.uncommitted(*ids.KINDS.values())
    if not pending:
        return ""
    shown = ", ".join(pending[:3]) + (f" and {len(pending) - 3} more" if len(pending) > 3 else "")
    return (f"warning: {len(pending)} record file(s) not committed ({shown}); `check` judges "
            "commits, so they were not checked: `git add` and commit them first")


def _label(commit: str | None) -> str:
    return commit[:12] if commit else "the empty tree"

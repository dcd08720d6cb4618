"""`opsledger audit`: replay first-parent history, checking each commit like a PR.

A long history is split into consecutive stretches replayed side by side, one process a
core (`--jobs`): each commit is judged against its own parent, so a stretch needs nothing
from the one before it."""

from __future__ import annotations

import dataclasses
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from opsledger import timefmt, trustroot, trustsigs
from opsledger.escape import safe
from opsledger.gitrepo import Commit, GitRepo
from opsledger.history import check_commits
from opsledger.problems import FatalError, Outcome, Problem
from opsledger.reporters import FORMATS
from opsledger.wording import count

# GitHub's subjects for a merge commit and for a squash merge.
_PR_SUBJECT = re.compile(r"^Merge pull request #(\d+) |\(#(\d+)\)$")
# Below this many commits a second process costs more than it saves (start-up, and listing
# the ledger once more for its first commit).
PARALLEL_FROM = 300


@dataclasses.dataclass
class Stretch:
    """What replaying some consecutive commits found."""

    sections: list[str] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    failing: int = 0


def run(*, start: str | None, end: str, reviews: str | None, format: str,
        approvals: str | None = None, jobs: int | None = None) -> Outcome:
    repo = GitRepo(Path.cwd())
    if approvals:
        trustsigs.read_dir(Path(approvals))  # unreadable approvals stop the run here
    if reviews is not None and not Path(reviews).is_dir():
        raise FatalError(f"--reviews {reviews}: not a directory of <PR number>.json files")
    if jobs is not None and jobs < 1:
        raise FatalError(f"--jobs {jobs}: give 1 or more")
    start_sha = repo.resolve(start) if start else None
    end_sha = repo.resolve(end)
    commits = repo.first_parent_history(start_sha, end_sha)
    repo.read_first_parent_diffs(start_sha, end_sha)  # every diff in one pass, not one a commit
    spans = _spans(repo, commits, start_sha, jobs or min(os.cpu_count() or 1, 4))
    tasks = [(str(repo.root), first, last, reviews, approvals) for first, last in spans]
    if len(tasks) == 1:
        found = [_replay(repo, commits, reviews, approvals)]
    else:
        # Spawned, not forked: a fork would share this process's `git cat-file` pipes.
        with ProcessPoolExecutor(len(tasks), mp_context=get_context("spawn")) as pool:
            found = list(pool.map(_replay_span, tasks))
    sections = [section for stretch in found for section in stretch.sections]
    everything = [problem for stretch in found for problem in stretch.problems]
    failing = sum(stretch.failing for stretch in found)
    summary = f"{count(len(commits), 'commit')} audited, {failing} with problems"
    if len(sections) > failing:
        summary += f", {len(sections) - failing} with warnings only"
    if format == "text":
        return Outcome("\n".join([*sections, summary]), 1 if failing else 0)
    return Outcome(FORMATS[format](everything, summary), 1 if failing else 0)


def _spans(repo: GitRepo, commits: list[Commit], start: str | None,
           jobs: int) -> list[tuple[str | None, str]]:
    """(exclusive start, end) of up to `jobs` consecutive stretches of about equal work,
    reckoned by the files each commit changes (the commit that imports a ledger changes
    thousands)."""
    if not commits:
        return [(start, "")]
    if jobs == 1 or len(commits) < PARALLEL_FROM:
        return [(start, commits[-1].sha)]
    weights = [1 + len((repo.diff_step(commit.sha) or (None, []))[1]) / 20 for commit in commits]
    spans: list[tuple[str | None, str]] = []
    share, done, since = sum(weights) / jobs, 0.0, start
    for index, commit in enumerate(commits):
        done += weights[index]
        if done >= share * (len(spans) + 1) and len(spans) < jobs - 1 and \
                index < len(commits) - 1:
            spans.append((since, commit.sha))
            since = commit.sha
    spans.append((since, commits[-1].sha))
    return spans


def _replay_span(task: tuple[str, str | None, str, str | None, str | None]) -> Stretch:
    root, start, end, reviews, approvals = task
    repo = GitRepo(Path(root))
    commits = repo.first_parent_history(start, end)
    repo.read_first_parent_diffs(start, end)
    return _replay(repo, commits, reviews, approvals)


def _replay(repo: GitRepo, commits: list[Commit], reviews: str | None,
            approvals: str | None) -> Stretch:
    signed = trustsigs.read_dir(Path(approvals)) if approvals else None
    found = Stretch()
    for commit in commits:
        try:
            clock = timefmt.parse(commit.time)
        except ValueError:
            raise FatalError(f"commit {commit.sha[:12]} has an unreadable date") from None
        try:
            evidence = _evidence(commit, reviews, signed, clock)
            # With the merged pull request's reviews, its review sign-offs are verified as
            # its check verified them; without, they stand as accepted at merge time.
            problems, _ = check_commits(repo, commit.parent, commit.parent, commit.sha, clock,
                                        evidence.reviews, evidence,
                                        pull_request=evidence.reviews is not None)
        except FatalError as exc:
            if commit.parent is None:
                continue  # history from before the ledger existed
            problems = [Problem(commit.sha[:12], None, None, "OL160", str(exc))]
        if problems:
            found.failing += any(p.severity == "error" for p in problems)
            header = f"{commit.sha[:12]} {safe(commit.author)} <{safe(commit.email)}>: " \
                     f"{safe(commit.subject)}"
            found.sections.append(header + "\n" + "\n".join(
                "  " + line for line in FORMATS["text"](problems, "").splitlines()[:-1]))
            found.problems += [p.with_context(f"{commit.sha[:12]} ({safe(commit.author)}): ")
                               for p in problems]
    return found


def _evidence(commit: Commit, directory: str | None, signed: list[trustsigs.Approval] | None,
              clock: datetime) -> trustroot.Evidence:
    """The reviews of the pull request this commit merged, if we can tell which it was; the
    signed approvals are matched by the trust-root tree they approve, so one directory holds
    them all."""
    if signed is not None:
        reviewed = _evidence(commit, directory, None, clock)
        return dataclasses.replace(reviewed, approvals=signed, now=clock, unverified=None)
    if directory is None:
        return trustroot.Evidence(unverified="", audit=True)
    found = _PR_SUBJECT.search(commit.subject)
    if found is None:
        return trustroot.Evidence(unverified=": the subject names no pull request", audit=True)
    pr = int(found.group(1) or found.group(2))
    path = Path(directory) / f"{pr}.json"
    if not path.is_file():
        return trustroot.Evidence(unverified=f": no {path}", audit=True)
    reviews = trustroot.read_reviews(path, "--reviews")
    return trustroot.Evidence(reviews, pr, audit=True)

"""`opsledger audit`: replay first-parent history, checking each commit like a PR."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
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


def run(*, start: str | None, end: str, reviews: str | None, format: str,
        approvals: str | None = None) -> Outcome:
    repo = GitRepo(Path.cwd())
    signed = trustsigs.read_dir(Path(approvals)) if approvals else None
    if reviews is not None and not Path(reviews).is_dir():
        raise FatalError(f"--reviews {reviews}: not a directory of <PR number>.json files")
    start_sha = repo.resolve(start) if start else None
    end_sha = repo.resolve(end)
    commits = repo.first_parent_history(start_sha, end_sha)
    repo.read_first_parent_diffs(start_sha, end_sha)  # every diff in one pass, not one a commit
    sections, everything, failing = [], [], 0
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
            failing += any(p.severity == "error" for p in problems)
            header = f"{commit.sha[:12]} {safe(commit.author)} <{safe(commit.email)}>: " \
                     f"{safe(commit.subject)}"
            sections.append(header + "\n" + "\n".join(
                "  " + line for line in FORMATS["text"](problems, "").splitlines()[:-1]))
            everything += [p.with_context(f"{commit.sha[:12]} ({safe(commit.author)}): ")
                           for p in problems]
    summary = f"{count(len(commits), 'commit')} audited, {failing} with problems"
    if len(sections) > failing:
        summary += f", {len(sections) - failing} with warnings only"
    if format == "text":
        return Outcome("\n".join([*sections, summary]), 1 if failing else 0)
    return Outcome(FORMATS[format](everything, summary), 1 if failing else 0)


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

"""`opsledger audit`: replay first-parent history, checking each commit like a PR."""

from __future__ import annotations

from pathlib import Path

from opsledger import timefmt
from opsledger.escape import safe
from opsledger.gitrepo import GitRepo
from opsledger.history import check_commits
from opsledger.problems import FatalError, Outcome, Problem
from opsledger.reporters import FORMATS


def run(*, start: str | None, end: str, format: str) -> Outcome:
    repo = GitRepo(Path.cwd())
    start_sha = repo.resolve(start) if start else None
    commits = repo.first_parent_history(start_sha, repo.resolve(end))
    sections, everything = [], []
    for commit in commits:
        try:
            clock = timefmt.parse(commit.time)
        except ValueError:
            raise FatalError(f"commit {commit.sha[:12]} has an unreadable date") from None
        try:
            problems, _ = check_commits(repo, commit.parent, commit.parent, commit.sha, clock,
                                        None)
        except FatalError as exc:
            if commit.parent is None:
                continue  # history from before the ledger existed
            problems = [Problem(commit.sha[:12], None, None, "OL160", str(exc))]
        if problems:
            header = f"{commit.sha[:12]} {safe(commit.author)} <{safe(commit.email)}>: " \
                     f"{safe(commit.subject)}"
            sections.append(header + "\n" + "\n".join(
                "  " + line for line in FORMATS["text"](problems, "").splitlines()[:-1]))
            everything += [p.with_context(f"{commit.sha[:12]} ({safe(commit.author)}): ")
                           for p in problems]
    summary = f"{len(commits)} commits audited, {len(sections)} with problems"
    if format == "text":
        return Outcome("\n".join([*sections, summary]), 1 if sections else 0)
    return Outcome(FORMATS[format](everything, summary), 1 if sections else 0)

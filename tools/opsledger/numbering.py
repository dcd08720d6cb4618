"""Which id a new record takes: the next number of its year that no branch has taken, so two
people declaring incidents on two branches do not both take INC-2026-0007."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from opsledger import ids
from opsledger.lifecycle import Kind
from opsledger.problems import FatalError, Problem
from opsledger.tree import CommitTree, WorkTree

if TYPE_CHECKING:
    from opsledger.gitrepo import GitRepo


def next_free(taken: Iterable[str], kind: Kind, year: int) -> str:
    """The number after the highest taken in `year`: ids are never reused, so a gap left by
    a record that was never merged stays a gap."""
    prefix = f"{ids.PREFIX[kind]}-{year}-"
    used = [int(name[-4:]) for name in taken
            if name.startswith(prefix) and ids.kind_of(name) == kind]
    number = max(used, default=0) + 1
    if number > 9999:
        raise FatalError(f"no free {kind} id left in {year}")
    return f"{prefix}{number:04d}"


def taken_ids(root: Path, kind: Kind) -> set[str]:
    """The record directories of `kind` in the working tree and on every branch git knows
    (local and remote-tracking); outside a git repository, the working tree alone."""
    directory = ids.KINDS[kind]
    taken = {entry.name for entry in WorkTree(root).entries(directory)}
    from opsledger.gitrepo import GitRepo  # noqa: PLC0415 -- git only when needed

    try:
        repo = GitRepo(root)
    except FatalError:
        return taken  # not a git repository: no other branch can collide
    inside = (root / directory).resolve().relative_to(repo.root.resolve())
    return taken | repo.names_on_branches(inside.as_posix())


def next_id(root: Path, kind: Kind, year: int) -> str:
    return next_free(taken_ids(root, kind), kind, year)


def taken_on_base(repo: GitRepo, base: str, head: str, added: Iterable[str]) -> list[Problem]:
    """Records a pull request adds under an id the base took after the branch forked: the
    merge would meet an add/add conflict, or one record would overwrite the other."""
    base_tree, head_tree = CommitTree(repo, base), CommitTree(repo, head)
    problems = []
    for record_id in sorted(added):
        kind = ids.kind_of(record_id)
        if kind is None or base_tree.kind(ids.record_dir(record_id)) != "dir":
            continue
        taken = {e.name for tree in (base_tree, head_tree) for e in tree.entries(ids.KINDS[kind])}
        free = next_free(taken, kind, int(record_id[4:8]))
        problems.append(Problem(ids.record_file(record_id), None, None, "OL111",
                                f"{record_id} was taken on the base ({base[:12]}) after this "
                                f"branch forked; renumber this record: `opsledger renumber "
                                f"{record_id} {free}`"))
    return problems

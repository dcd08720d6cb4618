"""`opsledger renumber OLD NEW`: give a record that is not merged yet another id, after
another branch took its id first. Ids never change once merged; before that, the record is
only a proposal, and its sign-offs (bound to the id) are made again."""

from __future__ import annotations

import os
import re
import shutil

from opsledger import ids, numbering
from opsledger.atomic import write_atomic
from opsledger.gitrepo import GitRepo
from opsledger.ledger import Record
from opsledger.problems import FatalError, Outcome
from opsledger.rules import LINK_FIELDS
from opsledger.tree import CommitTree
from opsledger.wording import a
from opsledger.workspace import Workspace, require_id


def run(*, old: str, new: str, base: str) -> Outcome:
    workspace = Workspace.open()
    record = workspace.record(old)
    if ids.kind_of(require_id(new)) != record.kind:
        raise FatalError(f"{new} is not {a(record.kind)} id; {old} is {a(record.kind)}")
    taken = numbering.taken_ids(workspace.root, record.kind)
    if new in taken:
        free = numbering.next_free(taken, record.kind, int(old[4:8]))
        return Outcome("", 1, f"{new} is taken on a branch git knows; take {free}")
    merged = _merged_at(workspace, old, base)
    if merged:
        return Outcome("", 1, f"{old} is already on {base} (since {merged[:12]}): a merged "
                       "record keeps its id forever")
    resign = _drop_signoffs(workspace, record, new)
    os.rename(workspace.root / ids.record_dir(old), workspace.root / ids.record_dir(new))
    target = workspace.root / ids.record_file(new)
    text = target.read_text(encoding="utf-8")
    write_atomic(target, re.sub(rf"\b{re.escape(old)}\b", new, text).encode("utf-8"))
    notes = [f"renumbered {old} to {new}; commit the move", *resign]
    linking = _linking(workspace, old)
    if linking:
        notes.append(f"{', '.join(linking)} link to {old}: point them at {new} if they mean "
                     "this record")
    return Outcome(ids.record_file(new), note="\n".join(notes))


def _merged_at(workspace: Workspace, record_id: str, base: str) -> str | None:
    """The fork point from `base` when the record was already there (so it is merged);
    outside git nothing is merged."""
    try:
        repo = GitRepo(workspace.root)
    except FatalError:
        return None
    try:
        fork = repo.merge_base(repo.resolve(base), repo.resolve("HEAD"))
    except FatalError as exc:
        raise FatalError(f"{exc}; pass --base BRANCH, the branch this one merges into") from None
    inside = (workspace.root / ids.record_dir(record_id)).resolve()
    path = inside.relative_to(repo.root.resolve()).as_posix()
    return fork if CommitTree(repo, fork).kind(path) == "dir" else None


def _drop_signoffs(workspace: Workspace, record: Record, new: str) -> list[str]:
    """Remove the record's sign-offs: each signed the old id (in its `record` field and in
    the digest), so none could count for the new one. Says who signs again."""
    lines = []
    for signoff in record.signoffs:
        (workspace.root / signoff.path).unlink()
        name = signoff.name
        lines.append(f"{signoff.path} removed: it was bound to {record.id}; {name.person} "
                     f"signs again as {name.role} (`opsledger sign {new} --role {name.role}`)")
    signoffs = workspace.root / record.directory / "signoffs"
    if signoffs.is_dir() and not any(signoffs.iterdir()):
        shutil.rmtree(signoffs)
    return lines


def _linking(workspace: Workspace, record_id: str) -> list[str]:
    found = []
    for other in workspace.ledger().records.values():
        for field in LINK_FIELDS:
            value = other.data.get(field)
            if record_id in (value if isinstance(value, list) else [value]):
                found.append(other.id)
    return sorted(set(found) - {record_id})

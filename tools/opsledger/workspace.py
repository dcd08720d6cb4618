"""Finding the ledger a command works on, and the records named on the command line."""

from __future__ import annotations

from pathlib import Path

from opsledger import ids
from opsledger.ledger import POLICY_FILE, Record, read_record
from opsledger.problems import FatalError, Problem
from opsledger.tree import WorkTree


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / POLICY_FILE).is_file():
            return candidate
    raise FatalError(f"no {POLICY_FILE} in {here} or above: not an opsledger ledger "
                     "(cd into one, or run `opsledger init`)")


def require_id(value: str) -> str:
    if ids.kind_of(value) is None:
        raise FatalError(f"{ids.display(value)!r} is not a record id "
                         "(REL-YYYY-NNNN or INC-YYYY-NNNN)")
    return value


def load_record(root: Path, record_id: str) -> Record:
    kind = ids.kind_of(require_id(record_id))
    assert kind is not None
    tree = WorkTree(root)
    if tree.kind(ids.record_dir(record_id)) != "dir":
        raise FatalError(f"{record_id} does not exist (no {ids.record_dir(record_id)}/)")
    problems: list[Problem] = []
    record = read_record(tree, kind, record_id, problems)
    if record.doc is None:
        raise FatalError(f"{record_id} cannot be read: " +
                         "; ".join(f"{p.path}:{p.line}: {p.message}" for p in problems))
    return record


def ids_for_paths(root: Path, paths: list[str]) -> list[str]:
    found = []
    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists() and not path.is_symlink():
            raise FatalError(f"{raw}: no such file or directory")
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            raise FatalError(f"{raw} is outside the ledger at {root}") from None
        if not parts:
            return []
        if parts[0] not in ids.KINDS.values():
            raise FatalError(f"{raw} is not under releases/ or incidents/")
        if len(parts) == 1:
            return []
        found.append(parts[1])
    return found

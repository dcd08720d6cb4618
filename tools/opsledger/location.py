"""Where the ledger is: the directory a command works in, and the records paths name.
Light on purpose: a `validate` answered from the cache needs nothing else."""

from __future__ import annotations

from pathlib import Path

from opsledger import ids
from opsledger.problems import FatalError

POLICY_FILE = "opsledger.yaml"


def find_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / POLICY_FILE).is_file():
            return candidate
    raise FatalError(f"no {POLICY_FILE} in {here} or above: not an opsledger ledger "
                     "(cd into one, or run `opsledger init`)")


def ids_for_paths(root: Path, paths: list[str]) -> list[str] | None:
    """The record ids under `paths`; None when a path is the whole ledger."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists() and not path.is_symlink():
            raise FatalError(f"{raw}: no such file or directory")
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            raise FatalError(f"{raw} is outside the ledger at {root}") from None
        if not parts:
            return None
        if parts[0] not in ids.KINDS.values():
            raise FatalError(f"{raw} is not under releases/ or incidents/")
        if len(parts) == 1:  # a whole record folder: every record in it
            found += sorted(p.name for p in (root / parts[0]).iterdir() if p.is_dir())
        else:
            found.append(parts[1])
    return found

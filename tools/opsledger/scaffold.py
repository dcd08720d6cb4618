"""What `opsledger init` writes into a new ledger, and which of those files this repository
holds too. The package is the one source: `templates/skeleton/` (a leading `dot-` stands for
`.`, since wheels drop some dotfiles) and `schemas/`. This repository's own copies of the
shared files (its gate workflows, schemas and editor settings) are build products:
`python -m opsledger.scaffold` (`make shared`) rewrites them, and a test checks both ways
that they are equal, so a ledger made by `init` is gated exactly as this one is."""

from __future__ import annotations

import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from opsledger import __version__
from opsledger.atomic import write_atomic

SCHEMA_KINDS = ("release", "incident", "signoff", "policy")
# Ledger paths under these folders are the same bytes here and in every ledger `init` makes.
SHARED_FOLDERS = (".github/workflows/", "schemas/", ".vscode/")
# Files that name the opsledger version a ledger is checked with (its pyproject pin).
VERSION_MARK = "@OPSLEDGER_VERSION@"


def ledger_files(requirement: str | None = None) -> dict[str, bytes]:
    """Every file of a new ledger, by its path in the ledger; `requirement` replaces the
    `opsledger==VERSION` pin (e.g. a git URL while opsledger is not on a package index)."""
    package = resources.files("opsledger")
    found = {relative: node.read_bytes()
             for node, relative in _walk(package.joinpath("templates/skeleton"), "")}
    for kind in SCHEMA_KINDS:
        found[f"schemas/{kind}.schema.json"] = \
            package.joinpath(f"schemas/{kind}.schema.json").read_bytes()
    pin = f"opsledger=={VERSION_MARK}".encode()
    wanted = (requirement or f"opsledger=={__version__}").encode()
    return {path: data.replace(pin, wanted).replace(VERSION_MARK.encode(), __version__.encode())
            for path, data in found.items()}


def shared_files() -> dict[str, bytes]:
    return {path: data for path, data in ledger_files().items()
            if path.startswith(SHARED_FOLDERS)}


def sync(root: Path) -> list[str]:
    """Rewrite this repository's copies of the shared files; the paths that changed."""
    changed = []
    for path, data in sorted(shared_files().items()):
        target = root / path
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
            changed.append(path)
    return changed


def _walk(node: Traversable, prefix: str) -> list[tuple[Traversable, str]]:
    found = []
    for child in node.iterdir():
        if child.name == "__pycache__":
            continue
        name = "." + child.name.removeprefix("dot-") if child.name.startswith("dot-") \
            else child.name
        relative = f"{prefix}{name}"
        found += _walk(child, relative + "/") if child.is_dir() else [(child, relative)]
    return found


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for path in sync(root):
        print(f"rewrote {path}")

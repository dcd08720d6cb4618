"""`opsledger init [DIR]`: a new, empty ledger from the package's skeleton and schemas."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from opsledger.atomic import write_atomic
from opsledger.problems import FatalError, Outcome


def run(*, directory: str) -> Outcome:
    return Outcome(init_ledger(Path(directory)))


def init_ledger(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "opsledger.yaml").exists():
        raise FatalError(f"{directory} already holds a ledger (opsledger.yaml exists)")
    skeleton = resources.files("opsledger").joinpath("templates/skeleton")
    written = []
    for source, relative in _walk(skeleton, ""):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, source.read_bytes())
        written.append(relative)
    for kind in ("release", "incident", "signoff", "policy"):
        schema = resources.files("opsledger").joinpath(f"schemas/{kind}.schema.json")
        (directory / "schemas").mkdir(exist_ok=True)
        write_atomic(directory / "schemas" / f"{kind}.schema.json", schema.read_bytes())
        written.append(f"schemas/{kind}.schema.json")
    return "\n".join(sorted(written)) + f"\ninitialised an empty ledger in {directory}"


def _walk(node: Any, prefix: str) -> list[tuple[Any, str]]:
    found = []
    for child in node.iterdir():
        name = child.name.replace("dot-", ".", 1) if child.name.startswith("dot-") else child.name
        relative = f"{prefix}{name}"
        found += _walk(child, relative + "/") if child.is_dir() else [(child, relative)]
    return found

"""`opsledger validate [PATH...]`: one state of the ledger, checked (the working tree).

Nothing changed since the last run (same files, policy, schemas and tool): the problems
that run found are printed again from `.git/opsledger-cache/` without reading a record, so
the run after a pre-commit hook's costs what listing the ledger costs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsledger import ids
from opsledger.problems import Outcome, Problem
from opsledger.resultcache import Fingerprint, ResultCache
from opsledger.workspace import find_root, ids_for_paths

CACHE_NAME = "validate"
TRUST_FILES = ("opsledger.yaml", "schemas/release.schema.json",
               "schemas/incident.schema.json", "schemas/signoff.schema.json",
               "schemas/policy.schema.json")


def run(*, paths: list[str], format: str) -> Outcome:
    from opsledger.reporters import FORMATS  # noqa: PLC0415 -- see _judge

    # Not Workspace.open: validate is the command that reports a broken policy.
    root = find_root()
    only = ids_for_paths(root, paths) if paths else []
    cache = ResultCache(root)
    key = fingerprint(root, only)
    stored = cache.get(CACHE_NAME, key.hexdigest())
    if stored is not None:
        problems, checked = [Problem(**row) for row in stored["problems"]], stored["checked"]
    else:
        problems, checked = _judge(root, only)
        if not key.racy():
            cache.put(CACHE_NAME, key.hexdigest(), {"checked": checked, "problems": [
                vars(p) for p in problems]})
    return Outcome(FORMATS[format](problems, checked), 1 if problems else 0)


def fingerprint(root: Path, only: list[str]) -> Fingerprint:
    key = Fingerprint(CACHE_NAME, *sorted(only))
    key.contents(root, TRUST_FILES)
    for top in ids.KINDS.values():
        key.tree(root, top)
    return key


def _judge(root: Path, only: list[str]) -> tuple[list[Problem], str]:
    # Imported here: a run the cache answers never loads YAML, schema or signature code.
    from opsledger.signoffs import Verifier  # noqa: PLC0415
    from opsledger.tree import WorkTree  # noqa: PLC0415
    from opsledger.trust import load_trust  # noqa: PLC0415
    from opsledger.validate import validate_tree  # noqa: PLC0415

    tree = WorkTree(root)
    trust = load_trust(tree)
    verifier: Any = Verifier(trust.policy) if trust.policy else None
    ledger, problems = validate_tree(tree, trust, only or None, verifier)
    return problems, f"{len(ledger.records)} records"

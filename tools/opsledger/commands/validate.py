"""`opsledger validate [PATH...]`: one state of the ledger, checked (the working tree)."""

from __future__ import annotations

from opsledger.mergetimes import in_worktree
from opsledger.problems import Outcome
from opsledger.reporters import FORMATS
from opsledger.signoffs import Verifier
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.validate import validate_tree
from opsledger.wording import count
from opsledger.workspace import find_root, ids_for_paths


def run(*, paths: list[str], format: str) -> Outcome:
    # Not Workspace.open: validate is the command that reports a broken policy.
    root = find_root()
    only = ids_for_paths(root, paths) if paths else None
    tree = WorkTree(root)
    trust = load_trust(tree)
    verifier = Verifier(trust.policy, merged_at=in_worktree(root)) if trust.policy else None
    ledger, problems = validate_tree(tree, trust, only, verifier)
    checked = count(len(ledger.records), "record")
    return Outcome(FORMATS[format](problems, checked), 1 if problems else 0)

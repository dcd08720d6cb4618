"""The working tree's ledger and policy, for the read-only reporting commands."""

from __future__ import annotations

from opsledger.ledger import Ledger, scan
from opsledger.policy import Policy
from opsledger.problems import FatalError
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.workspace import find_root


def current_ledger() -> tuple[Ledger, Policy]:
    tree = WorkTree(find_root())
    policy = load_trust(tree).policy
    if policy is None:
        raise FatalError("opsledger.yaml has problems; run `opsledger validate` first")
    return scan(tree), policy

"""`opsledger due`: overdue obligations; exit 1 when there are any (for pipelines)."""

from __future__ import annotations

from opsledger.obligations import overdue
from opsledger.problems import Outcome
from opsledger.workspace import Workspace


def run(*, now: str | None) -> Outcome:
    workspace = Workspace.open(now=now)
    lines = list(overdue(workspace.ledger(), workspace.policy, workspace.clock))
    if not lines:
        return Outcome("nothing overdue")
    return Outcome("\n".join([*lines, f"{len(lines)} overdue"]), 1)

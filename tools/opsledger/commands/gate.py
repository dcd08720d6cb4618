"""`opsledger gate --system S --version V`: may this version ship now? For deploy jobs:
exit 0 yes, 1 no."""

from __future__ import annotations

from opsledger import lifecycle, schedule
from opsledger.approval import evaluate
from opsledger.problems import Outcome
from opsledger.requirements import approval_gate
from opsledger.workspace import Workspace


def run(*, system: str, version: str, now: str | None) -> Outcome:
    workspace = Workspace.open(now=now)
    allowed, reason = _decide(workspace, system, version)
    return Outcome(reason, 0 if allowed else 1)


def _decide(workspace: Workspace, system: str, version: str) -> tuple[bool, str]:
    policy, clock = workspace.policy, workspace.clock
    matches = [r for r in workspace.ledger().records.values() if r.kind == "release" and
               r.data.get("system") == system and str(r.data.get("version")) == version]
    if not matches:
        return False, f"no: no release request for {system} {version}"
    record = max(matches, key=lambda r: r.id)
    status = record.data.get("status")
    if status not in lifecycle.RELEASE_APPROVED:
        return False, f"no: {record.id} is {status}, not approved"
    evaluation = evaluate(record, policy, approval_gate(record, policy), workspace.verifier())
    if not evaluation.met and record.data.get("change_type") != "emergency":
        return False, f"no: {record.id} lacks valid sign-offs (run `opsledger show {record.id}`)"
    window = schedule.window_of(record, policy)
    if window is None or not window.admits(clock):
        written = record.data.get("window") or {}
        return False, (f"no: outside {record.id}'s window {written.get('start')} .. "
                       f"{written.get('end')}")
    freeze = schedule.freeze_at(record, policy, clock)
    if freeze is not None:
        return False, f"no: inside the freeze window {freeze.name!r}"
    return True, f"yes: {record.id} is {status} and inside its window"

"""Which sign-off slots a record's edge needs, by policy."""

from __future__ import annotations

from opsledger.ledger import Record
from opsledger.lifecycle import REOPEN
from opsledger.policy import Policy, Slot
from opsledger.signoffs import release_slots

SEVERITY_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}


def gated_slots(record: Record, old: str | None, new: str, policy: Policy,
                old_severity: object = None) -> tuple[str, list[Slot]] | None:
    """(what the slots are for, the slots) when the edge old -> new needs sign-offs."""
    data = record.data
    if record.kind == "release":
        emergency = data.get("change_type") == "emergency"
        if new == "approved" and old != "approved":
            return "approval", release_slots(record, policy)
        if new == "implementing" and old in ("draft", "submitted") and emergency:
            return "emergency start", release_slots(record, policy, "emergency")
        if new == "closed" and old != "closed" and emergency:
            return "closing an emergency change (retroactive)", release_slots(record, policy)
        return None
    if new == "closed" and old != "closed" and _postmortem_required(record, policy):
        return "closing (postmortem approval)", policy.gate("close")
    if (old, new) in REOPEN:
        return "reopening", policy.gate("reopen")
    if new == "declined" and old != "declined" and policy.gate("decline"):
        return "declining", policy.gate("decline")
    if _downgraded(old_severity, data.get("severity")):
        return "downgrading severity", policy.gate("downgrade")
    return None


def _postmortem_required(record: Record, policy: Policy) -> bool:
    if record.data.get("mode") != "real":
        return bool((record.data.get("postmortem") or {}).get("required"))
    severity = policy.severity(str(record.data.get("severity")))
    return bool(severity.get("postmortem_required")) or bool(
        (record.data.get("postmortem") or {}).get("required"))


def _downgraded(old: object, new: object) -> bool:
    return old in SEVERITY_RANK and new in SEVERITY_RANK and \
        SEVERITY_RANK[str(new)] > SEVERITY_RANK[str(old)]

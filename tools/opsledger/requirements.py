"""Which sign-off slots a record needs, by policy: for its approval, and for each gated
edge of its lifecycle."""

from __future__ import annotations

from opsledger import fieldpath, lifecycle
from opsledger.ledger import Record
from opsledger.policy import Policy, Slot


def release_slots(record: Record, policy: Policy, phase: str = "full") -> list[Slot]:
    data = record.data
    if phase == "emergency":
        return policy.emergency_slots()
    slots = policy.risk_slots(str(data.get("risk")), str(data.get("change_type")))
    for rule in policy.rules():
        when = rule.get("when", {})
        value = fieldpath.get(data, fieldpath.parse(str(when.get("field"))))
        if ("equals" in when and value == when["equals"]) or value in when.get("in", []):
            slots += [Slot(s["role"], int(s.get("count", 1))) for s in rule["require"]]
    return _merge(slots)


def _merge(slots: list[Slot]) -> list[Slot]:
    merged: dict[str, int] = {}
    for slot in slots:
        merged[slot.role] = max(merged.get(slot.role, 0), slot.count)
    return [Slot(role, count) for role, count in merged.items()]


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
    if (old, new) in lifecycle.REOPEN:
        return "reopening", policy.gate("reopen")
    if new == "declined" and old != "declined" and policy.gate("decline"):
        return "declining", policy.gate("decline")
    if lifecycle.downgraded(old_severity, data.get("severity")):
        return "downgrading severity", policy.gate("downgrade")
    return None


def _postmortem_required(record: Record, policy: Policy) -> bool:
    if record.data.get("mode") != "real":
        return bool((record.data.get("postmortem") or {}).get("required"))
    severity = policy.severity(str(record.data.get("severity")))
    return bool(severity.get("postmortem_required")) or bool(
        (record.data.get("postmortem") or {}).get("required"))

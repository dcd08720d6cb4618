"""Which sign-off slots a record needs, by policy: for its approval, and for each gated
edge of its lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from opsledger import fieldpath, lifecycle
from opsledger.ledger import Record
from opsledger.obligations import postmortem_required
from opsledger.policy import REQUESTER, Policy, Slot


def release_slots(record: Record, policy: Policy) -> list[Slot]:
    """The approval's slots: the risk level's (or the change type's), and each rule's that
    the record meets. An emergency start needs `policy.emergency_slots()` instead."""
    data = record.data
    slots = policy.risk_slots(str(data.get("risk")), str(data.get("change_type")))
    for rule in policy.rules():
        when = rule.get("when", {})
        value = fieldpath.get(data, fieldpath.parse(str(when.get("field"))))
        if ("equals" in when and value == when["equals"]) or value in when.get("in", []):
            slots += _rule_slots(rule)
    return _merge(slots)


def possible_slot_sets(policy: Policy) -> Iterator[tuple[str, list[Slot]]]:
    """Every set of release slots the policy can ask for: each risk level with each
    combination of the rules that add roles."""
    rules = policy.rules()
    for risk in policy.risk_levels():
        for size in range(len(rules) + 1):
            for chosen in combinations(rules, size):
                slots = policy.risk_slots(risk, "normal")
                for rule in chosen:
                    slots += _rule_slots(rule)
                names = ", ".join(f"rule {str(rule.get('name', '?'))!r}" for rule in chosen)
                yield f"risk {risk}" + (f" with {names}" if names else ""), _merge(slots)


def _rule_slots(rule: dict[str, Any]) -> list[Slot]:
    return [Slot(s["role"], int(s.get("count", 1))) for s in rule["require"]]


def _merge(slots: list[Slot]) -> list[Slot]:
    merged: dict[str, int] = {}
    for slot in slots:
        merged[slot.role] = max(merged.get(slot.role, 0), slot.count)
    return [Slot(role, count) for role, count in merged.items()]


@dataclass(frozen=True)
class Gate:
    """What an edge needs: sign-offs for gate `name` (the gate written in each sign-off),
    filling `slots` with `decision`s. An approve gate needs every slot filled; a reject or
    cancel gate needs one such decision from a holder of a slot's role."""

    name: str
    purpose: str
    slots: tuple[Slot, ...]
    decision: str = "approve"
    # Whose decision may open it although they cannot approve (the requester may cancel).
    also: tuple[str, ...] = ()


def gate_for(record: Record, old: str | None, new: str, policy: Policy,
             old_severity: object = None) -> Gate | None:
    """The gate the edge old -> new must pass, if any."""
    if record.kind == "release":
        return _release_gate(record, old, new, policy)
    return _incident_gate(record, old, new, policy, old_severity)


def _release_gate(record: Record, old: str | None, new: str, policy: Policy) -> Gate | None:
    data = record.data
    emergency = data.get("change_type") == "emergency"
    full = tuple(release_slots(record, policy))
    if new == "approved" and old != "approved":
        return Gate("approval", "approval", full)
    # Every step from `approved` re-evaluates the approval: a revoke since then stops it.
    if new == "implementing" and old == "approved":
        return Gate("approval", "approval (still held when implementation starts)", full)
    if new == "implementing" and old in ("draft", "submitted") and emergency:
        return Gate("emergency", "emergency start", tuple(policy.emergency_slots()))
    if new == "closed" and old != "closed" and emergency:
        return Gate("review", "closing an emergency change (retroactive review)", full)
    if new == "rejected" and old != "rejected":
        return Gate("approval", "rejection", full, decision="reject")
    if new == "cancelled" and old != "cancelled":
        requester = str(data.get("requested_by") or "")
        return Gate("cancel", "cancellation", full, decision="cancel",
                    also=(requester,) if requester else ())
    return None


def _incident_gate(record: Record, old: str | None, new: str, policy: Policy,
                   old_severity: object) -> Gate | None:
    if new == "closed" and old != "closed" and postmortem_required(record, policy):
        return close_gate(policy)
    if (old, new) in lifecycle.REOPEN:
        return Gate("reopen", "reopening", tuple(policy.gate("reopen")))
    side_exits = {"declined": ("decline", "declining"), "cancelled": ("cancel", "cancelling")}
    if new in side_exits and old != new:
        name, purpose = side_exits[new]
        return Gate(name, purpose, tuple(policy.gate(name)))
    if new == "merged" and old != "merged":
        target = record.data.get("duplicate_of")
        return Gate(f"merged:{target}", f"merging into {target}", tuple(policy.gate("merged")))
    if lifecycle.downgraded(old_severity, record.data.get("severity")):
        return Gate("downgrade", "downgrading severity", tuple(policy.gate("downgrade")))
    return None


def approval_gate(record: Record, policy: Policy) -> Gate:
    """A release's approval: what `gate`, `show` and the site hold it to."""
    return Gate("approval", "approval", tuple(release_slots(record, policy)))


def named_gate(record: Record, policy: Policy, name: str) -> Gate:
    """The gate a sign-off names, as the record would meet it."""
    if record.kind == "release":
        requester = str(record.data.get("requested_by") or "")
        if name == "cancel":
            return Gate(name, name, tuple(release_slots(record, policy)), decision="cancel",
                        also=(requester,) if requester else ())
        slots = policy.emergency_slots() if name == "emergency" else release_slots(record, policy)
        return Gate(name, name, tuple(slots))
    return Gate(name, name, tuple(policy.gate(name.partition(":")[0])))


def requester_refusal(record: Record, person: str, decision: object, gate: object) -> str | None:
    """Why a sign-off as `requester` cannot stand: only a release's requester signs as
    requester, and only a cancel for gate cancel (what the cancel gate's `also` opens on)."""
    requester = record.data.get("requested_by")
    if record.kind != "release" or person != requester:
        return f"only the requester of a release signs as {REQUESTER} ({record.id}'s " \
               f"requested_by is {str(requester or 'nobody')[:40]})"
    if decision != "cancel" or gate != "cancel":
        return f"a requester signs as {REQUESTER} only a cancel for gate cancel " \
               "(--decision cancel)"
    return None


def close_gate(policy: Policy) -> Gate:
    return Gate("close", "closing (postmortem approval)", tuple(policy.gate("close")))


def default_gate(record: Record, policy: Policy, role: str, decision: str) -> str:
    """The gate a sign-off is for when --gate is not given: the record's next gated step."""
    status = str(record.data.get("status"))
    if record.kind == "incident":
        return {"triage": "decline", "mitigated": "reopen"}.get(status, "close")
    if decision == "cancel":
        return "cancel"
    if record.data.get("change_type") == "emergency":
        if status in lifecycle.EXECUTION_RESULTS:
            return "review"
        if status in ("draft", "submitted") and \
                any(slot.role == role for slot in policy.emergency_slots()):
            return "emergency"
    return "approval"

"""`opsledger show ID`: where a record stands and what it takes to move it."""

from __future__ import annotations

from datetime import datetime

from opsledger import lifecycle, notifications, timefmt
from opsledger.approval import evaluate, fillable
from opsledger.ledger import Record
from opsledger.policy import Policy
from opsledger.problems import Outcome
from opsledger.requirements import Gate, gate_for
from opsledger.signoffs import Verifier, judge_all, latest
from opsledger.workspace import Workspace


def run(*, record_id: str, now: str | None = None) -> Outcome:
    workspace = Workspace.open(now=now)
    record = workspace.record(record_id)
    data = record.data
    lines = [f"{record.id}  {data.get('title', '')}",
             f"  kind: {record.kind}   status: {data.get('status')}"]
    if record.kind == "release":
        lines.append(f"  system: {data.get('system')} {data.get('version')}   risk: "
                     f"{data.get('risk')}   change type: {data.get('change_type')}")
    else:
        lines.append(f"  severity: {data.get('severity')}   type: {data.get('type')}   "
                     f"mode: {data.get('mode')}")
        lines += _notifications(record, workspace.policy, workspace.clock)
    lines += _next(record)
    lines += _signoffs(record, workspace.policy, workspace.verifier())
    return Outcome("\n".join(lines))


def _notifications(record: Record, policy: Policy, clock: datetime) -> list[str]:
    """The checklist of what the type owes: owed by, done at, late by."""
    owed = notifications.checklist(record, policy)
    if not owed:
        return []
    lines = ["  notifications:"]
    for item in owed:
        by = timefmt.format_time(item.deadline) if item.deadline else "?"
        detail = f"done {timefmt.format_time(item.done_at)}" if item.done_at else \
            f"waived: {item.waived}" if item.waived is not None else "not made"
        lines.append(f"    {item.to}: owed by {by}, {detail} [{_state(item, clock)}]")
    return lines


def _state(item: notifications.Notification, clock: datetime) -> str:
    state = item.state(clock)
    late = item.late_by()
    if late is not None:
        return f"late by {notifications.duration(late)}"
    if state == "missing" and item.deadline is not None:
        return f"missing, {notifications.duration(clock - item.deadline)} past the deadline"
    return state


def _next(record: Record) -> list[str]:
    state = str(record.data.get("status"))
    emergency = record.data.get("change_type") == "emergency"
    states = lifecycle.next_states(record.kind, state, emergency)
    if not states:
        return ["  next: none (terminal state)"]
    lines = ["  next states:"]
    for new in states:
        needs = lifecycle.NEEDS.get((record.kind, new))
        lines.append(f"    -> {new}" + (f": needs {needs}" if needs else ""))
    return lines


def _signoffs(record: Record, policy: Policy, verifier: Verifier) -> list[str]:
    lines = ["  sign-offs present:"]
    verdicts = judge_all(record, policy, verifier)
    counting = latest(verdicts)
    for verdict in verdicts:
        name = verdict.signoff.name
        decision = verdict.data.get("decision")
        extra = f" ({verdict.reason})" if verdict.reason else ""
        now = counting[(name.role, name.person)]
        state = verdict.state if now is verdict else f"replaced by #{now.signoff.name.seq}"
        lines.append(f"    {name.role}: {name.person} {decision} for "
                     f"{verdict.data.get('gate')} #{name.seq} [{state}]{extra}")
    if not verdicts:
        lines[-1] += " none"
    state = str(record.data.get("status"))
    shown: set[str] = set()
    for new in lifecycle.next_states(record.kind, state, record.data.get("change_type") ==
                                     "emergency") or (state,):
        gate = gate_for(record, state if new != state else None, new, policy)
        # Reject and cancel gates take one decision from anyone eligible: not a checklist.
        if new == "merged" and not record.data.get("duplicate_of"):
            continue  # the gate names the record it merges into: none yet
        if gate and gate.decision == "approve" and gate.name not in shown:
            shown.add(gate.name)
            lines += _slot_lines(record, policy, verifier, gate)
    return lines


def _slot_lines(record: Record, policy: Policy, verifier: Verifier, gate: Gate) -> list[str]:
    evaluation = evaluate(record, policy, gate, verifier)
    lines = [f"  required for {gate.purpose} (gate {gate.name}):" +
             (" all present" if evaluation.met else "")]
    if not evaluation.met and not fillable(gate.slots, policy, set(evaluation.excluded)):
        lines.append("    cannot be met: no set of distinct people the policy has can fill "
                     "these slots (requester and executor left out); change the roles or the "
                     "record")
    for slot in evaluation.slots:
        if slot.person:
            lines.append(f"    {slot.role}: {slot.person} [valid]")
        else:
            who = ", ".join(slot.candidates) or "nobody eligible"
            lines.append(f"    {slot.role}: MISSING (eligible: {who})")
    lines += [f"    {role}: REJECTED by {person}" for role, person in evaluation.rejected_by]
    return lines

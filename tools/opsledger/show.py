"""`opsledger show ID`: where a record stands and what it takes to move it."""

from __future__ import annotations

from opsledger import lifecycle
from opsledger.ledger import Record
from opsledger.policy import Policy, Slot
from opsledger.reporters import safe
from opsledger.requirements import gated_slots
from opsledger.signoffs import Verifier, evaluate, judge_all
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.workspace import find_root, load_record


def show_record(record_id: str) -> str:
    root = find_root()
    record = load_record(root, record_id)
    trust = load_trust(WorkTree(root))
    data = record.data
    lines = [f"{record.id}  {data.get('title', '')}",
             f"  kind: {record.kind}   status: {data.get('status')}"]
    if record.kind == "release":
        lines.append(f"  system: {data.get('system')} {data.get('version')}   risk: "
                     f"{data.get('risk')}   change type: {data.get('change_type')}")
    else:
        lines.append(f"  severity: {data.get('severity')}   mode: {data.get('mode')}")
    lines += _next(record)
    if trust.policy is not None:
        lines += _signoffs(record, trust.policy)
    # Every value may come from a record that does not validate: escape each line whole.
    return "\n".join(map(safe, lines))


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


def _signoffs(record: Record, policy: Policy) -> list[str]:
    verifier = Verifier(policy)
    lines = ["  sign-offs present:"]
    verdicts = judge_all(record, policy, verifier)
    for verdict in verdicts:
        name = verdict.signoff.name
        decision = verdict.data.get("decision")
        extra = f" ({verdict.reason})" if verdict.reason else ""
        lines.append(f"    {name.role}: {name.person} {decision} #{name.seq} "
                     f"[{verdict.state}]{extra}")
    if not verdicts:
        lines[-1] += " none"
    state = str(record.data.get("status"))
    for new in lifecycle.next_states(record.kind, state, record.data.get("change_type") ==
                                     "emergency") or (state,):
        gate = gated_slots(record, state if new != state else None, new, policy)
        if gate:
            lines += _slot_lines(record, policy, verifier, gate)
    return lines


def _slot_lines(record: Record, policy: Policy, verifier: Verifier,
                gate: tuple[str, list[Slot]]) -> list[str]:
    purpose, slots = gate
    evaluation = evaluate(record, policy, slots, verifier)
    lines = [f"  required for {purpose}:" + (" all present" if evaluation.met else "")]
    for slot in evaluation.slots:
        if slot.person:
            lines.append(f"    {slot.role}: {slot.person} [valid]")
        else:
            who = ", ".join(slot.candidates) or "nobody eligible"
            lines.append(f"    {slot.role}: MISSING (eligible: {who})")
    lines += [f"    {role}: REJECTED by {person}" for role, person in evaluation.rejected_by]
    return lines

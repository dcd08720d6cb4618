"""`opsledger sign`: a new sign-off file, signed with the person's registered SSH key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsledger import ids, lifecycle, sshsig, timefmt
from opsledger.approval import cannot_count, overlap
from opsledger.atomic import write_atomic
from opsledger.digest import INCIDENT_GATES, RELEASE_GATES, digest, gate_known
from opsledger.escape import safe
from opsledger.ledger import Record
from opsledger.loader import load
from opsledger.policy import REQUESTER, Policy
from opsledger.problems import Outcome
from opsledger.requirements import default_gate, named_gate, requester_refusal
from opsledger.signingkey import key_refusal, signing_key
from opsledger.signoffs import payload
from opsledger.wording import a
from opsledger.workspace import Workspace
from opsledger.yamlout import mapping


def run(*, record_id: str, role: str, person: str | None, key: str | None, decision: str,
        comment: str | None, at: str | None, gate: str | None = None) -> Outcome:
    workspace = Workspace.open(now=at, person=person, now_flag="--at")
    root, policy = workspace.root, workspace.policy
    record = workspace.record(record_id)
    who = workspace.person()
    gate = gate or default_gate(record, policy, role, decision)
    refusal = _refusal(policy, who, role, record, decision, gate) or \
        _gate_refusal(record, gate) or \
        cannot_count(record, policy, named_gate(record, policy, gate), role, who, decision)
    if refusal:
        return Outcome("", 1, f"opsledger: refused: {refusal}")
    key_file = signing_key(key, root)
    public = sshsig.public_key_of(key_file)
    refused = key_refusal(policy, who, public, key_file, workspace.clock)
    if refused:
        return Outcome("", 1, f"opsledger: refused: {refused}")
    target = next_file(root / record.directory / "signoffs", role, who)
    seq = ids.parse_signoff_name(target.name).seq  # type: ignore[union-attr]
    data: dict[str, Any] = {"record": record.id, "role": role, "by": who, "decision": decision,
                            "gate": gate, "seq": seq, "digest": digest(record, gate),
                            "at": at or timefmt.format_time(workspace.clock)}
    if comment:
        data["comment"] = comment
    data["signature"] = sshsig.sign(payload(data), key_file)
    text = mapping(data) + "\n"
    assert load(str(target), text.encode()).data == data  # what we write reads back the same
    target.parent.mkdir(exist_ok=True)
    write_atomic(target, text.encode("utf-8"), exclusive=True)
    warning = overlap(record, policy, named_gate(record, policy, gate), role, who) \
        if decision == "approve" else None
    note = f"{who} signed {record.id} as {role}: {decision} for gate {gate} {data['digest']}"
    return Outcome(str(target.relative_to(root)),
                   note=f"warning: {warning}\n{note}" if warning else note)


def _gate_refusal(record: Record, gate: str) -> str | None:
    if gate_known(record.kind, gate):
        return None
    return f"{safe(gate)!r} is not a gate of {a(record.kind)} (release: " \
           f"{', '.join(RELEASE_GATES)}; incident: {', '.join(INCIDENT_GATES[:-1])}, merged:ID)"


def _refusal(policy: Policy, who: str, role: str, record: Record, decision: str,
             gate: str) -> str | None:
    status = record.data.get("status")
    if lifecycle.terminal(record.kind, status):
        return f"{record.id} is {status}, a terminal state: no sign-off can count any more"
    if role == REQUESTER:  # a requester's own cancel: the record, not the policy, names her
        return requester_refusal(record, who, decision, gate)
    if not ids.ROLE.fullmatch(role) or role not in policy.roles:
        return f"{safe(role)!r} is not a role in opsledger.yaml"
    if not policy.holds(who, role):
        holders = ", ".join(policy.roles[role]) or "nobody"
        return f"{who} does not hold the role {role} (held by: {holders})"
    return None


def next_file(directory: Path, role: str, person: str) -> Path:
    seq = 1
    while (directory / ids.SignoffName(role, person, seq).filename).exists():
        seq += 1
    return directory / ids.SignoffName(role, person, seq).filename

"""`opsledger sign`: a new sign-off file, signed with the person's registered SSH key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opsledger import ids, lifecycle, sshsig, timefmt
from opsledger.approval import cannot_count, overlap
from opsledger.atomic import write_atomic
from opsledger.digest import INCIDENT_GATES, RELEASE_GATES, digest, gate_known
from opsledger.escape import safe
from opsledger.ledger import Record
from opsledger.loader import load
from opsledger.policy import Policy
from opsledger.problems import FatalError, Outcome
from opsledger.requirements import named_gate
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
    refusal = _refusal(policy, who, role, record) or _gate_refusal(record, gate) or \
        cannot_count(record, policy, named_gate(record, policy, gate), role, who, decision)
    if refusal:
        return Outcome("", 1, f"opsledger: refused: {refusal}")
    key_file = _key_file(key, root)
    public = sshsig.public_key_of(key_file)
    if not any(sshsig.same_key(public, known) for known in policy.keys_of(who)):
        return Outcome("", 1, f"opsledger: refused: the key {key_file} is not registered for "
                       f"{who} in opsledger.yaml (people.{who}.keys); a signature with it "
                       "would be rejected as a forgery")
    target = _next_file(root / record.directory / "signoffs", role, who)
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


def _gate_refusal(record: Record, gate: str) -> str | None:
    if gate_known(record.kind, gate):
        return None
    return f"{safe(gate)!r} is not a gate of {a(record.kind)} (release: " \
           f"{', '.join(RELEASE_GATES)}; incident: {', '.join(INCIDENT_GATES[:-1])}, merged:ID)"


def _refusal(policy: Policy, who: str, role: str, record: Record) -> str | None:
    if not ids.ROLE.fullmatch(role) or role not in policy.roles:
        return f"{safe(role)!r} is not a role in opsledger.yaml"
    if not policy.holds(who, role):
        holders = ", ".join(policy.roles[role]) or "nobody"
        return f"{who} does not hold the role {role} (held by: {holders})"
    return None


def _key_file(key: str | None, root: Path) -> Path:
    if key is not None:
        sshsig.refuse_public_key(Path(os.path.expanduser(key)))
    else:  # git's user.signingkey may name a public key whose private half is in ssh-agent
        from opsledger.gitrepo import GitRepo  # noqa: PLC0415

        key = GitRepo(root).config("user.signingkey")
        if key is None:
            raise FatalError("no signing key: pass --key FILE (an SSH private key) or set "
                             "git config user.signingkey")
    path = Path(os.path.expanduser(key.removeprefix("key::")))
    if not path.is_file():
        raise FatalError(f"signing key {path} does not exist")
    return path


def _next_file(directory: Path, role: str, person: str) -> Path:
    seq = 1
    while (directory / ids.SignoffName(role, person, seq).filename).exists():
        seq += 1
    return directory / ids.SignoffName(role, person, seq).filename

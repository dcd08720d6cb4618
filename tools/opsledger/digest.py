"""What a sign-off for each gate approves (the gate's scope) and its sha256 over RFC 8785
canonical JSON. The only module using rfc8785."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import rfc8785

from opsledger.ledger import Record

# Each scope leaves out what legitimately changes after the sign-off, so the transition a
# gate guards never makes its own sign-off stale, whichever order people sign and move it.
RELEASE_MUTABLE = ("status", "execution", "review", "timeline")
# An emergency change's closing review approves the execution and the review themselves.
REVIEW_MUTABLE = ("status", "timeline")
INCIDENT_MUTABLE = ("status", "timeline", "duplicate_of")
RELEASE_GATES = ("approval", "emergency", "review", "cancel")
INCIDENT_GATES = ("close", "reopen", "downgrade", "decline", "cancel", "merged")


def gate_known(kind: str, gate: object) -> bool:
    if not isinstance(gate, str):
        return False
    if kind == "release":
        return gate in RELEASE_GATES
    return gate.split(":", 1)[0] in INCIDENT_GATES


def approvable(record: Record, gate: str = "approval") -> dict[str, Any]:
    if record.kind == "release":
        mutable = REVIEW_MUTABLE if gate == "review" else RELEASE_MUTABLE
        return {k: copy.deepcopy(v) for k, v in record.data.items() if k not in mutable}
    content = {k: copy.deepcopy(v) for k, v in record.data.items() if k not in INCIDENT_MUTABLE}
    for item in content.get("action_items") or []:
        if isinstance(item, dict):
            item.pop("status", None)
    if isinstance(content.get("postmortem"), dict):
        content["postmortem"].pop("status", None)
    if isinstance(content.get("timestamps"), dict):
        content["timestamps"].pop("closed_at", None)
    if record.postmortem is not None:
        content["postmortem.md"] = "sha256:" + hashlib.sha256(record.postmortem).hexdigest()
    return content


def canonical(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def digest(record: Record, gate: str = "approval") -> str:
    return "sha256:" + hashlib.sha256(canonical(approvable(record, gate))).hexdigest()

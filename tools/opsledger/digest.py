"""The approvable content of a record and its sha256 (RFC 8785 canonical JSON)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import rfc8785

from opsledger.ledger import Record

# Fields that legitimately change after approval; everything else is what was approved.
MUTABLE = {"release": ("status", "execution", "review", "timeline"), "incident": ("status",)}


def approvable(record: Record) -> dict[str, Any]:
    content = {k: copy.deepcopy(v) for k, v in record.data.items()
               if k not in MUTABLE[record.kind]}
    if record.kind == "incident":
        for item in content.get("action_items") or []:
            if isinstance(item, dict):
                item.pop("status", None)
        if record.postmortem is not None:
            content["postmortem.md"] = "sha256:" + hashlib.sha256(record.postmortem).hexdigest()
    return content


def canonical(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def digest(record: Record) -> str:
    return "sha256:" + hashlib.sha256(canonical(approvable(record))).hexdigest()

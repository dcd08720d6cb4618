"""`opsledger digest ID`: the digest a sign-off for the record must carry."""

from __future__ import annotations

from opsledger.digest import approvable, canonical, digest, gate_known
from opsledger.escape import safe
from opsledger.location import find_root
from opsledger.problems import FatalError, Outcome
from opsledger.tree import WorkTree
from opsledger.wording import a
from opsledger.workspace import load_record


def run(*, record_id: str, explain: bool, gate: str | None = None) -> Outcome:
    record = load_record(WorkTree(find_root()), record_id)
    gate = gate or ("approval" if record.kind == "release" else "close")
    if not gate_known(record.kind, gate):
        raise FatalError(f"--gate {safe(gate)!r} is not a gate of {a(record.kind)}")
    text = digest(record, gate)
    if explain:
        text += "\n" + canonical(approvable(record, gate)).decode("utf-8")
    return Outcome(text)

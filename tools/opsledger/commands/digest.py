"""`opsledger digest ID`: the digest a sign-off for the record must carry."""

from __future__ import annotations

from opsledger.digest import approvable, canonical, digest
from opsledger.problems import Outcome
from opsledger.tree import WorkTree
from opsledger.workspace import find_root, load_record


def run(*, record_id: str, explain: bool) -> Outcome:
    record = load_record(WorkTree(find_root()), record_id)
    text = digest(record)
    if explain:
        text += "\n" + canonical(approvable(record)).decode("utf-8")
    return Outcome(text)

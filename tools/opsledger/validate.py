"""One state of the ledger, checked: schema, rules and sign-offs of every record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from opsledger import rules, signoffs
from opsledger.ledger import Ledger, Record, scan
from opsledger.problems import Problem, ordered
from opsledger.tree import Tree
from opsledger.trust import Trust


def validate_tree(tree: Tree, trust: Trust, only: Iterable[str] | None = None,
                  verifier: signoffs.Verifier | None = None,
                  skip: frozenset[str] = frozenset()) -> tuple[Ledger, list[Problem]]:
    """`only`: read and validate just these records; `skip`: read these but leave their
    validation to the caller (who validates them under the same trust root)."""
    ledger = scan(tree, only)
    problems = list(trust.problems) + ledger.problems
    if trust.policy is not None and only is None:
        problems += rules.check_policy(trust.policy)
    for record in ledger.records.values():
        if record.id not in skip:
            problems += validate_record(record, ledger, trust, verifier)
    if only is None:
        problems += _ids_unique(ledger.records.values())
    return ledger, ordered(problems)


def validate_record(record: Record, ledger: Ledger, trust: Trust,
                    verifier: signoffs.Verifier | None) -> Iterator[Problem]:
    if record.doc is None:
        return
    schema_problems = list(trust.schemas.validate(record.kind, record.doc))
    yield from schema_problems
    if trust.policy is None:
        return
    ctx = rules.Context(trust.policy, ledger)
    yield from rules.check_record(record, ctx)
    for signoff in record.signoffs:
        if signoff.doc is not None:
            yield from trust.schemas.validate("signoff", signoff.doc)
    yield from signoffs.check_record_signoffs(record, trust.policy, verifier)


def _ids_unique(records: Iterable[Record]) -> Iterator[Problem]:
    seen: dict[object, Record] = {}
    for record in records:
        value = record.data.get("id")
        if value in seen and record.doc is not None:
            yield record.doc.problem(("id",), "OL111", f"id {value!r} is also used by "
                                     f"{seen[value].path}")
        seen.setdefault(value, record)


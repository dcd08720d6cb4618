"""The trust root of one tree: its policy and schemas, loaded and checked. The trust root is
every path outside `releases/` and `incidents/` (DESIGN §8)."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsledger import ids
from opsledger.ledger import read_document
from opsledger.loader import Document
from opsledger.location import POLICY_FILE
from opsledger.policy import Policy
from opsledger.problems import FatalError, Problem
from opsledger.schema import DOCUMENTS, BadSchema, Schemas
from opsledger.tree import Tree

RECORD_TOPS = tuple(f"{top}/" for top in ids.KINDS.values())
_KIND_NAMES = {"link": "a symbolic link", "dir": "a directory", "submodule": "a submodule",
               "other": "a special file"}


@dataclass
class Trust:
    policy: Policy | None
    schemas: Schemas
    problems: list[Problem] = field(default_factory=list)


def in_trust_root(path: str) -> bool:
    """Everything but the records: a new top-level file is trust root until shown otherwise."""
    return not path.startswith(RECORD_TOPS)


def read_trust(tree: Tree, *, strict: bool = False,
               merged: bool | None = None) -> Trust | list[Problem]:
    """The tree's policy and schemas, or the problems that stop them loading at all. A
    policy that loads but breaks its schema comes back as a Trust without a Policy.
    `strict`: the schemas must also be valid JSON Schemas; `merged`: see Schemas."""
    missing = [p for p in (POLICY_FILE, *_schema_paths()) if tree.kind(p) != "file"]
    if missing:
        return [Problem(path, None, None, "OL160", _absent(tree, path)) for path in missing]
    try:
        schemas = Schemas({kind: tree.read(path) for kind, path in
                           zip(DOCUMENTS, _schema_paths(), strict=True)}, strict=strict,
                          merged=merged)
    except BadSchema as exc:
        return [Problem(f"schemas/{exc.kind}.schema.json", None, None, "OL160", str(exc))]
    loaded = read_document(tree, POLICY_FILE)
    if not isinstance(loaded, Document):
        return Trust(None, schemas, [loaded])
    problems = list(schemas.validate("policy", loaded))
    return Trust(None if problems else Policy(loaded), schemas, problems)


def load_trust(tree: Tree) -> Trust:
    """The trust root a command works under; a ledger without one cannot be worked on."""
    if tree.kind(POLICY_FILE) is None:
        raise FatalError(f"no {POLICY_FILE} in the {tree.label}: not an opsledger ledger "
                         "(run `opsledger init` to start one)")
    found = read_trust(tree)
    if isinstance(found, list):
        raise FatalError(f"{found[0].message}; restore it from `opsledger init`")
    return found


def base_trust(tree: Tree) -> Trust:
    """The trust root a change is judged under: anything short of a valid policy stops the
    check (exit 2), since trusting the change's own policy instead is what an attacker wants."""
    found = read_trust(tree)
    problems = found if isinstance(found, list) else found.problems
    if problems:
        first = problems[0]
        where = ":".join(str(p) for p in (first.path, first.line, first.col) if p is not None)
        raise FatalError(f"the base {tree.label} has no valid trust root ({where}: "
                         f"{first.message}); repair it on the base branch first: a change is "
                         "never judged by its own policy")
    assert not isinstance(found, list)
    return found


def trust_files() -> list[str]:
    """The files a trust root is loaded from: the policy and the four schemas."""
    return [POLICY_FILE, *_schema_paths()]


def _schema_paths() -> list[str]:
    return [f"schemas/{kind}.schema.json" for kind in DOCUMENTS]


def _absent(tree: Tree, path: str) -> str:
    kind = tree.kind(path)
    if kind is None:
        return f"{path} is missing in the {tree.label}; a ledger needs its policy and schemas"
    return f"{path} is {_KIND_NAMES.get(kind, 'not a file')} in the {tree.label}; only a " \
           "regular file counts (a link's target is never read)"

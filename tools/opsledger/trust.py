"""The trust root of one tree: its policy and schemas, loaded and checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsledger.ledger import POLICY_FILE, read_document
from opsledger.loader import Document
from opsledger.policy import Policy
from opsledger.problems import FatalError, Problem
from opsledger.schema import DOCUMENTS, Schemas
from opsledger.tree import Tree

TRUST_ROOT = ("opsledger.yaml", "schemas/", "mkdocs.yml", "site/overrides/", "site/hooks/",
              "tools/", ".github/", "pyproject.toml")


@dataclass
class Trust:
    policy: Policy | None
    schemas: Schemas
    problems: list[Problem] = field(default_factory=list)


def load_trust(tree: Tree) -> Trust:
    if tree.kind(POLICY_FILE) != "file":
        raise FatalError(f"no {POLICY_FILE} in the {tree.label}: not an opsledger ledger "
                         "(run `opsledger init` to start one)")
    sources = {}
    for kind in DOCUMENTS:
        path = f"schemas/{kind}.schema.json"
        if tree.kind(path) != "file":
            raise FatalError(f"{path} is missing in the {tree.label}; restore it from "
                             "`opsledger init`")
        sources[kind] = tree.read(path)
    schemas = Schemas(sources)
    loaded = read_document(tree, POLICY_FILE)
    if not isinstance(loaded, Document):
        return Trust(None, schemas, [loaded])
    problems = list(schemas.validate("policy", loaded))
    return Trust(None if problems else Policy(loaded), schemas, problems)


def in_trust_root(path: str) -> bool:
    return any(path == root or (root.endswith("/") and path.startswith(root))
               for root in TRUST_ROOT)

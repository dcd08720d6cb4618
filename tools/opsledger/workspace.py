"""The ledger a command works on, opened once: its root, working tree, trust root, policy,
the acting person and the clock. Domain code takes what it needs from here and never reads
the current directory itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opsledger import ids, timefmt
from opsledger.escape import safe
from opsledger.ledger import Ledger, Record, read_record, scan
from opsledger.location import POLICY_FILE, find_root
from opsledger.mergetimes import in_worktree
from opsledger.policy import Policy
from opsledger.problems import FatalError
from opsledger.signoffs import Verifier
from opsledger.tree import WorkTree
from opsledger.trust import Trust, load_trust


@dataclass
class Workspace:
    root: Path
    tree: WorkTree
    trust: Trust
    policy: Policy
    clock: datetime
    person_option: str | None = None

    @classmethod
    def open(cls, *, now: str | None = None, person: str | None = None,
             now_flag: str = "--now") -> Workspace:
        root = find_root()
        tree = WorkTree(root)
        trust = load_trust(tree)
        if trust.policy is None:
            raise FatalError(f"{POLICY_FILE} has problems; run `opsledger validate` first")
        return cls(root, tree, trust, trust.policy, timefmt.option(now, now_flag), person)

    def verifier(self) -> Verifier:
        return Verifier(self.policy, merged_at=in_worktree(self.root), now=self.clock)

    def ledger(self) -> Ledger:
        return scan(self.tree)

    def record(self, record_id: str) -> Record:
        return load_record(self.tree, record_id)

    def person(self) -> str:
        """Who is acting: `--as PERSON`, or the person whose email is git's user.email."""
        if self.person_option is not None:
            if self.person_option not in self.policy.people:
                raise FatalError(f"--as {safe(self.person_option)!r}: no such person in "
                                 f"{POLICY_FILE}")
            return self.person_option
        from opsledger.gitrepo import GitRepo  # noqa: PLC0415 -- only when --as is absent

        email = GitRepo(self.root).config("user.email")
        found = self.policy.person_by_email(email) if email else None
        if found is None:
            raise FatalError(f"cannot tell who you are: git user.email is {email!r} and no "
                             f"person in {POLICY_FILE} has it; pass --as PERSON")
        return found


def require_id(value: str) -> str:
    if ids.kind_of(value) is None:
        raise FatalError(f"{safe(value)!r} is not a record id "
                         "(REL-YYYY-NNNN or INC-YYYY-NNNN)")
    return value


def load_record(tree: WorkTree, record_id: str) -> Record:
    kind = ids.kind_of(require_id(record_id))
    assert kind is not None
    if tree.kind(ids.record_dir(record_id)) != "dir":
        raise FatalError(f"{record_id} does not exist (no {ids.record_dir(record_id)}/)")
    record, problems = read_record(tree, kind, record_id)
    if record.doc is None:
        raise FatalError(f"{record_id} cannot be read: " +
                         "; ".join(f"{p.path}:{p.line}: {p.message}" for p in problems))
    return record

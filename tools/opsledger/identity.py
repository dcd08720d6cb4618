"""Who is acting: `--as PERSON`, or the policy person whose email is git's user.email."""

from __future__ import annotations

from pathlib import Path

from opsledger.policy import Policy
from opsledger.problems import FatalError


def acting_person(policy: Policy, person: str | None, root: Path) -> str:
    if person is not None:
        if person not in policy.people:
            raise FatalError(f"--as {person!r}: no such person in opsledger.yaml")
        return person
    from opsledger.gitrepo import GitRepo  # noqa: PLC0415 -- only when --as is absent

    email = GitRepo(root).config("user.email")
    found = policy.person_by_email(email) if email else None
    if found is None:
        raise FatalError(f"cannot tell who you are: git user.email is {email!r} and no person "
                         "in opsledger.yaml has it; pass --as PERSON")
    return found

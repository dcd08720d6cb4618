"""The SSH key a person signs with: found from --key or git's user.signingkey, and refused
before anything is signed when the policy would not accept its signature."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from opsledger import sshsig
from opsledger.policy import Policy
from opsledger.problems import FatalError


def signing_key(key: str | None, root: Path) -> Path:
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


def key_refusal(policy: Policy, who: str, public: str, key_file: Path,
                clock: datetime) -> str | None:
    for key in policy.keys(who):
        if sshsig.same_key(public, key.line) and not key.verifies_at(clock):
            how = "retired" if key.retired is not None else "marked compromised"
            return f"the key {key_file} was {how} on {key.until} (people.{who}.keys); it " \
                   "signs nothing new: sign with the key that replaced it"
    if not any(sshsig.same_key(public, known) for known in policy.keys_of(who, clock)):
        return f"the key {key_file} is not registered for {who} in opsledger.yaml " \
               f"(people.{who}.keys); a signature with it would be rejected as a forgery"
    return None

"""SSH-signed approvals of a trust-root change, for ledgers off GitHub: each approver signs
the head's trust-root tree digest (`opsledger sign-trust-root`), and `check --approvals DIR`
counts them as it counts approving reviews: by people holding the base policy's
`trust_root` roles, with a key registered for them there, over exactly the head's tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opsledger import sshsig
from opsledger.digest import canonical
from opsledger.loader import Document, LoadError, load
from opsledger.policy import Policy
from opsledger.problems import FatalError
from opsledger.trustreviews import Approvers
from opsledger.yamlout import mapping

APPROVES = "trust-root"
# `base` (the last commit that changed the base's trust root) binds the approval to the trust
# root it changes: without it, approvals of a change later undone could be replayed to bring
# that change back, even through a revert that restores the same tree.
FIELDS = ("approves", "base", "digest", "commit", "by", "at", "signature")


@dataclass(frozen=True)
class Approval:
    path: str
    data: dict[str, Any]


def payload(data: dict[str, Any]) -> bytes:
    return canonical({k: v for k, v in data.items() if k != "signature"})


def document(person: str, base_version: str, tree_digest: str, commit: str, at: str,
             key_file: Path) -> str:
    data: dict[str, Any] = {"approves": APPROVES, "base": base_version,
                            "digest": f"sha256:{tree_digest}", "commit": commit, "by": person,
                            "at": at}
    data["signature"] = sshsig.sign(payload(data), key_file)
    return mapping(data) + "\n"


def read_dir(directory: Path) -> list[Approval]:
    if not directory.is_dir():
        raise FatalError(f"--approvals {directory}: not a directory of signed approvals "
                         "(files written by `opsledger sign-trust-root`)")
    found = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            doc: Document = load(str(path), path.read_bytes())
        except (OSError, LoadError) as exc:
            raise FatalError(f"--approvals: {path}: {exc}") from None
        if not isinstance(doc.data, dict):
            raise FatalError(f"--approvals: {path}: not a signed approval")
        found.append(Approval(str(path), doc.data))
    return found


def approvers(approvals: list[Approval], policy: Policy, base_version: str, head_tree: str,
              now: datetime) -> Approvers:
    found = Approvers()
    for approval in approvals:
        reason = _not_counted(approval.data, policy, base_version, head_tree, now)
        if reason is None:
            found.people.add(str(approval.data["by"]))
        else:
            found.reasons.append(f"{Path(approval.path).name}: {reason}")
    return found


def _not_counted(data: dict[str, Any], policy: Policy, base_version: str, head_tree: str,
                 now: datetime) -> str | None:
    if set(data) != set(FIELDS) or data.get("approves") != APPROVES:
        return f"not a signed trust-root approval (fields: {', '.join(FIELDS)})"
    person = str(data["by"])
    if person not in policy.people:
        return f"{person!r} is no person in the base policy"
    if data["digest"] != f"sha256:{head_tree}":
        return f"it approves the trust-root tree of {str(data['commit'])[:12]}, not the head's"
    if data["base"] != base_version:
        return "it approves a change from another trust root than this base's (sign again " \
               "against the current base)"
    email = str(policy.people[person].get("email", ""))
    if not sshsig.verify(payload(data), str(data["signature"]), email,
                         policy.keys_of(person, now)):
        return f"its signature is not by a key registered for {person} in the base policy"
    return None

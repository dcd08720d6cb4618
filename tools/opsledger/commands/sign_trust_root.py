"""`opsledger sign-trust-root`: an SSH-signed approval of a trust-root change (for ledgers
off GitHub, where no review can be fetched): the signer approves the trust-root tree of one
commit, so the approval survives new records on the branch but no further trust-root edit."""

from __future__ import annotations

from pathlib import Path

from opsledger import sshsig, timefmt, trustroot, trustsigs
from opsledger.atomic import write_atomic
from opsledger.gitrepo import GitRepo
from opsledger.problems import FatalError, Outcome
from opsledger.signingkey import key_refusal, signing_key
from opsledger.workspace import Workspace


def run(*, rev: str, person: str | None, key: str | None, out: str | None,
        at: str | None, base: str = "main") -> Outcome:
    workspace = Workspace.open(now=at, person=person, now_flag="--at")
    who = workspace.person()
    repo = GitRepo(workspace.root)
    commit = repo.resolve(rev)
    tree = trustroot.tree_digest(repo, commit)
    base_version = trustroot.trust_root_version(repo, repo.resolve(base))
    if tree is None:
        raise FatalError(f"cannot read the files of {commit[:12]}")
    key_file = signing_key(key, workspace.root)
    refused = key_refusal(workspace.policy, who, sshsig.public_key_of(key_file), key_file,
                          workspace.clock)
    if refused:
        return Outcome("", 1, f"opsledger: refused: {refused}")
    text = trustsigs.document(who, base_version, tree, commit,
                              at or timefmt.format_time(workspace.clock), key_file)
    note = f"{who} approved the trust-root tree of {commit[:12]} (sha256:{tree[:16]}...)"
    if out is None:
        return Outcome(text.rstrip("\n"), note=note)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(target, text.encode("utf-8"), exclusive=True)
    except FileExistsError:
        raise FatalError(f"--out {out}: already exists; approvals are never overwritten") \
            from None
    return Outcome(str(target), note=note)

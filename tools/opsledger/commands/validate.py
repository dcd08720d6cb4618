"""`opsledger validate [PATH...]`: one state of the ledger, checked (the working tree).

Nothing changed since the last run (same files, policy, schemas and tool): the problems
that run found are printed again from `.git/opsledger-cache/` without reading a record, so
the run after a pre-commit hook's costs what listing the ledger costs."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from opsledger import ids
from opsledger.location import find_root, ids_for_paths
from opsledger.problems import FatalError, Outcome, Problem
from opsledger.resultcache import Fingerprint, ResultCache
from opsledger.wording import count

CACHE_NAME = "validate"
TRUST_FILES = ("opsledger.yaml", "schemas/release.schema.json",
               "schemas/incident.schema.json", "schemas/signoff.schema.json",
               "schemas/policy.schema.json")


def run(*, paths: list[str], format: str) -> Outcome:
    from opsledger.reporters import FORMATS  # noqa: PLC0415 -- see _judge

    # Not Workspace.open: validate is the command that reports a broken policy.
    root = find_root()
    only = ids_for_paths(root, paths) if paths else None  # None: the whole ledger
    cache = ResultCache(root)
    key = fingerprint(root, only)
    stored = cache.get(CACHE_NAME, key.hexdigest())
    now = time.time()
    if stored is not None and now < (stored.get("until") or math.inf):
        problems, checked = [Problem(**row) for row in stored["problems"]], stored["checked"]
    else:
        problems, checked, until = _judge(root, only)
        if not key.racy():
            cache.put(CACHE_NAME, key.hexdigest(), {"checked": checked, "until": until,
                                                    "problems": [vars(p) for p in problems]})
    return Outcome(FORMATS[format](problems, checked), 1 if problems else 0)


def fingerprint(root: Path, only: list[str] | None) -> Fingerprint:
    key = Fingerprint(CACHE_NAME, "all" if only is None else "only", *sorted(only or []))
    key.contents(root, TRUST_FILES)
    # A retired key is judged by when each sign-off was merged: history is an input too.
    key.contents(root, _head_files(root))
    tops = list(ids.KINDS.values())
    if _as_head(root, tops):
        key.add("as at HEAD", *tops)  # and HEAD is in the key: git has stat'ed every file
    else:
        for top in tops:
            key.tree(root, top)
    return key


def _as_head(root: Path, tops: list[str]) -> bool:
    from opsledger.gitrepo import GitRepo  # noqa: PLC0415 -- only for a clone with a cache

    try:
        return (root / ".git").is_dir() and GitRepo(root).as_head(*tops)
    except FatalError:
        return False


def _head_files(root: Path) -> list[str]:
    """The files that say which commit HEAD is."""
    try:
        head = (root / ".git" / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return [".git/HEAD"]
    ref = head.removeprefix("ref: ")
    return [".git/HEAD", f".git/{ref}", ".git/packed-refs"] if ref != head else [".git/HEAD"]


def _judge(root: Path, only: list[str] | None) -> tuple[list[Problem], str, float | None]:
    """The problems, the summary, and until when they hold (a key's retirement still to
    come changes what an uncommitted sign-off proves)."""
    # Imported here: a run the cache answers never loads YAML, schema or signature code.
    from opsledger import timefmt  # noqa: PLC0415
    from opsledger.mergetimes import in_worktree  # noqa: PLC0415
    from opsledger.signoffs import Verifier  # noqa: PLC0415
    from opsledger.tree import WorkTree  # noqa: PLC0415
    from opsledger.trust import load_trust  # noqa: PLC0415
    from opsledger.validate import validate_tree  # noqa: PLC0415

    tree = WorkTree(root)
    trust = load_trust(tree)
    verifier: Any = Verifier(trust.policy, merged_at=in_worktree(root)) \
        if trust.policy else None
    ledger, problems = validate_tree(tree, trust, only, verifier)
    now = timefmt.now_utc()
    coming = [key.until for person in (trust.policy.people if trust.policy else {})
              for key in trust.policy.keys(person) if key.until and key.until > now] \
        if trust.policy else []
    until = min(coming).timestamp() if coming else None
    return problems, count(len(ledger.records), "record"), until

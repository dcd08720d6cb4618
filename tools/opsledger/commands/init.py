"""`opsledger init [DIR]`: a new ledger that works on day one: a git repository (made when DIR
is not in one), the policy template, schemas, the site (mkdocs.yml and the process pages), the
same gate workflows as opsledger's own repository, pre-commit and editor settings, CODEOWNERS
from the policy and a short README. The files come from `scaffold`."""

from __future__ import annotations

import re
from pathlib import Path

from opsledger import scaffold
from opsledger.atomic import write_atomic
from opsledger.commands.codeowners import render
from opsledger.gitrepo import ensure_repository
from opsledger.ledger import scan
from opsledger.location import POLICY_FILE
from opsledger.problems import FatalError, Outcome
from opsledger.tree import WorkTree
from opsledger.trust import load_trust

CODEOWNERS = ".github/CODEOWNERS"


# A PEP 508 requirement for opsledger, without quotes or spaces that would break the files
# it is written into: `opsledger==1.2.0`, `opsledger @ git+https://host/opsledger@v1.2.0`.
_REQUIREMENT = re.compile(r"opsledger(\s*@\s*[^\s\"']+|[=<>!~][^\s\"']+)")


def run(*, directory: str, requirement: str | None = None) -> Outcome:
    if requirement is not None and not _REQUIREMENT.fullmatch(requirement):
        raise FatalError(f"--requirement {requirement!r}: expected opsledger==VERSION or "
                         "'opsledger @ git+https://HOST/PATH@TAG'")
    return Outcome(init_ledger(Path(directory), requirement))


def init_ledger(directory: Path, requirement: str | None = None) -> str:
    if directory.exists() and not directory.is_dir():
        raise FatalError(f"{directory} is a file; pass a directory (new or empty) to init")
    files = scaffold.ledger_files(requirement)
    clashes = sorted(path for path in files if (directory / path).exists())
    if (directory / POLICY_FILE).exists():
        raise FatalError(f"{directory} already holds a ledger ({POLICY_FILE} exists)")
    if clashes:
        raise FatalError(f"{directory} already has {', '.join(clashes)}; init writes only "
                         "into a new or empty directory: move them away, or init elsewhere")
    directory.mkdir(parents=True, exist_ok=True)
    made_repository = ensure_repository(directory)
    for relative, data in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
    write_atomic(directory / CODEOWNERS, _codeowners(directory).encode("utf-8"))
    written = sorted([*files, CODEOWNERS])
    first = "made a git repository and " if made_repository else ""
    return "\n".join(written) + (
        f"\n{first}initialised a ledger in {directory}: edit {POLICY_FILE} (people, keys, "
        "roles, services), then commit; `opsledger new release` starts the first record")


def _codeowners(directory: Path) -> str:
    tree = WorkTree(directory)
    trust = load_trust(tree)
    if trust.policy is None:  # the packaged template is tested; this is a broken install
        raise FatalError(f"the packaged {POLICY_FILE} template does not load; reinstall opsledger")
    return render(trust.policy, scan(tree))

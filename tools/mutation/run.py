"""Mutation testing of the merge gate: mutmut 3 over the four modules that decide whether a
pull request may merge, against the tests that exercise them.

The repository is copied to a scratch directory with `tools/opsledger` moved to
`src/opsledger` (mutmut expects a src layout); the working tree is never touched. Prints every
surviving mutant and writes their diffs to `survivors.diff` in the scratch directory.

    python tools/mutation/run.py [--workdir DIR] [MUTANT_NAME_PATTERN ...]

Run it through `make mutate` (which installs the `mutation` extra first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "tools/opsledger/"
MUTATED = ("lifecycle.py", "transitions.py", "requirements.py", "signoffs.py")
# The tests that pin the gate's rules: direct calls on small in-memory records, and every
# ordered pair of states through `check`. A test runs again for every mutant of every function
# it calls, and a surviving mutant runs all of its tests: the git-repository stories
# (test_check, test_gate_attacks, test_signoffs, ...) cost seconds each and would stretch the
# run to hours on two cores. Pass --tests to add them.
TESTS = ("test_gate_rules.py", "test_lifecycle_edges.py")
PLUGIN = "fastfirst"  # tools/mutation/fastfirst.py: the quickest tests first
# What the tests read beside the package: the sample ledger they copy into throwaway repos.
ALSO_COPY = ("tools/tests", "opsledger.yaml", "schemas", "releases", "incidents", "sample-keys",
             f"src/{PLUGIN}.py")
NICE = 15  # the machine is shared: mutants run at low priority, one at a time


def tracked_files(repo: Path) -> list[str]:
    """Files git knows about or would add (the working tree as it is, uncommitted edits too)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=repo, check=True,
                            capture_output=True).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (repo / name).is_file()})


def copy_as_src_layout(repo: Path, target: Path) -> None:
    for name in tracked_files(repo):
        moved = "src/opsledger/" + name.removeprefix(PACKAGE) if name.startswith(PACKAGE) \
            else name
        (target / moved).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target / moved)


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def configure(target: Path, tests: list[str]) -> None:
    """Point the copy's pyproject at src/ and add mutmut's settings (in the copy only). The
    plugin sits in src/, which mutmut puts on the tests' import path."""
    shutil.copy2(Path(__file__).with_name(f"{PLUGIN}.py"), target / "src" / f"{PLUGIN}.py")
    pyproject = target / "pyproject.toml"
    text = pyproject.read_text()
    text = text.replace('where = ["tools"]', 'where = ["src"]') \
        .replace('files = ["tools/opsledger"]', 'files = ["src/opsledger"]')
    text += "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["src/opsledger"]',
        "only_mutate = " + toml_list([f"src/opsledger/{name}" for name in MUTATED]),
        "also_copy = " + toml_list(list(ALSO_COPY)),
        "pytest_add_cli_args_test_selection = " + toml_list(
            [f"tools/tests/{name}" for name in tests]),
        "pytest_add_cli_args = " + toml_list(["-p", "no:cacheprovider", "-p", PLUGIN]),
        "use_git_change_detection = false",
    ]) + "\n"
    pyproject.write_text(text)


def mutmut(workdir: Path, *args: str, capture: bool = False) -> str:
    command = ["nice", "-n", str(NICE), str(Path(sys.executable).with_name("mutmut")), *args]
    done = subprocess.run(command, check=False, cwd=workdir, text=True,
                          capture_output=capture)
    if done.returncode != 0:
        raise SystemExit(f"mutmut {args[0]} failed (exit {done.returncode}) in {workdir}")
    return done.stdout if capture else ""


def survivors(workdir: Path) -> list[str]:
    listed = mutmut(workdir, "results", capture=True)
    return [line.strip().rsplit(":", 1)[0] for line in listed.splitlines()
            if line.strip().endswith((": survived", ": no tests", ": timeout", ": suspicious"))]


def report(workdir: Path, names: list[str], seconds: float) -> None:
    diffs = [mutmut(workdir, "show", name, capture=True) for name in names]
    (workdir / "survivors.diff").write_text("\n".join(diffs))
    for name in names:
        print(name)
    print(f"{len(names)} surviving mutants in {seconds / 60:.1f} min; diffs in "
          f"{workdir / 'survivors.diff'} (`cd {workdir} && mutmut browse` to explore)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new "
                        "temporary one); an existing one resumes where it stopped")
    parser.add_argument("--tests", nargs="+", default=list(TESTS), metavar="FILE",
                        help=f"test files of tools/tests to run (default: {' '.join(TESTS)})")
    parser.add_argument("mutants", nargs="*", help="only these mutants (mutmut name globs)")
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="opsledger-mutation-"))
    if not (workdir / "pyproject.toml").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        copy_as_src_layout(REPO, workdir)
        configure(workdir, options.tests)
    print(f"mutating {', '.join(MUTATED)} in {workdir}", flush=True)
    started = time.monotonic()
    mutmut(workdir, "run", "--max-children", "1", *options.mutants)
    report(workdir, survivors(workdir), time.monotonic() - started)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())

"""Mutation testing of the merge gate with mutmut 3.

The four modules that decide whether a pull request may merge are mutated, one small edit at
a time, and each mutant runs the tests that pin their rules.

The repository is copied to a scratch directory with `tools/opsledger` moved to
`src/opsledger` (mutmut expects a src layout); the working tree is never touched. Prints every
surviving mutant, with the reason it changes nothing observable where equivalent.txt gives
one, and writes their diffs to `survivors.diff` in the scratch directory. Exit 0 when every
survivor is a known equivalent one, 1 when another survives, 2 when mutmut could not run.

    python tools/mutation/run.py [--workdir DIR] [--tests FILE,FILE...] [MUTANT_NAME_GLOB ...]

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
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
SURVIVED = ("survived", "no tests", "suspicious")


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
        print(f"mutmut {args[0]} failed (exit {done.returncode}) in {workdir}", file=sys.stderr)
        raise SystemExit(2)
    return done.stdout if capture else ""


def statuses(workdir: Path) -> dict[str, str]:
    """Each mutant's status but the killed ones (mutmut's `results`)."""
    listed = mutmut(workdir, "results", capture=True)
    return dict(line.strip().rsplit(": ", 1) for line in listed.splitlines() if ": " in line)


def equivalent() -> dict[str, str]:
    """The survivors known to change nothing observable: name -> why (equivalent.txt)."""
    known = {}
    for line in EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, why = line.partition(" ")
            known[name] = why.strip()
    return known


def report(workdir: Path, status: dict[str, str], seconds: float) -> int:
    """Print the survivors, the known equivalent ones with why; 1 when any other survives."""
    survived = sorted(name for name, state in status.items() if state in SURVIVED)
    (workdir / "survivors.diff").write_text("\n".join(
        mutmut(workdir, "show", name, capture=True) for name in survived))
    known = equivalent()
    new = [name for name in survived if name not in known]
    for name in survived:
        print(f"{name}: {status[name]}: " + (f"equivalent: {known[name]}" if name in known
                                              else "NOT KNOWN TO BE EQUIVALENT"))
    for name in sorted(n for n, state in status.items() if state == "timeout"):
        print(f"{name}: timeout (the tests never finished: detected)")
    stale = sorted(name for name in known if status.get(name, "killed") not in SURVIVED)
    if stale:
        print(f"listed in {EQUIVALENT.name} but no longer surviving: {', '.join(stale)}")
    unrun = sum(state == "not checked" for state in status.values())
    if unrun:
        print(f"{unrun} mutants were not run (only some were asked for, or the run stopped)")
    print(f"{len(survived)} surviving mutants ({len(new)} not known to be "
          f"equivalent) in {seconds / 60:.1f} min; diffs in {workdir / 'survivors.diff'} "
          f"(`cd {workdir} && mutmut browse` to explore)")
    return 1 if new else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new "
                        "temporary one); an existing one resumes where it stopped")
    parser.add_argument("--tests", default=",".join(TESTS), metavar="FILE,FILE...",
                        help=f"test files of tools/tests to run (default: {','.join(TESTS)})")
    parser.add_argument("mutants", nargs="*", help="only these mutants (mutmut name globs)")
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="opsledger-mutation-"))
    if not (workdir / "pyproject.toml").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        copy_as_src_layout(REPO, workdir)
        configure(workdir, options.tests.split(","))
    print(f"mutating {', '.join(MUTATED)} in {workdir}", flush=True)
    started = time.monotonic()
    mutmut(workdir, "run", "--max-children", "1", *options.mutants)
    return report(workdir, statuses(workdir), time.monotonic() - started)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())

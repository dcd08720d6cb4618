"""Every problem code is exercised by a test, and the README's table is codes.CODES.

A code counts as exercised when an expected-output file (invalid/**/*.txt) or a string that an
`assert` expects to find in a test file contains it; a string asserted to be absent does not
count."""

from __future__ import annotations

import ast
import html
import itertools
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

from opsledger.codes import CODES

TESTS = Path(__file__).parent
CODE = re.compile(r"\bOL\d{3}\b")
# Codes no test expects yet: OL305 (sign-off by the requester or the executor) and OL307
# (evidence of a kind the policy does not accept). Take a code out as soon as a test expects
# it: test_pending_codes_are_not_exercised fails until then.
PENDING: set[str] = set()


def _expected_strings(source: str) -> Iterator[str]:
    """The string constants of each `assert`, except those it asserts are `not in` something."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        absent = {id(part) for compare in ast.walk(node.test) if isinstance(compare, ast.Compare)
                  and any(isinstance(op, ast.NotIn) for op in compare.ops)
                  for part in ast.walk(compare.left)}
        for part in ast.walk(node.test):
            if isinstance(part, ast.Constant) and isinstance(part.value, str) \
                    and id(part) not in absent:
                yield part.value


def exercised() -> dict[str, set[str]]:
    """code -> the test files and expected-output files that expect it."""
    found: dict[str, set[str]] = {}
    sources = [p for p in sorted(TESTS.glob("*.py")) if p.name != Path(__file__).name]
    for path in sources:
        for text in _expected_strings(path.read_text()):
            for code in CODE.findall(text):
                found.setdefault(code, set()).add(path.name)
    for path in sorted((TESTS / "invalid").rglob("*.txt")):
        for code in CODE.findall(path.read_text()):
            found.setdefault(code, set()).add(str(path.relative_to(TESTS)))
    return found


def test_every_code_is_exercised() -> None:
    missing = sorted(set(CODES) - set(exercised()) - PENDING)
    assert not missing, f"no test expects these codes: {', '.join(missing)}"


def test_pending_codes_are_not_exercised() -> None:
    assert not PENDING - set(CODES), f"not codes: {sorted(PENDING - set(CODES))}"
    found = exercised()
    done = {code: sorted(found[code]) for code in sorted(PENDING & set(found))}
    assert not done, f"exercised now, take them out of PENDING: {done}"


def test_tests_expect_only_real_codes() -> None:
    unknown = {code: sorted(where) for code, where in exercised().items() if code not in CODES}
    assert not unknown, f"not in codes.CODES: {unknown}"


def readme_table() -> str:
    """The lines of the table under the README's "## Problem codes" heading."""
    readme = (REPO / "README.md").read_text()
    lines = readme.split("\n## Problem codes\n", 1)[1].splitlines()
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines))
    return "".join(f"{line}\n" for line in table)


def _unescape(cell: str) -> str:
    parts = cell.replace("\\|", "|").split("`")
    parts[::2] = [html.unescape(part) for part in parts[::2]]  # code spans are literal
    return "`".join(parts)


def readme_codes() -> dict[str, str]:
    rows: dict[str, str] = {}
    lines = readme_table().splitlines()
    assert lines[:2] == ["| code | meaning |", "|---|---|"], lines[:2]
    for line in lines[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]
        assert len(cells) == 4 and cells[0] == cells[3] == "", f"not a table row: {line!r}"
        code = cells[1].strip("`")
        assert code not in rows, f"{code} twice in the README"
        rows[code] = _unescape(cells[2])
    return rows


def test_readme_table_lists_exactly_the_codes() -> None:
    rows = readme_codes()
    differences = {
        "missing from the README": sorted(set(CODES) - set(rows)),
        "in the README, not in codes.CODES": sorted(set(rows) - set(CODES)),
        "meaning differs (README, codes.py)": {code: (rows[code], CODES[code]) for code in CODES
                                               if code in rows and rows[code] != CODES[code]},
    }
    assert not any(differences.values()), {k: v for k, v in differences.items() if v}
    assert list(rows) == list(CODES), "the README lists the codes in another order"


def test_readme_table_is_the_generated_one() -> None:
    done = subprocess.run([sys.executable, "-m", "opsledger.codes"], capture_output=True,
                          text=True, check=True)
    assert done.stdout == readme_table(), \
        "python -m opsledger.codes prints another table; paste its output into the README"

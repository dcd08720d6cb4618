"""Each file in invalid/ is an incident record; the .txt beside it is exactly what a user
sees when it is validated as incidents/INC-2026-0099/incident.yaml."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import GitLedger

from opsledger.cli import main

EXAMPLES = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
UPDATE = False  # flip locally to regenerate the expected files after a deliberate change


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_invalid_example(example: Path, ledger: GitLedger,
                         capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write("incidents/INC-2026-0099/incident.yaml", example.read_bytes())
    started = time.perf_counter()
    code = main(["validate"])
    elapsed = time.perf_counter() - started
    out = capsys.readouterr()
    expected_file = example.with_suffix(".txt")
    if UPDATE:
        expected_file.write_text(out.out)
    assert code == 1
    assert out.err == ""
    assert out.out == expected_file.read_text()
    assert elapsed < 5  # alias bombs are refused at the first anchor, never expanded

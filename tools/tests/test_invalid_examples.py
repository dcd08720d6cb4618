"""Each file in invalid/ is a record; the .txt beside it is exactly what a user sees when it is
validated in the sample ledger: invalid/*.yaml as incidents/INC-2026-0099/incident.yaml and
invalid/release/*.yaml as releases/REL-2026-0099/release.yaml. UPDATE_GOLDEN=1 rewrites the
.txt files after a deliberate change."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import GitLedger, expect_golden

from opsledger.cli import main

INVALID = Path(__file__).parent / "invalid"
TARGETS = {INVALID: "incidents/INC-2026-0099/incident.yaml",
           INVALID / "release": "releases/REL-2026-0099/release.yaml"}
EXAMPLES = sorted(path for folder in TARGETS for path in folder.glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES,
                         ids=lambda p: str(p.relative_to(INVALID).with_suffix("")))
def test_invalid_example(example: Path, ledger: GitLedger,
                         capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write(TARGETS[example.parent], example.read_bytes())
    started = time.perf_counter()
    code = main(["validate"])
    elapsed = time.perf_counter() - started
    out = capsys.readouterr()
    expect_golden(example.with_suffix(".txt"), out.out)
    assert code == 1
    assert out.err == ""
    assert elapsed < 5  # alias bombs are refused at the first anchor, never expanded

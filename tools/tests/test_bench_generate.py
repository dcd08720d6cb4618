"""The benchmark ledger generator keeps producing ledgers the tool accepts: every record
valid, every commit of the history a legal change, the pull request clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _opsledger(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsledger", *args], cwd=root,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("bench") / "ledger"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), str(root),
                           "--records", "30", "--commits", "10", "--lifecycle-share", "0.6"],
                          capture_output=True, text=True, check=True)
    return root, json.loads(done.stdout)


def test_generated_ledger_validates(ledger: tuple[Path, dict[str, object]]) -> None:
    root, summary = ledger
    done = _opsledger(root, "validate", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary["records"] == 30
    assert len(list(root.glob("*/*/*.yaml"))) == 30
    # Sign-offs are real signatures that `validate` verified, not placeholders.
    signoffs = list(root.glob("*/*/signoffs/*.yaml"))
    assert signoffs and len(signoffs) == summary["signoffs"]
    assert "BEGIN SSH SIGNATURE" in signoffs[0].read_text()


def test_every_commit_passes_audit(ledger: tuple[Path, dict[str, object]]) -> None:
    root, _ = ledger
    done = _opsledger(root, "audit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 commits audited, 0 with problems" in done.stdout
    # Records really move: later commits change records the import did not create.
    log = subprocess.run(["git", "log", "--format=%an", "main"], cwd=root, text=True,
                         capture_output=True, check=True).stdout.split("\n")
    assert len(set(filter(None, log))) > 2


def test_pull_request_is_clean_and_touches_twelve_records(
        ledger: tuple[Path, dict[str, object]]) -> None:
    root, summary = ledger
    done = _opsledger(root, "check", "--base", "main", "--head", "pr", "--now",
                      str(summary["pr_now"]), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["checked"].startswith("12 records changed")


def test_a_tampered_commit_is_caught(ledger: tuple[Path, dict[str, object]],
                                     tmp_path: Path) -> None:
    """The audit above would pass vacuously if it checked nothing: break one sign-off."""
    root, _ = ledger
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    signoff = next(clone.glob("*/*/signoffs/*.yaml"))
    signoff.write_text(signoff.read_text().replace('"approve"', '"reject"'))
    assert _opsledger(clone, "validate").returncode == 1

"""The README's five-minute tour, run as written in a fresh copy of the sample ledger: every
`opsledger` line through the CLI, the git lines through git, the editor step filled in the
way a person would, ending with `check` passing."""

from __future__ import annotations

import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, GitLedger

from opsledger.cli import main


def _tour() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## A five-minute tour", 1)[1].split("```sh\n", 1)[1].split("```")[0]
    return [line for line in block.splitlines() if line.strip()]


def _fill_in(path: Path) -> None:
    """What an engineer types into the go-live form."""
    text = path.read_text(encoding="utf-8")
    for placeholder, real in (
            ("version: \"0.0.0\"", "version: \"1.9.0\""),
            ("Why this change, and what it does. Markdown.", "Faster suggestions."),
            ("What ships (one line per change).", "Suggestion cache in front of the index."),
            ("What was tested, where.", "Load test on staging at twice peak traffic."),
            ("Link to the CI run or test report.", "https://ci.example.com/runs/1234"),
            ("When to roll back (e.g. error rate above 2% for 5 minutes).",
             "Search errors above 1% for 5 minutes."),
            ("First rollback step.", "Turn the cache flag off."),
            ("Where and how stakeholders are told.", "The #search channel and the status page."),
            ("When to stop the change.", "p99 latency above 800 ms."),
            ("result: not_run", "result: passed")):
        assert placeholder in text, placeholder
        text = text.replace(placeholder, real)
    path.write_text(text.replace("executor: bob", "executor: dave"), encoding="utf-8")


def test_the_tour_runs_as_written(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(REPO / "sample-keys", ledger.root / "sample-keys")
    record = "REL-2026-0011"
    ran = []
    for line in _tour():
        words = shlex.split(line.replace(record, "{id}"), comments=True)
        words = [w.replace("{id}", record) for w in words]
        if not words or words[0] in ("source", "make"):
            continue
        if words[0] == "chmod":
            for key in (ledger.root / "sample-keys").glob("*[a-z]"):
                key.chmod(stat.S_IRUSR | stat.S_IWUSR)
        elif words[0] == "$EDITOR":
            _fill_in(ledger.root / words[1])
        elif words[0] == "git":
            for command in " ".join(shlex.quote(w) for w in words).split(" '&&' "):
                subprocess.run(shlex.split(command), cwd=ledger.root, check=True,
                               capture_output=True)
        else:
            assert words[0] == "opsledger", line
            code = main(words[1:])
            out = capsys.readouterr()
            if words[1] == "new":
                record = re.findall(r"REL-\d{4}-\d{4}", out.out)[0]  # next year: another id
            # `due` reports the sample's overdue action items: exit 1 is its answer
            assert code == 0 or (words[1] == "due" and code == 1), f"{line}\n{out.out}{out.err}"
            ran.append(words[1])
            if words[1] == "check":
                assert "1 record changed" in out.out and "no problems" in out.out, out.out
    assert ran[-3:] == ["check", "audit", "due"]
    assert ran.count("status") == 2 and "sign" in ran and "new" in ran
    assert "status: approved" in (ledger.root / "releases" / record / "release.yaml").read_text()
    assert list((ledger.root / "releases" / record / "signoffs").iterdir())


def test_check_warns_about_record_files_it_did_not_see(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["new", "release", "--title", "Search 1.9", "--system", "search",
                 "--as", "bob"]) == 0
    capsys.readouterr()
    assert main(["check", "--base", base]) == 0
    out = capsys.readouterr()
    assert "0 records changed" in out.out
    assert out.err.startswith("warning: 1 record file(s) not committed (releases/REL-")
    # Checking another commit than the working tree's: committing them would not change it.
    other = ledger.git("commit-tree", f"{base}^{{tree}}", "-p", base, "-m", "another commit")
    assert main(["check", "--base", base, "--head", other]) == 0
    assert "not committed" not in capsys.readouterr().err
    assert "`git add` and commit them first" in out.err

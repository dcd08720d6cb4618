"""An incident still holding what `opsledger new incident` wrote for a person to replace
cannot leave triage, but to be declined, cancelled or merged: refused by `status` (nothing
written) and by `check`, naming the record and the fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitLedger

from opsledger.cli import main

SUMMARY = "What is happening. Markdown."
IMPACT = "Who is affected and how."
FILLED = [(SUMMARY, "Card payments time out at authorisation for about one in ten."),
          (IMPACT, "Checkout customers paying by card; retries mostly work.")]


def _declare(ledger: GitLedger, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    assert main(["new", "incident", "--severity", "SEV3", "--service", "payments-api",
                 "--as", "heidi", *options]) == 0
    path = capsys.readouterr().out.strip()
    ledger.commit("declare an incident", who="heidi")
    return path


def _fill(ledger: GitLedger, path: str, keep: str | None = None) -> None:
    for placeholder, text in FILLED:
        if placeholder != keep:
            ledger.edit(path, placeholder, text)


# `new` stamps the record with the time it runs: every step after it runs at that time too.
def _move(path: str, state: str, *note: str) -> int:
    return main(["status", path.split("/")[1], state, "--as", "heidi", *note])


def run_check(capsys: pytest.CaptureFixture[str], base: str) -> tuple[int, str]:
    code = main(["check", "--base", base])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_filled_in_incident_leaves_triage(ledger: GitLedger,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _declare(ledger, capsys, "--title", "Card payments timing out")
    base = ledger.git("rev-parse", "HEAD")
    _fill(ledger, path)
    assert _move(path, "investigating") == 0, capsys.readouterr().err
    assert "status: investigating" in ledger.read(path)
    ledger.commit("investigating", who="heidi")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_a_fresh_skeleton_names_every_placeholder(ledger: GitLedger,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _declare(ledger, capsys)
    before = ledger.read(path)
    assert _move(path, "investigating") == 1
    record = path.split("/")[1]
    assert (f"error OL103: {record}: cannot leave triage while these fields hold the "
            "template's placeholder text: title, summary, impact.summary; write this "
            "incident's own") in capsys.readouterr().err
    assert ledger.read(path) == before


@pytest.mark.parametrize(("kept", "field"), [(IMPACT, "impact.summary"),
                                             (SUMMARY, "summary")])
def test_one_placeholder_left_is_refused_by_status_and_check(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str], kept: str, field: str) -> None:
    path = _declare(ledger, capsys, "--title", "Card payments timing out")
    base = ledger.git("rev-parse", "HEAD")
    _fill(ledger, path, keep=kept)
    before = ledger.read(path)
    assert _move(path, "investigating") == 1
    err = capsys.readouterr().err
    assert f"hold the template's placeholder text: {field}; write this incident's own" in err
    assert "refused, nothing written: 1 problem" in err
    assert ledger.read(path) == before
    # the same step by hand, past `status`: the pull request's check refuses it
    ledger.edit(path, "status: triage", "status: investigating")
    ledger.commit("investigating, by hand", who="heidi")
    code, out = run_check(capsys, base)
    assert code == 1
    record = path.split("/")[1]
    assert f"error OL103: {record}: cannot leave triage while these fields hold the " \
           f"template's placeholder text: {field}; write" in out


def test_an_incident_declared_past_triage_in_one_step_is_refused(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    assert main(["new", "incident", "--severity", "SEV3", "--title", "Card payments timing out",
                 "--as", "heidi"]) == 0
    path = capsys.readouterr().out.strip()
    ledger.edit(path, "status: triage", "status: investigating")
    ledger.commit("a new incident, investigating at once", who="heidi")
    code, out = run_check(capsys, base)
    assert code == 1
    assert "placeholder text: summary, impact.summary; write this incident's own" in out


def test_a_skeleton_may_be_declined_as_it_stands(keyed: GitLedger, keys: dict[str, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = _declare(keyed, capsys)
    base = keyed.git("rev-parse", "HEAD")
    record = path.split("/")[1]
    assert main(["sign", record, "--role", "incident_commander", "--as", "heidi", "--key",
                 str(keys["heidi"]), "--gate", "decline"]) == 0, capsys.readouterr().err
    assert _move(path, "declined", "--note", "Monitoring blip, not an incident.") == 0, \
        capsys.readouterr().err
    keyed.commit("declined", who="heidi")
    code, out = run_check(capsys, base)
    assert code == 0, out

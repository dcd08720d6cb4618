"""`opsledger new incident` writes an incident commander only who may hold the role: the
declarer when the policy lists them under incident_commander, the person --commander names
(who must), else nobody yet, saying who could; leaving triage still needs one."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitLedger

from opsledger.cli import main
from opsledger.loader import load

HOLDERS = "dave, heidi, judy"  # the sample policy's incident_commander


def _declare(capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str, str]:
    code = main(["new", "incident", "--severity", "SEV3", "--service", "payments-api",
                 "--title", "Card payments timing out", *options])
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err


def _roles(ledger: GitLedger, path: str) -> list[dict[str, str]]:
    roles: list[dict[str, str]] = load(path, ledger.read(path).encode()).data["roles"]
    return roles


def _fill(ledger: GitLedger, path: str) -> None:
    ledger.edit(path, "What is happening. Markdown.", "Card payments time out.")
    ledger.edit(path, "Who is affected and how.", "Customers paying by card.")


def test_a_declarer_who_holds_the_role_commands(ledger: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, path, err = _declare(capsys, "--as", "heidi")
    assert code == 0, err
    assert [(r["role"], r["person"]) for r in _roles(ledger, path)] == \
        [("incident_commander", "heidi")]
    assert "no incident commander" not in err


def test_a_declarer_who_does_not_leaves_it_unset_and_says_who_can(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    code, path, err = _declare(capsys, "--as", "ivan")  # comms_lead, not a commander
    assert code == 0, err
    assert _roles(ledger, path) == []
    assert (f"no incident commander yet: ivan does not hold incident_commander in "
            f"opsledger.yaml; before it leaves triage, add one who does to roles ({HOLDERS}), "
            "or declare with --commander PERSON") in err
    assert f"# no commander yet: add one who holds incident_commander ({HOLDERS})" \
        in ledger.read(path)
    assert main(["validate"]) == 0, capsys.readouterr().out  # a triage record needs none
    capsys.readouterr()
    # Leaving triage still needs one: refused until a holder of the role is added.
    _fill(ledger, path)
    record = path.split("/")[1]
    assert main(["status", record, "investigating", "--as", "ivan"]) == 1
    assert "error OL140: roles: SEV3 out of triage needs a incident_commander" in \
        capsys.readouterr().err
    text = ledger.read(path)
    now = load(path, text.encode()).data["timestamps"]["declared_at"]
    ledger.write(path, text.replace(
        "\n  []  ", f"\n  - {{role: incident_commander, person: judy, assumed_at: {now}}}  "))
    assert main(["status", record, "investigating", "--as", "judy"]) == 0, \
        capsys.readouterr().err


def test_commander_names_who_commands(ledger: GitLedger,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, path, err = _declare(capsys, "--as", "ivan", "--commander", "judy")
    assert code == 0, err
    assert [(r["role"], r["person"]) for r in _roles(ledger, path)] == \
        [("incident_commander", "judy")]
    assert "no incident commander" not in err


@pytest.mark.parametrize(("named", "message"), [
    ("alice", "opsledger: error: --commander alice: alice does not hold incident_commander in "
              f"opsledger.yaml; name one who does ({HOLDERS})\n"),
    ("zed", "opsledger: error: --commander 'zed': no such person in opsledger.yaml\n"),
])
def test_a_commander_who_cannot_hold_the_role_is_refused(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str], named: str, message: str) -> None:
    before = sorted(p.name for p in Path("incidents").iterdir())
    code, out, err = _declare(capsys, "--as", "heidi", "--commander", named)
    assert (code, out, err) == (2, "", message)
    assert sorted(p.name for p in Path("incidents").iterdir()) == before  # nothing written

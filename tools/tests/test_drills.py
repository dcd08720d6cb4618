"""Drills as records of their own shape and the policy's drill programme: pairs from one
base commit (the legal move passes, the attack fails naming the record and reason), the
programme as `due` and the site see it, and drills kept out of metrics."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import GitLedger, run_check

from opsledger import drills
from opsledger.cli import main
from opsledger.ledger import scan
from opsledger.tree import WorkTree
from opsledger.trust import load_trust

INC5 = "incidents/INC-2026-0005/incident.yaml"   # failover drill, closed, one objective unmet
INC7 = "incidents/INC-2026-0007/incident.yaml"   # data-exposure tabletop, closed
NEW = "incidents/INC-2026-0012/incident.yaml"


def _new_drill(ledger: GitLedger, scenario: str) -> None:
    text = ledger.read(INC7).replace("INC-2026-0007", "INC-2026-0012")
    ledger.write(NEW, text.replace("scenario: data-exposure", f"scenario: {scenario}"))


def test_drill_of_a_programme_scenario(ledger: GitLedger,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    _new_drill(ledger, "failover")
    ledger.commit("INC-2026-0012: identity failover drill", who="judy")
    code, out = run_check(capsys, base)
    assert code == 0, out


def test_drill_under_a_misspelt_scenario_is_refused(ledger: GitLedger,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    _new_drill(ledger, "fail-over")
    ledger.commit("INC-2026-0012: identity failover drill", who="judy")
    code, out = run_check(capsys, base)
    assert code == 1
    assert f"{NEW}:" in out and "error OL142: drill.scenario: 'fail-over' is not in the " \
        "policy's drill programme (drills.programme: failover, data-exposure)" in out


def test_a_run_drill_carries_its_drill_block(ledger: GitLedger,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    text = ledger.read(INC7)
    start, end = text.index("drill:\n"), text.index("timeline:\n")
    ledger.write(INC7, text[:start] + text[end:])
    assert main(["validate"]) == 1
    assert "incidents/INC-2026-0007/incident.yaml:1:1: error OL103: status 'closed' requires " \
        "field drill" in capsys.readouterr().out


def test_a_run_drill_says_whether_each_objective_was_met(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INC7, "result: 37 minutes, met: true", "result: 37 minutes")
    assert main(["validate"]) == 1
    assert "error OL103: status 'closed' requires field drill.objectives.0.met" in \
        capsys.readouterr().out


def test_only_drills_carry_a_drill_block(ledger: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    drill = ledger.read(INC7)
    block = drill[drill.index("drill:\n"):drill.index("timeline:\n")]
    ledger.edit("incidents/INC-2026-0003/incident.yaml", "timeline:\n", block + "timeline:\n")
    assert main(["validate"]) == 1
    assert "incidents/INC-2026-0003/incident.yaml" in capsys.readouterr().out


def test_participants_play_known_roles(ledger: GitLedger,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit(INC7, "{person: kate, role: legal_counsel", "{person: kate, role: lawyer")
    assert main(["validate"]) == 1
    assert "error OL122: drill.participants.2.role: unknown role 'lawyer'" in \
        capsys.readouterr().out


def test_the_policy_names_known_roles_and_services(ledger: GitLedger,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ledger.edit("opsledger.yaml", "      roles: [legal_counsel]\n      notify:\n        - {to: "
                "management, within_minutes: 30}\n        - {to: legal_counsel, within_minutes: "
                "60}\n        - {to: regulator", "      roles: [counsel]\n      notify:\n        "
                "- {to: management, within_minutes: 30}\n        - {to: legal_counsel, "
                "within_minutes: 60}\n        - {to: regulator")
    ledger.edit("opsledger.yaml", "every_days: 180}", "every_days: 180, services: [ledger-db]}")
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "error OL160: incidents.types.data.roles: unknown role 'counsel'" in out
    assert "error OL160: drills.programme.1.services: unknown service 'ledger-db'" in out


def test_programme_rows(ledger: GitLedger) -> None:
    tree = WorkTree(ledger.root)
    policy = load_trust(tree).policy
    assert policy is not None
    rows = {(r.target.scenario, r.service): r for r in drills.programme(scan(tree), policy)}
    assert sorted(rows) == [("data-exposure", None), ("failover", "identity"),
                            ("failover", "orders-db"), ("failover", "payments-api")]
    orders = rows[("failover", "orders-db")]
    assert orders.last is not None and orders.last.record == "INC-2026-0005"
    assert (orders.last.objectives, orders.last.met) == (3, 2)
    assert orders.next_due == date(2026, 12, 9) and not orders.overdue(date(2026, 11, 27))
    assert rows[("failover", "identity")].last is None
    assert rows[("failover", "identity")].overdue(date(2026, 11, 27))


def test_metrics_leave_drills_out(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--format", "json"]) == 0
    before = capsys.readouterr().out
    ledger.edit(INC5, "severity: SEV2", "severity: SEV1")
    assert main(["metrics", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(before)

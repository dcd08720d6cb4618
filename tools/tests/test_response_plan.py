"""The emergency response plan: the response level by type (roles and notifications owed),
notifications as timeline events, the close check that settles each one, stakeholder
updates at the severity's cadence. Pairs from one base commit in a real repository: the
legal move passes, the attack fails naming the record and the reason."""

from __future__ import annotations

import pytest
from conftest import NOW, GitLedger, run_check

from opsledger.cli import main

INC6 = "incidents/INC-2026-0006/incident.yaml"   # SEV2 data incident, mitigated
NEW = "incidents/INC-2026-0009/incident.yaml"


def _data_incident(status: str = "triage", severity: str = "SEV?", roles: str = "[]",
                   extra: str = "") -> str:
    """A SEV3-sized data exposure (no postmortem owed): management and legal counsel told
    in time, the regulator not yet."""
    stamps = "" if status == "triage" else \
        "  acknowledged_at: 2026-11-20T10:05:00+00:00\n  resolved_at: 2026-11-20T15:00:00+00:00\n"
    if status == "closed":
        stamps += "  closed_at: 2026-11-24T10:00:00+00:00\n"
    return f"""id: INC-2026-0009
title: Support export with customer e-mail addresses sent to the wrong partner
summary: A support export went to the wrong partner's inbox.
type: data
mode: real
severity: {severity}
status: {status}
services: [notifications]
timestamps:
  detected_at: 2026-11-20T09:50:00+00:00
  declared_at: 2026-11-20T10:00:00+00:00
{stamps}roles: {roles}
impact:
  summary: 40 e-mail addresses sent to a partner who deleted them.
  personal_data: true
timeline:
  - {{at: 2026-11-20T10:00:00+00:00, type: declared, text: Declared., by: heidi}}
  - {{at: 2026-11-20T10:20:00+00:00, type: notification, text: Told., by: heidi, to: management, via: phone}}
  - {{at: 2026-11-20T10:40:00+00:00, type: notification, text: Told., by: heidi, to: legal_counsel}}
{extra}postmortem:
  required: false
  status: not_started
"""


STAFFED = ("[{role: incident_commander, person: heidi, assumed_at: 2026-11-20T10:05:00+00:00}, "
           "{role: legal_counsel, person: kate, assumed_at: 2026-11-20T10:40:00+00:00}]")
NO_COUNSEL = "[{role: incident_commander, person: heidi, assumed_at: 2026-11-20T10:05:00+00:00}]"


@pytest.fixture
def in_triage(ledger: GitLedger) -> str:
    ledger.write(NEW, _data_incident())
    return ledger.commit("INC-2026-0009 declared", who="heidi")


def test_data_incident_leaves_triage_with_legal_counsel(
        ledger: GitLedger, in_triage: str, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write(NEW, _data_incident("resolved", "SEV3", STAFFED))
    ledger.commit("INC-2026-0009 resolved", who="heidi")
    code, out = run_check(capsys, in_triage)
    assert code == 0, out


def test_data_incident_cannot_leave_triage_without_legal_counsel(
        ledger: GitLedger, in_triage: str, capsys: pytest.CaptureFixture[str]) -> None:
    ledger.write(NEW, _data_incident("resolved", "SEV3", NO_COUNSEL))
    ledger.commit("INC-2026-0009 resolved", who="heidi")
    code, out = run_check(capsys, in_triage)
    assert code == 1
    assert f"{NEW}:" in out and "error OL141: roles: a data incident out of triage needs a " \
        "legal_counsel (incidents.types.data.roles); add it to roles" in out


@pytest.fixture
def resolved(ledger: GitLedger) -> str:
    ledger.write(NEW, _data_incident("resolved", "SEV3", STAFFED))
    return ledger.commit("INC-2026-0009 resolved", who="heidi")


def _close(ledger: GitLedger, extra: str = "") -> None:
    ledger.write(NEW, _data_incident("closed", "SEV3", STAFFED, extra))
    ledger.commit("INC-2026-0009 closed", who="heidi")


def test_close_after_the_regulator_was_told(ledger: GitLedger, resolved: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _close(ledger, "  - {at: 2026-11-21T09:00:00+00:00, type: notification, text: Report "
           "filed., by: kate, to: regulator, via: regulator portal}\n")
    code, out = run_check(capsys, resolved)
    assert code == 0, out


def test_close_with_a_waiver_and_its_reason(ledger: GitLedger, resolved: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _close(ledger, "notifications_waived:\n  - {to: regulator, reason: The partner deleted the "
           "file unopened (their attestation in the ticket); not reportable., by: kate}\n")
    code, out = run_check(capsys, resolved)
    assert code == 0, out


def test_close_in_silence_is_refused(ledger: GitLedger, resolved: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _close(ledger)
    code, out = run_check(capsys, resolved)
    assert code == 1
    assert "error OL218: INC-2026-0009: closing with the notification to regulator never " \
        "made; make it (opsledger log ... --type notification --to regulator) or waive it " \
        "in notifications_waived with a reason" in out


def test_status_refuses_the_silent_close_and_writes_nothing(
        ledger: GitLedger, resolved: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = ledger.read(NEW)
    assert main(["status", "INC-2026-0009", "closed", "--as", "heidi", "--now", NOW]) == 1
    assert "OL218" in capsys.readouterr().err
    assert ledger.read(NEW) == before
    assert main(["log", "INC-2026-0009", "Report filed", "--type", "notification", "--to",
                 "regulator", "--via", "portal", "--as", "kate", "--at", NOW]) == 0
    assert "to: regulator, via: portal}" in ledger.read(NEW)
    assert main(["status", "INC-2026-0009", "closed", "--as", "heidi", "--now", NOW]) == 0
    ledger.commit("INC-2026-0009 notified and closed", who="heidi")
    code, out = run_check(capsys, resolved)
    assert code == 0, out


def test_a_waiver_needs_a_reason(ledger: GitLedger, resolved: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    _close(ledger, "notifications_waived:\n  - {to: regulator, by: kate}\n")
    code, out = run_check(capsys, resolved)
    assert code == 1
    assert "error OL101: notifications_waived.0: missing required field reason" in out


def test_log_notification_options(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "INC-2026-0006", "Told", "--type", "notification", "--as", "kate"]) == 2
    assert "--type notification needs --to WHO" in capsys.readouterr().err
    assert main(["log", "INC-2026-0006", "Told", "--to", "regulator", "--as", "kate"]) == 2
    assert "--to and --via go with --type notification" in capsys.readouterr().err


def test_show_prints_the_notification_checklist(ledger: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "INC-2026-0006", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "  severity: SEV2   type: data   mode: real\n  notifications:\n" in out
    assert "    management: owed by 2026-11-23T10:40:00+00:00, done " \
        "2026-11-23T10:25:00+00:00 [met]" in out
    assert "    legal_counsel: owed by 2026-11-23T11:10:00+00:00, done " \
        "2026-11-23T11:35:00+00:00 [late by 25 min]" in out
    assert "    regulator: owed by 2026-11-26T10:10:00+00:00, not made [missing, 1 d 1 h past " \
        "the deadline]" in out


LATE = ("INC-2026-0006: notification to regulator owed by 2026-11-26T10:10:00+00:00 not made "
        "(1 d 1 h late); opsledger log INC-2026-0006 TEXT --type notification --to regulator")
STALE = ("INC-2026-0006: stakeholder update overdue since 2026-11-24T10:30:00+00:00 (last "
         "update 3 d 2 h ago; SEV2 updates every 60 min)")
DRILL = ("drill data-exposure: overdue (last INC-2026-0007 on 2026-05-20, due 2026-11-16; the "
         "programme asks for one every 180 days)")


def _due(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["due", "--now", NOW])
    return code, capsys.readouterr().out


def test_due_reports_late_notification_stale_update_and_overdue_drill(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _due(capsys)
    assert code == 1
    assert LATE in out and STALE in out and DRILL in out
    assert "drill failover for identity: overdue (never rehearsed; the programme asks for one " \
        "every 90 days)" in out
    assert "drill failover for orders-db" not in out  # INC-2026-0005, 2026-09-10: due 12-09


def test_due_is_quiet_once_they_are_done(ledger: GitLedger,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "INC-2026-0006", "Report filed with the regulator", "--type",
                 "notification", "--to", "regulator", "--via", "portal", "--as", "kate",
                 "--at", "2026-11-27T11:30:00+00:00"]) == 0
    assert main(["log", "INC-2026-0006", "Update: report filed", "--type", "communication",
                 "--as", "ivan", "--at", "2026-11-27T11:45:00+00:00"]) == 0
    drill = ledger.read("incidents/INC-2026-0007/incident.yaml")
    for number, scenario, service in (("0010", "data-exposure", "identity"),
                                      ("0011", "failover", "identity")):
        text = drill.replace("INC-2026-0007", f"INC-2026-{number}").replace(
            "2026-05-", "2026-11-").replace("scenario: data-exposure", f"scenario: {scenario}")
        ledger.write(f"incidents/INC-2026-{number}/incident.yaml",
                     text.replace("services: [identity]", f"services: [{service}]"))
    assert main(["validate"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    _, out = _due(capsys)
    assert "INC-2026-0006" not in out and "drill " not in out, out


def test_drills_and_their_notifications_owe_nothing(ledger: GitLedger,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """INC-2026-0007 rehearses a data exposure without telling a real regulator."""
    assert main(["show", "INC-2026-0007", "--now", NOW]) == 0
    assert "notifications:" not in capsys.readouterr().out


def test_due_leaves_closed_incidents_alone(ledger: GitLedger,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Closing settles every notification; one closed before the policy asked for it (a record
    at rest) is history, not a debt."""
    ledger.write(NEW, _data_incident("resolved", "SEV3", STAFFED))
    _, out = _due(capsys)
    assert "INC-2026-0009: notification to regulator owed by 2026-11-23T10:00:00+00:00 not " \
        "made" in out
    ledger.write(NEW, _data_incident("closed", "SEV3", STAFFED))
    _, out = _due(capsys)
    assert "INC-2026-0009" not in out


def test_new_data_incident_starts_with_its_type(ledger: GitLedger,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "incident", "--type", "data", "--severity", "SEV2", "--title",
                 "Export bucket was public", "--service", "payments-api", "--as", "heidi"]) == 0
    path = capsys.readouterr().out.strip().splitlines()[-1]
    assert "\ntype: data " in ledger.read(path)
    assert main(["validate", path]) == 0, capsys.readouterr().out

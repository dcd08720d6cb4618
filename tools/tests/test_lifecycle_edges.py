"""Every ordered pair of states of both lifecycles, checked by `opsledger check` in a real repo.

The expected tables are written out here from the design (not imported from the code under
test), so a wrong edge in `lifecycle.py` fails this file. Each pair is its own record: the base
commit puts it in the old state, the PR moves it to the new one, and one `check` judges them all.
"""

from __future__ import annotations

import itertools
import json
import re

import pytest
from conftest import GitLedger

from opsledger.cli import main

RELEASE_STATES = ("draft", "submitted", "approved", "implementing", "succeeded", "failed",
                  "rolled_back", "closed", "rejected", "cancelled")
RELEASE_ALLOWED = {
    ("draft", "submitted"), ("draft", "cancelled"),
    ("submitted", "approved"), ("submitted", "rejected"), ("submitted", "cancelled"),
    ("approved", "implementing"), ("approved", "submitted"), ("approved", "rejected"),
    ("approved", "cancelled"),
    ("implementing", "succeeded"), ("implementing", "failed"), ("implementing", "rolled_back"),
    ("succeeded", "closed"), ("failed", "closed"), ("rolled_back", "closed"),
}
EMERGENCY_EXTRA = {("draft", "implementing"), ("submitted", "implementing")}

INCIDENT_STATES = ("triage", "investigating", "identified", "mitigated", "resolved",
                   "postmortem", "closed", "declined", "cancelled", "merged")
INCIDENT_ALLOWED = {
    ("triage", "investigating"), ("triage", "identified"), ("triage", "mitigated"),
    ("triage", "resolved"), ("triage", "declined"), ("triage", "cancelled"),
    ("triage", "merged"),
    ("investigating", "identified"), ("investigating", "mitigated"),
    ("investigating", "resolved"), ("investigating", "cancelled"), ("investigating", "merged"),
    ("identified", "mitigated"), ("identified", "resolved"), ("identified", "merged"),
    ("mitigated", "resolved"), ("mitigated", "investigating"),
    ("resolved", "postmortem"), ("resolved", "closed"), ("resolved", "investigating"),
    ("postmortem", "closed"),
}

PAIRS = {"release": [p for p in itertools.permutations(RELEASE_STATES, 2)],
         "incident": [p for p in itertools.permutations(INCIDENT_STATES, 2)]}
TEMPLATE = {"release": ("releases", "REL", "releases/REL-2026-0006/release.yaml"),
            "incident": ("incidents", "INC", "incidents/INC-2026-0003/incident.yaml")}


def plant(ledger: GitLedger, kind: str, emergency: bool) -> dict[str, tuple[str, str]]:
    """One record per ordered pair, in its old state; returns id -> (old, new)."""
    folder, prefix, template = TEMPLATE[kind]
    text = ledger.read(template)
    original_id = re.search(r"^id: (\S+)$", text, re.M)
    assert original_id
    if emergency:
        text = text.replace("change_type: normal", "change_type: emergency")
    planted = {}
    for number, (old, new) in enumerate(PAIRS[kind], start=1000):
        record_id = f"{prefix}-2031-{number:04d}"
        body = text.replace(original_id.group(1), record_id)
        body = re.sub(r"^status: \S+$", f"status: {old}", body, count=1, flags=re.M)
        ledger.write(f"{folder}/{record_id}/{template.rsplit('/', 1)[1]}", body)
        planted[record_id] = (old, new)
    return planted


def refused_edges(ledger: GitLedger, capsys: pytest.CaptureFixture[str], kind: str,
                  emergency: bool = False) -> tuple[dict[str, tuple[str, str]], set[str]]:
    planted = plant(ledger, kind, emergency)
    base = ledger.commit(f"{kind}s in every state", who="alice")
    folder, _, template = TEMPLATE[kind]
    name = template.rsplit("/", 1)[1]
    for record_id, (old, new) in planted.items():
        ledger.edit(f"{folder}/{record_id}/{name}", f"status: {old}\n", f"status: {new}\n")
    ledger.commit(f"move every {kind}", who="bob")
    code = main(["check", "--base", base, "--now", "2026-12-03T13:30:00+00:00",
                 "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # at least the forbidden edges
    refused = {p["message"].split(":")[0] for p in report["problems"] if p["code"] == "OL201"}
    return planted, refused


def test_every_release_edge(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    planted, refused = refused_edges(ledger, capsys, "release")
    assert len(planted) == 90
    for record_id, edge in planted.items():
        assert (record_id not in refused) == (edge in RELEASE_ALLOWED), edge


def test_every_emergency_release_edge(ledger: GitLedger,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    planted, refused = refused_edges(ledger, capsys, "release", emergency=True)
    for record_id, edge in planted.items():
        assert (record_id not in refused) == (edge in RELEASE_ALLOWED | EMERGENCY_EXTRA), edge


def test_every_incident_edge(ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    planted, refused = refused_edges(ledger, capsys, "incident")
    assert len(planted) == 90
    for record_id, edge in planted.items():
        assert (record_id not in refused) == (edge in INCIDENT_ALLOWED), edge


def test_refusal_names_the_record_the_edge_and_the_way_out(
        ledger: GitLedger, capsys: pytest.CaptureFixture[str]) -> None:
    base = ledger.git("rev-parse", "HEAD")
    ledger.edit("incidents/INC-2026-0003/incident.yaml", "status: investigating",
                "status: triage")
    ledger.commit("back to triage", who="bob")
    assert main(["check", "--base", base, "--now", "2026-11-27T12:00:00+00:00"]) == 1
    out = capsys.readouterr().out
    assert ("incidents/INC-2026-0003/incident.yaml:8:9: error OL201: INC-2026-0003: status "
            "investigating -> triage is not allowed (from investigating: identified, mitigated, "
            "resolved, cancelled, merged)") in out

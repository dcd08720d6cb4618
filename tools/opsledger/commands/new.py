"""`opsledger new release|incident`: the next free id, a record started from its template
(a release in draft, an incident in triage); prints the path."""

from __future__ import annotations

import difflib
import json
from datetime import timedelta

from opsledger import ids, numbering, placeholders, timefmt
from opsledger.atomic import write_atomic
from opsledger.escape import safe
from opsledger.lifecycle import Kind
from opsledger.location import POLICY_FILE
from opsledger.obligations import severity_requires_postmortem
from opsledger.policy import Policy
from opsledger.problems import FatalError, Outcome
from opsledger.workspace import Workspace

COMMANDER = "incident_commander"


def run(*, kind: Kind, title: str | None, system: str | None, version: str | None,
        risk: str | None, change_type: str | None, severity: str | None,
        service: list[str] | None, mode: str | None, person: str | None,
        incident_type: str | None = None, commander: str | None = None) -> Outcome:
    workspace = Workspace.open(person=person)
    who = workspace.person()
    now = workspace.clock.replace(microsecond=0)
    leader = _commander(workspace.policy, who, commander) if kind == "incident" else None
    record_id = numbering.next_id(workspace.root, kind, now.year)
    services = list(workspace.policy.services)
    for name in [system, *(service or [])]:
        if name is not None and services and name not in services:
            raise FatalError(_unknown_service(name, services))
    values = {"id": record_id, "who": who, "now": timefmt.format_time(now),
              "title": json.dumps(title or placeholders.default_title(kind)),
              "system": system or (services[0] if services else "my-service"),
              "version": json.dumps(version or placeholders.VERSION),
              "risk": risk or "low",
              "change_type": change_type or "normal",
              "severity": json.dumps(severity or "SEV?"),
              "mode": mode or "real",
              "type": incident_type or "incident",
              "postmortem_required": json.dumps(severity_requires_postmortem(
                  workspace.policy, mode or "real", severity)),
              "start": timefmt.format_time(now + timedelta(days=1)),
              "end": timefmt.format_time(now + timedelta(days=1, hours=2))}
    values["services"] = ", ".join(service or [values["system"]])
    values["commander"] = _roles_entry(leader, values["now"], workspace.policy)
    template = placeholders.template(kind)
    target = workspace.root / ids.record_file(record_id)
    target.parent.mkdir(parents=True)
    write_atomic(target, template.format(**values).encode("utf-8"))
    path = target.relative_to(workspace.root)
    note = f"created {path}; fill it in, then `opsledger validate`"
    if kind == "incident" and leader is None:
        note += "\n" + _no_commander(workspace.policy, who)
    return Outcome(str(path), note=note)


def _commander(policy: Policy, who: str, chosen: str | None) -> str | None:
    """Who commands the incident from its declaration: the person --commander names, else
    the declarer; only someone the policy lets hold the role (the commander signs the
    incident's gates), else nobody yet."""
    if chosen is None:
        return who if policy.holds(who, COMMANDER) else None
    if chosen not in policy.people:
        raise FatalError(f"--commander {safe(chosen)!r}: no such person in {POLICY_FILE}")
    if not policy.holds(chosen, COMMANDER):
        raise FatalError(f"--commander {chosen}: {chosen} does not hold {COMMANDER} in "
                         f"{POLICY_FILE}; name one who does ({_holders(policy)})")
    return chosen


def _roles_entry(leader: str | None, now: str, policy: Policy) -> str:
    """The `roles` list as the template writes it (two spaces in, under `roles:`)."""
    if leader is None:
        return (f"[]                          # no commander yet: add one who holds "
                f"{COMMANDER} ({_holders(policy)})")
    return f"- role: {COMMANDER}\n    person: {leader}\n    assumed_at: {now}"


def _no_commander(policy: Policy, who: str) -> str:
    return (f"no incident commander yet: {who} does not hold {COMMANDER} in {POLICY_FILE}; "
            f"before it leaves triage, add one who does to roles ({_holders(policy)}), or "
            "declare with --commander PERSON")


def _holders(policy: Policy) -> str:
    holders = policy.roles.get(COMMANDER, [])
    if not holders:
        return f"nobody does yet: add people to roles.{COMMANDER} in {POLICY_FILE}"
    return ", ".join(holders)


def _unknown_service(name: str, services: list[str]) -> str:
    close = difflib.get_close_matches(name, services, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return (f"{safe(name)!r} is not a service in the catalog of opsledger.yaml; {hint}"
            f"the services are: {', '.join(services)}")

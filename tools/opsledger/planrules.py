"""The emergency response plan's rules: one incident's (the roles its type adds, its drill's
scenario) and the policy's (the roles and services the plan names). `rules` lists them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from opsledger import lifecycle
from opsledger.ledger import Record
from opsledger.policy import Policy
from opsledger.problems import Problem

if TYPE_CHECKING:
    from opsledger.rules import Context


def _problem(record: Record, key: tuple[str, ...], code: str, message: str) -> Problem:
    assert record.doc is not None
    return record.doc.problem(key, code, message)


def type_roles_filled(record: Record, ctx: Context) -> Iterator[Problem]:
    """The response level by type: a data or security incident needs the roles its type
    adds (legal counsel) as soon as it leaves triage, whatever its severity."""
    data = record.data
    if data.get("status") in lifecycle.INCIDENT_UNSTAFFED:
        return
    held = {r.get("role") for r in data.get("roles") or [] if isinstance(r, dict)}
    for role in ctx.policy.type_roles(str(data.get("type"))):
        if role not in held:
            yield _problem(record, ("roles",), "OL141", f"roles: a {data.get('type')} incident "
                           f"out of triage needs a {role} (incidents.types.{data.get('type')}"
                           ".roles); add it to roles")


def drill_scenario_known(record: Record, ctx: Context) -> Iterator[Problem]:
    """A drill counts for the programme only under a scenario the programme names: a typo
    would leave the scenario looking never rehearsed."""
    drill = record.data.get("drill")
    scenario = drill.get("scenario") if isinstance(drill, dict) else None
    known = [target.scenario for target in ctx.policy.drill_programme()]
    if isinstance(scenario, str) and scenario not in known:
        yield _problem(record, ("drill", "scenario"), "OL142", f"drill.scenario: {scenario!r} "
                       f"is not in the policy's drill programme (drills.programme: "
                       f"{', '.join(known) or 'none'})")


def response_plan_known(policy: Policy) -> Iterator[Problem]:
    """Roles the incident types add and name, and services the drill programme names."""
    types = policy.data.get("incidents", {}).get("types", {})
    for name, level in types.items():
        for index, role in enumerate(level.get("roles", [])):
            if role not in policy.roles:
                yield policy.doc.problem(("incidents", "types", name, "roles", index), "OL160",
                                         f"incidents.types.{name}.roles: unknown role {role!r}")
    for role in policy.data.get("role_names", {}):
        if role not in policy.roles:
            yield policy.doc.problem(("role_names", role), "OL160",
                                     f"role_names: unknown role {role!r}")
    for index, target in enumerate(policy.data.get("drills", {}).get("programme", [])):
        for j, service in enumerate(target.get("services", [])):
            if service not in policy.services:
                yield policy.doc.problem(("drills", "programme", index, "services", j),
                                         "OL160", f"drills.programme.{index}.services: "
                                         f"unknown service {service!r}")

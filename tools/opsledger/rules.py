"""Semantic rules on one state of the ledger. A rule is a function yielding Problems;
the tuples at the bottom are the list of rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsledger import ids, lifecycle, timefmt
from opsledger.approval import fillable
from opsledger.fieldpath import dotted as _dotted
from opsledger.fieldpath import get as _get
from opsledger.ledger import Ledger, Record
from opsledger.loader import Key, walk
from opsledger.obligations import postmortem_of, postmortem_required
from opsledger.planrules import drill_scenario_known, response_plan_known, type_roles_filled
from opsledger.policy import Policy, zone
from opsledger.problems import Problem
from opsledger.requirements import possible_slot_sets


@dataclass
class Context:
    policy: Policy
    ledger: Ledger


Rule = Callable[[Record, Context], Iterator[Problem]]


def _problem(record: Record, key: Key, code: str, message: str) -> Problem:
    assert record.doc is not None
    return record.doc.problem(key, code, message)


def id_matches_directory(record: Record, ctx: Context) -> Iterator[Problem]:
    if record.data.get("id") != record.id:
        yield _problem(record, ("id",), "OL110", f"id {record.data.get('id')!r} must equal its "
                       f"directory name {record.id!r}; ids never change")


PERSON_FIELDS = {"requested_by", "executor", "by", "person", "owner", "incident_commander",
                 "contact"}
PERSON_LISTS = {"oncall"}


def people_exist(record: Record, ctx: Context) -> Iterator[Problem]:
    for key, value in _names(record.data, ()):
        if value not in ctx.policy.people:
            yield _problem(record, key, "OL121", f"{_dotted(key)}: unknown person {value!r}; "
                           "add them to `people` in opsledger.yaml or fix the name")


def _names(data: Any, key: Key) -> Iterator[tuple[Key, str]]:
    """(key, value) of every person named: a text value of a PERSON_FIELDS field or an item of
    a PERSON_LISTS list, at any depth. Values of the wrong type are the schema's to report."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for name, value in items:
        if isinstance(value, str):
            if name in PERSON_FIELDS:
                yield (*key, name), value
        elif isinstance(value, dict | list):
            if name in PERSON_LISTS and isinstance(value, list):
                yield from (((*key, name, index), item) for index, item in enumerate(value)
                            if isinstance(item, str))
            yield from _names(value, (*key, name))


def services_exist(record: Record, ctx: Context) -> Iterator[Problem]:
    data = record.data
    candidates: list[tuple[Key, Any]] = [(("system",), data.get("system"))]
    candidates += [(("services", i), s) for i, s in enumerate(data.get("services") or [])]
    impact: dict[str, Any] = data["impact"] if isinstance(data.get("impact"), dict) else {}
    candidates += [(("impact", "services", i), s)
                   for i, s in enumerate(impact.get("services") or [])]
    for key, service in candidates:
        if isinstance(service, str) and service not in ctx.policy.services:
            known = ", ".join(sorted(ctx.policy.services))
            yield _problem(record, key, "OL120", f"{_dotted(key)}: unknown service {service!r} "
                           f"(catalog: {known})")


def roles_exist(record: Record, ctx: Context) -> Iterator[Problem]:
    drill = record.data["drill"] if isinstance(record.data.get("drill"), dict) else {}
    for parent, items in ((("roles",), record.data.get("roles")),
                          (("drill", "participants"), drill.get("participants"))):
        for index, assignment in enumerate(items if isinstance(items, list) else []):
            role = assignment.get("role") if isinstance(assignment, dict) else None
            if isinstance(role, str) and role not in ctx.policy.roles:
                key: Key = (*parent, index, "role")
                yield _problem(record, key, "OL122", f"{_dotted(key)}: unknown role {role!r}; "
                               "roles are defined in opsledger.yaml")


LINK_FIELDS = {"related_releases": ("release", "OL123"),
               "related_incidents": ("incident", "OL124"), "duplicate_of": ("incident", "OL124")}


def linked_ids(ledger: Ledger) -> set[str]:
    """Every well-formed record id the ledger's loaded records link to."""
    found: set[str] = set()
    for record in ledger.records.values():
        for field in LINK_FIELDS:
            value = record.data.get(field)
            targets = value if isinstance(value, list) else [value]
            found.update(t for t in targets if isinstance(t, str) and ids.kind_of(t))
    return found


def links_exist(record: Record, ctx: Context) -> Iterator[Problem]:
    for field, (kind, code) in LINK_FIELDS.items():
        value = record.data.get(field)
        targets = value if isinstance(value, list) else [value] if value else []
        for index, target in enumerate(targets):
            key: Key = (field, index) if isinstance(value, list) else (field,)
            if not isinstance(target, str):
                continue  # the schema reports it
            if target not in ctx.ledger.ids[kind]:
                yield _problem(record, key, code, f"{_dotted(key)}: {kind} {target!r} does "
                               "not exist")
            else:
                yield from _reciprocal(record, ctx, key, field, target)


def _reciprocal(record: Record, ctx: Context, key: Key, field: str,
                target: str) -> Iterator[Problem]:
    # Only a release's link must be returned: an approved release is frozen, so the incident
    # it caused links to it from the incident's side alone.
    back = {"related_incidents": "related_releases"}
    other = ctx.ledger.records.get(target)
    if field in back and other is not None and other.doc is not None and \
            record.id not in (other.data.get(back[field]) or []):
        yield _problem(record, key, "OL125", f"{_dotted(key)}: {target} does not list "
                       f"{record.id} in its {back[field]}; link both ways")


def _time(value: object) -> datetime | None:
    try:
        return timefmt.parse(value) if isinstance(value, str) else None
    except ValueError:
        return None  # reported by the schema


def _ordered(record: Record, pairs: list[tuple[Key, Key]]) -> Iterator[Problem]:
    for earlier, later in pairs:
        first, second = _time(_get(record.data, earlier)), _time(_get(record.data, later))
        if first and second and second < first:
            code = "OL131" if earlier == ("window", "start") else "OL130"
            yield _problem(record, later, code, f"{_dotted(later)} "
                           f"({_get(record.data, later)}) is before {_dotted(earlier)} "
                           f"({_get(record.data, earlier)})")


INCIDENT_ORDER = [("impact_started_at", "detected_at"), ("detected_at", "declared_at"),
                  ("detected_at", "acknowledged_at"), ("detected_at", "mitigated_at"),
                  ("mitigated_at", "resolved_at"), ("detected_at", "resolved_at"),
                  ("resolved_at", "closed_at")]


def incident_times_ordered(record: Record, ctx: Context) -> Iterator[Problem]:
    yield from _ordered(record, [(("timestamps", a), ("timestamps", b))
                                 for a, b in INCIDENT_ORDER])


def release_times_ordered(record: Record, ctx: Context) -> Iterator[Problem]:
    yield from _ordered(record, [(("window", "start"), ("window", "end")),
                                 (("execution", "started_at"), ("execution", "finished_at")),
                                 (("execution", "finished_at"), ("review", "at"))])


def severity_roles_filled(record: Record, ctx: Context) -> Iterator[Problem]:
    if record.data.get("status") in lifecycle.INCIDENT_UNSTAFFED:
        return
    severity = ctx.policy.severity(str(record.data.get("severity")))
    required = ["incident_commander", *severity.get("required_roles", [])]
    held = {r.get("role") for r in record.data.get("roles") or []
            if isinstance(r, dict) and isinstance(r.get("role"), str)}
    for role in dict.fromkeys(required):
        if role not in held:
            yield _problem(record, ("roles",), "OL140", f"roles: {record.data.get('severity')} "
                           f"out of triage needs a {role}; add it to roles")


def action_item_ids_unique(record: Record, ctx: Context) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, item in enumerate(record.data.get("action_items") or []):
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, str) and item_id in seen:
            yield _problem(record, ("action_items", index, "id"), "OL111",
                           f"action_items.{index}.id: {item_id!r} used twice in this incident")
        if isinstance(item_id, str):
            seen.add(item_id)


def postmortem_done_when_closed(record: Record, ctx: Context) -> Iterator[Problem]:
    """What the schema asks of a closed incident whose record says `postmortem.required:
    true`, asked here of one whose severity's policy requires it although the record says
    otherwise (the record's `false` never waives the policy)."""
    data, postmortem = record.data, postmortem_of(record)
    if data.get("status") != "closed" or postmortem.get("required") is True or \
            not postmortem_required(record, ctx.policy):
        return
    why = f"the policy requires a postmortem for {data.get('severity')}"
    if postmortem.get("status") != "approved":
        yield _problem(record, ("postmortem", "status"), "OL103", f"postmortem.status: a closed "
                       f"incident needs its postmortem approved ({why})")
    for field in ("root_causes", "action_items"):
        if field not in data:
            yield _problem(record, ("status",), "OL103", f"{field}: required when closed "
                           f"({why})")


COMMON: tuple[Rule, ...] = (id_matches_directory, people_exist, services_exist, links_exist)
RULES: dict[str, tuple[Rule, ...]] = {
    "release": (*COMMON, release_times_ordered),
    "incident": (*COMMON, roles_exist, incident_times_ordered, severity_roles_filled,
                 type_roles_filled, drill_scenario_known, action_item_ids_unique,
                 postmortem_done_when_closed),
}


def check_record(record: Record, ctx: Context) -> Iterator[Problem]:
    for rule in RULES[record.kind]:
        yield from rule(record, ctx)


def check_policy(policy: Policy) -> Iterator[Problem]:
    people = policy.people
    for role, members in policy.roles.items():
        for index, person in enumerate(members):
            if person not in people:
                yield policy.doc.problem(("roles", role, index), "OL160",
                                         f"roles.{role}: unknown person {person!r}")
    for index, service in enumerate(policy.data.get("services", [])):
        for j, owner in enumerate(service.get("owners", [])):
            if owner not in people:
                yield policy.doc.problem(("services", index, "owners", j), "OL160",
                                         f"services.{index}.owners: unknown person {owner!r}")
    yield from _slot_roles_known(policy)
    yield from response_plan_known(policy)
    name = policy.data.get("display_timezone")
    if isinstance(name, str) and zone(name) is None:
        yield policy.doc.problem(("display_timezone",), "OL160", f"display_timezone: {name!r} is "
                                 "not a time zone; use an IANA name such as Asia/Shanghai")
    if not policy.data.get("trust_root"):
        yield policy.doc.problem((), "OL160", "trust_root: missing; name who approves a change "
                                 "to the trust root, e.g. `trust_root: [{role: admin, count: 2}]`")
    yield from identities_unique(policy)
    yield from _requirements_fillable(policy)


def _requirements_fillable(policy: Policy) -> Iterator[Problem]:
    for label, slots in possible_slot_sets(policy):
        if all(s.role in policy.roles for s in slots) and not fillable(slots, policy):
            wanted = ", ".join(f"{s.role} x{s.count}" if s.count > 1 else s.role for s in slots)
            yield policy.doc.problem(("releases", "required_signoffs"), "OL160",
                                     f"releases.required_signoffs: {label} needs {wanted}, and "
                                     "no set of distinct people in roles can fill it")


def _slot_roles_known(policy: Policy) -> Iterator[Problem]:
    for top in ("releases", "trust_root"):
        for key, value in walk(policy.data.get(top, {}), (top,)):
            if key and key[-1] == "role" and value not in policy.roles:
                yield policy.doc.problem(key, "OL160", f"{_dotted(key)}: unknown role {value!r}")


IDENTITIES = {"keys": "key", "email": "email", "github": "GitHub login",
              "github_id": "github_id"}


def _identities(person: dict[str, Any]) -> Iterator[tuple[Key, str, object]]:
    """(position, field, comparable value) of everything that identifies a person."""
    for field in ("email", "github"):
        if isinstance(person.get(field), str):
            yield (field,), field, str(person[field]).lower()
    if isinstance(person.get("github_id"), int):
        yield ("github_id",), "github_id", person["github_id"]
    for index, entry in enumerate(person.get("keys") or []):
        line = entry.get("key") if isinstance(entry, dict) else entry
        if isinstance(line, str):
            # The comment after the key material is free text: the key is type and blob.
            yield ("keys", index), "keys", tuple(line.split()[:2])


def identities_unique(policy: Policy) -> Iterator[Problem]:
    """One key, email, login or GitHub id belongs to one person: otherwise whoever holds it
    can act as both."""
    owner: dict[tuple[str, object], str] = {}
    for name, person in policy.people.items():
        if not isinstance(person, dict):
            continue
        for key, field, value in _identities(person):
            first = owner.setdefault((field, value), name)
            if first != name:
                yield policy.doc.problem(("people", name, *key), "OL160",
                                         f"people.{name}.{_dotted(key)}: this "
                                         f"{IDENTITIES[field]} also belongs to {first}; "
                                         "keys, emails, GitHub logins and ids are unique "
                                         "across people")

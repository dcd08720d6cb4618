"""The policy file as typed questions: who holds a role, which services exist, ..."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsledger import timefmt
from opsledger.loader import Document

# The role a release's requester signs her own cancel as: no policy role has this name (the
# schema refuses it), so it stands for the record's requested_by and nothing else.
REQUESTER = "requester"


@dataclass(frozen=True)
class Slot:
    role: str
    count: int = 1


@dataclass(frozen=True)
class FreezeWindow:
    name: str
    start: datetime
    end: datetime
    allow: tuple[str, ...]


@dataclass(frozen=True)
class Key:
    """One registered public key. A retired or compromised key verifies only sign-offs merged
    before its date: rotating a key never breaks a record at rest, and it signs nothing new."""

    line: str
    retired: datetime | None = None
    compromised: datetime | None = None

    @property
    def until(self) -> datetime | None:
        dates = [d for d in (self.retired, self.compromised) if d is not None]
        return min(dates) if dates else None

    def verifies_at(self, merged: datetime) -> bool:
        return self.until is None or merged < self.until


def _key(item: object) -> Key | None:
    if isinstance(item, str):
        return Key(item)
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        return None  # reported by the policy schema
    try:
        return Key(item["key"], *(timefmt.parse(item[name]) if name in item else None
                                  for name in ("retired", "compromised")))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Notify:
    """A notification an incident type owes: to whom, within how long of declaration, and
    only when an impact flag is set (`when: personal_data`)."""

    to: str
    within_minutes: int
    when: str | None = None


@dataclass(frozen=True)
class DrillTarget:
    """A scenario of the drill programme: rehearsed every `every_days` by each service of
    `tier` and each of `services` (neither: by any one service)."""

    scenario: str
    name: str
    every_days: int
    tier: int | None
    services: tuple[str, ...]


def _slots(items: list[dict[str, Any]] | None) -> list[Slot]:
    return [Slot(item["role"], int(item.get("count", 1))) for item in items or []]


class Policy:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.people: dict[str, dict[str, Any]] = self.data.get("people", {})
        self.roles: dict[str, list[str]] = self.data.get("roles", {})
        self.services: dict[str, dict[str, Any]] = {
            s["id"]: s for s in self.data.get("services", [])}
        self._releases: dict[str, Any] = self.data.get("releases", {})
        self._incidents: dict[str, Any] = self.data.get("incidents", {})

    def holds(self, person: str, role: str) -> bool:
        return person in self.roles.get(role, [])

    def person_by_email(self, email: str) -> str | None:
        for key, person in self.people.items():
            if str(person.get("email", "")).lower() == email.lower():
                return key
        return None

    def person_by_github_id(self, github_id: int) -> str | None:
        for key, person in self.people.items():
            if person.get("github_id") == github_id:
                return key
        return None

    def trust_root_slots(self) -> list[Slot] | None:
        """Who approves a change to the trust root; None when the policy names no one."""
        items = self.data.get("trust_root")
        return _slots(items) if items else None

    def keys(self, person: str) -> list[Key]:
        found = (_key(item) for item in self.people.get(person, {}).get("keys", []))
        return [key for key in found if key is not None]

    def keys_of(self, person: str, merged: datetime) -> list[str]:
        """The key lines that verify a sign-off by `person` merged at `merged` (for a new
        signature: now)."""
        return [key.line for key in self.keys(person) if key.verifies_at(merged)]

    def has_dated_keys(self, person: str) -> bool:
        return any(key.until is not None for key in self.keys(person))

    def constraint(self, name: str) -> bool:
        defaults = {"requester_may_approve": False, "executor_may_approve": False,
                    "distinct_approvers": True}
        return bool(self.data.get("constraints", {}).get(name, defaults[name]))

    @property
    def evidence(self) -> list[str]:
        return list(self.data.get("signoff_evidence", ["signature"]))

    def severity(self, name: str) -> dict[str, Any]:
        return dict(self._incidents.get("severities", {}).get(name, {}))

    def type_roles(self, incident_type: str) -> list[str]:
        """The roles an incident type adds to its severity's (data and security: legal)."""
        return list(self._type(incident_type).get("roles", []))

    def type_notifications(self, incident_type: str) -> list[Notify]:
        return [Notify(str(n["to"]), int(n["within_minutes"]), n.get("when"))
                for n in self._type(incident_type).get("notify", [])]

    def _type(self, incident_type: str) -> dict[str, Any]:
        found = self._incidents.get("types", {}).get(incident_type)
        return found if isinstance(found, dict) else {}

    def role_name(self, role: str, language: str) -> str:
        """The role's display name in the language, else in English, else its key."""
        names = self.data.get("role_names", {}).get(role, {})
        return str(names.get(language) or names.get("en") or role)

    def drill_programme(self) -> list[DrillTarget]:
        return [DrillTarget(str(d["scenario"]), str(d.get("name", d["scenario"])),
                            int(d["every_days"]), d.get("tier"), tuple(d.get("services", [])))
                for d in self.data.get("drills", {}).get("programme", [])]

    def gate(self, name: str) -> list[Slot]:
        """An incident gate's slots; a gate the policy leaves out needs the incident
        commander (closed by default: no side exit without a sign-off)."""
        configured = self._incidents.get("gates", {}).get(name)
        return _slots(configured) if configured else [Slot("incident_commander")]

    def risk_slots(self, risk: str, change_type: str) -> list[Slot]:
        override = self._releases.get("change_types", {}).get(change_type)
        if override is not None:
            return _slots(override)
        return _slots(self._releases.get("required_signoffs", {}).get(risk))

    def risk_levels(self) -> list[str]:
        return list(self._releases.get("required_signoffs", {}))

    def rules(self) -> list[dict[str, Any]]:
        return list(self._releases.get("rules", []))

    def emergency_slots(self) -> list[Slot]:
        return _slots(self._releases.get("emergency_approvers"))

    @property
    def window_grace_minutes(self) -> int:
        return int(self._releases.get("window_grace_minutes", 0))

    def display_zone(self) -> tzinfo:
        """The zone the site shows times in: `display_timezone`, UTC when absent (or not a
        zone this machine knows: `validate` reports that)."""
        name = self.data.get("display_timezone")
        return zone(name) or UTC if isinstance(name, str) else UTC

    def freeze_windows(self) -> list[FreezeWindow]:
        windows = []
        for item in self._releases.get("freeze_windows", []):
            try:
                windows.append(FreezeWindow(item["name"], timefmt.parse(item["start"]),
                                            timefmt.parse(item["end"]),
                                            tuple(item.get("allow", []))))
            except (KeyError, ValueError):
                continue  # reported by the policy schema
        return windows


def zone(name: str) -> tzinfo | None:
    """The IANA zone of that name, or None for a name that is none."""
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None

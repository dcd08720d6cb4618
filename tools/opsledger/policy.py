"""The policy file as typed questions: who holds a role, which services exist, ..."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsledger import timefmt
from opsledger.loader import Document


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

    def keys_of(self, person: str) -> list[str]:
        return list(self.people.get(person, {}).get("keys", []))

    def constraint(self, name: str) -> bool:
        defaults = {"requester_may_approve": False, "executor_may_approve": False,
                    "distinct_approvers": True}
        return bool(self.data.get("constraints", {}).get(name, defaults[name]))

    @property
    def evidence(self) -> list[str]:
        return list(self.data.get("signoff_evidence", ["signature"]))

    def severity(self, name: str) -> dict[str, Any]:
        return dict(self._incidents.get("severities", {}).get(name, {}))

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

"""The drill programme as it stands: for each scenario the policy asks for and each service
that must rehearse it, the last drill run, its objectives met, and when the next is due.
One answer for `opsledger due` and the site's drill page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from opsledger import timefmt
from opsledger.ledger import Ledger, Record
from opsledger.policy import DrillTarget, Policy

# A drill counts once it has been run: resolved (evaluated) or later.
RUN = ("resolved", "postmortem", "closed")


@dataclass(frozen=True)
class DrillRun:
    record: str
    scenario: str
    day: date
    services: tuple[str, ...]
    objectives: int
    met: int


@dataclass(frozen=True)
class ProgrammeRow:
    target: DrillTarget
    service: str | None          # None: any one service's drill counts
    last: DrillRun | None

    @property
    def next_due(self) -> date | None:
        """None: never rehearsed, so due now."""
        return self.last.day + timedelta(days=self.target.every_days) if self.last else None

    def overdue(self, today: date) -> bool:
        return self.next_due is None or self.next_due < today


def drill_of(record: Record) -> dict[str, Any]:
    block = record.data.get("drill")
    return block if isinstance(block, dict) and record.data.get("mode") == "drill" else {}


def runs(ledger: Ledger) -> list[DrillRun]:
    found = []
    for record in ledger.records.values():
        block = drill_of(record)
        stamps = record.data.get("timestamps")
        when = timefmt.parse_or_none(stamps.get("declared_at")) \
            if isinstance(stamps, dict) else None
        if not block or record.data.get("status") not in RUN or when is None:
            continue
        objectives = [o for o in block.get("objectives") or [] if isinstance(o, dict)]
        found.append(DrillRun(record.id, str(block.get("scenario")), when.date(),
                              tuple(s for s in record.data.get("services") or []
                                    if isinstance(s, str)),
                              len(objectives), sum(o.get("met") is True for o in objectives)))
    return sorted(found, key=lambda r: (r.day, r.record))


def _services(target: DrillTarget, policy: Policy) -> list[str | None]:
    chosen = [sid for sid, service in policy.services.items()
              if target.tier is not None and service.get("tier") == target.tier]
    chosen += [s for s in target.services if s not in chosen]
    return list(chosen) or [None]


def programme(ledger: Ledger, policy: Policy) -> list[ProgrammeRow]:
    done = runs(ledger)
    rows = []
    for target in policy.drill_programme():
        for service in _services(target, policy):
            matching = [r for r in done if r.scenario == target.scenario
                        and (service is None or service in r.services)]
            rows.append(ProgrammeRow(target, service, matching[-1] if matching else None))
    return rows

"""The generated drill programme page: the plan's cycle, each scenario and service with its
last drill, objectives met and when the next is due, and every drill run."""

from __future__ import annotations

from dataclasses import dataclass

from opsledger import drills
from opsledger.ledger import Record
from opsledger.site.views.base import Site, dicts, page_of, text

CYCLE = ("cycle_objective", "cycle_scenario", "cycle_run", "cycle_record", "cycle_evaluate",
         "cycle_improve")


@dataclass(frozen=True)
class Run:
    id: str
    page: str | None
    scenario: str
    day: str
    met: str          # "2 / 3"
    all_met: bool


@dataclass(frozen=True)
class TargetRow:
    scenario: str
    name: str
    service: str      # "" when any service's drill counts
    every_days: int
    last: Run | None
    next_due: str
    overdue: bool


@dataclass(frozen=True)
class Programme:
    cycle: tuple[str, ...]
    targets: tuple[TargetRow, ...]
    runs: tuple[Run, ...]


def _run(site: Site, run: drills.DrillRun) -> Run:
    return Run(run.record, page_of(site, run.record), run.scenario, run.day.isoformat(),
               f"{run.met} / {run.objectives}", run.met == run.objectives)


def programme(site: Site) -> Programme:
    today = site.now.date()
    return Programme(
        cycle=tuple(site.labels[step] for step in CYCLE),
        targets=tuple(TargetRow(
            row.target.scenario, row.target.name, row.service or "", row.target.every_days,
            _run(site, row.last) if row.last else None,
            row.next_due.isoformat() if row.next_due else site.labels["now"],
            row.overdue(today)) for row in drills.programme(site.ledger, site.policy)),
        runs=tuple(_run(site, run) for run in reversed(drills.runs(site.ledger))))


@dataclass(frozen=True)
class Objective:
    what: str        # Markdown
    target: str
    result: str
    met: str         # yes / no / ""


@dataclass(frozen=True)
class Participant:
    person: str
    role: str
    did: str         # Markdown


@dataclass(frozen=True)
class DrillSection:
    scenario: str
    announced: str
    objectives: tuple[Objective, ...]
    participants: tuple[Participant, ...]
    evaluation: str  # Markdown


def drill_section(site: Site, record: Record) -> DrillSection | None:
    block = drills.drill_of(record)
    if not block:
        return None
    return DrillSection(
        text(block.get("scenario")), site.yesno(block.get("announced")),
        tuple(Objective(text(o.get("what")), text(o.get("target")), text(o.get("result")),
                        site.yesno(o.get("met"))) for o in dicts(block.get("objectives"))),
        tuple(Participant(text(p.get("person")),
                          site.policy.role_name(text(p.get("role")), site.labels["language"]),
                          text(p.get("did"))) for p in dicts(block.get("participants"))),
        text(block.get("evaluation")))

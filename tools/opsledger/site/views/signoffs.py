"""Sign-off tables and matrices, for the record pages and the JSON export."""

from __future__ import annotations

from dataclasses import dataclass

from opsledger.approval import Evaluation, fillable
from opsledger.ledger import Record
from opsledger.signoffs import Verdict as Judged
from opsledger.signoffs import judge_all, latest
from opsledger.site.views.base import Badge, Person, Site, text


@dataclass(frozen=True)
class Verdict:
    """One sign-off file as judged; decision and time as the file has them (for export)."""
    role: str
    person: str
    decision: object
    at: object
    comment: object
    state: str          # valid | stale | forged | malformed | revoked
    reason: str
    superseded: bool    # a later decision by the same person counts instead
    evidence: str       # review | signature


@dataclass(frozen=True)
class SignoffRow:
    role: str
    person: Person
    decision: str
    comment: str        # Markdown
    when: str
    state: Badge
    evidence: str
    reason: str
    superseded: bool


@dataclass(frozen=True)
class SlotRow:
    role: str
    person: Person | None            # who fills it; None while it is missing
    state: Badge
    not_counted: tuple[Person, ...]  # who signed for the role without counting
    candidates: tuple[Person, ...]   # who could sign


@dataclass(frozen=True)
class Rejection:
    role: str
    person: Person
    state: Badge


@dataclass(frozen=True)
class Matrix:
    slots: tuple[SlotRow, ...]
    rejected: tuple[Rejection, ...]
    met: bool
    unfillable: bool  # no set of distinct people the policy has could ever meet it


def verdicts(site: Site, record: Record) -> list[Verdict]:
    if record.id not in site.verdicts:  # the page and the export both ask
        judged = judge_all(record, site.policy, site.verifier)
        counting = {id(v) for v in latest(judged).values()}
        site.verdicts[record.id] = [_verdict(v, id(v) not in counting) for v in judged]
    return site.verdicts[record.id]


def _verdict(verdict: Judged, superseded: bool) -> Verdict:
    data = verdict.data
    state = str(verdict.state)
    if state == "valid" and data.get("decision") == "revoke":
        state = "revoked"
    return Verdict(role=verdict.signoff.name.role, person=verdict.signoff.name.person,
                   decision=data.get("decision"), at=data.get("at"),
                   comment=data.get("comment"), state=state, reason=verdict.reason,
                   superseded=superseded,
                   evidence="review" if "review" in data else "signature")


def signoff_rows(site: Site, record: Record) -> tuple[SignoffRow, ...]:
    return tuple(SignoffRow(role=site.word(v.role), person=site.person(v.person),
                            decision=site.word(v.decision),
                            comment=text(v.comment), when=site.when(v.at),
                            state=site.badge("sig", v.state), evidence=v.evidence,
                            reason=v.reason, superseded=v.superseded)
                 for v in verdicts(site, record))


def matrix(site: Site, evaluation: Evaluation) -> Matrix:
    states = {key: v.state for key, v in evaluation.verdicts.items()}
    slots = []
    for slot in evaluation.slots:
        stale = [person for (role, person), state in states.items()
                 if role == slot.role and state != "valid" and person != slot.person]
        slots.append(SlotRow(role=site.word(slot.role),
                             person=site.person(slot.person) if slot.person else None,
                             state=site.badge("sig", "valid" if slot.person else "missing"),
                             not_counted=site.persons(stale),
                             candidates=site.persons(slot.candidates)))
    return Matrix(tuple(slots), tuple(Rejection(site.word(role), site.person(person),
                                                site.badge("sig", "rejected"))
                                      for role, person in evaluation.rejected_by),
                  evaluation.met, not evaluation.met and
                  not fillable(evaluation.gate.slots, site.policy, set(evaluation.excluded)))

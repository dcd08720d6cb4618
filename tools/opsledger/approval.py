"""Whether a record's required slots are filled by valid decisions, and, when they are
not, every reason why (each with the code that reports it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from opsledger import timefmt
from opsledger.ledger import Record
from opsledger.policy import REQUESTER, Policy, Slot
from opsledger.requirements import Gate
from opsledger.signoffs import State, Verdict, Verifier, judge_all, latest

# One set-aside decision: the sign-off and why it fills no slot of the gate.
Aside = tuple[Verdict, str]


@dataclass
class SlotResult:
    role: str
    person: str | None
    candidates: list[str]


@dataclass(frozen=True)
class Shortfall:
    code: str  # OL303 missing, OL304 rejected, OL305 requester or executor signed
    message: str


@dataclass
class Evaluation:
    gate: Gate
    slots: list[SlotResult]
    rejected_by: list[tuple[str, str]]
    verdicts: dict[tuple[str, str], Verdict]  # the decisions that count for this gate
    excluded: dict[str, str]  # person -> why their decisions cannot count here
    opened_by: list[tuple[str, str]] = field(default_factory=list)  # reject/cancel gates
    # Every decision for this gate that fills no slot, with the reason: what a reviewer
    # reads to see why a sign-off they expected to count does not.
    set_aside: list[Aside] = field(default_factory=list)

    @property
    def met(self) -> bool:
        if self.gate.decision != "approve":
            return bool(self.opened_by)
        return not self.rejected_by and all(s.person for s in self.slots)

    def shortfalls(self) -> Iterator[Shortfall]:
        if self.gate.decision != "approve":
            if not self.opened_by:
                yield Shortfall("OL303", f"needs a signed {self.gate.decision} (gate "
                                f"{self.gate.name}) by one of: "
                                f"{', '.join(self.openers) or 'nobody'}")
            return
        for role, person in self.rejected_by:
            yield Shortfall("OL304", f"{person} rejected it as {role}")
        needed = {slot.role for slot in self.slots if slot.person is None}
        for (role, person), verdict in self.verdicts.items():
            if role in needed and person in self.excluded and _approves(verdict):
                yield Shortfall("OL305", f"{person}'s sign-off as {role} cannot count: "
                                f"{self.excluded[person]}")
        assigned = {s.person: s.role for s in self.slots if s.person}
        for slot in self.slots:
            if slot.person is None:
                yield Shortfall("OL303", f"missing sign-off: {slot.role} "
                                f"({self._who(slot, assigned)})")

    @property
    def openers(self) -> list[str]:
        """Who may open a reject or cancel gate with one decision."""
        return sorted({p for s in self.slots for p in s.candidates} | set(self.gate.also))

    def _who(self, slot: SlotResult, assigned: dict[str, str]) -> str:
        busy = [f"{person} approved but already fills {assigned[person]}"
                for (role, person), verdict in self.verdicts.items()
                if role == slot.role and person in assigned and _approves(verdict)]
        eligible = ", ".join(slot.candidates) or "nobody eligible in the policy"
        return "; ".join([f"eligible: {eligible}", *busy])


def _approves(verdict: Verdict) -> bool:
    return verdict.state is State.VALID and verdict.data.get("decision") == "approve"


def evaluate(record: Record, policy: Policy, gate: Gate, verifier: Verifier | None,
             not_before: datetime | None = None,
             only: frozenset[str] | None = None) -> Evaluation:
    """How far the record's sign-offs for `gate` go. Only each (role, person)'s latest
    decision counts, only if it was made for this gate (and, where `not_before` is given,
    not before that time: a gate's sign-off is used up by the transition it approved; where
    `only` is given, only sign-off files in it count)."""
    verdicts = judge_all(record, policy, verifier)
    counting = latest(verdicts)
    decisions = {key: verdict for key, verdict in counting.items()
                 if verdict.data.get("gate") == gate.name and _fresh(verdict, not_before)
                 and (only is None or verdict.signoff.path in only)}
    aside = _superseded(verdicts, counting, gate, not_before, only)
    excluded = {person: why for person, why in excluded_people(record, policy).items()
                if person not in gate.also}
    eligible: dict[str, list[str]] = {}
    rejected, opened = [], []
    roles = {slot.role for slot in gate.slots}
    for (role, person), verdict in decisions.items():
        if verdict.state is not State.VALID:
            aside.append((verdict, f"{verdict.state}: {verdict.reason}"))
            continue
        decision = verdict.data.get("decision")
        if _opens(gate, policy, (role, person), decision, excluded):
            opened.append((role, person))
        if not policy.holds(person, role) or person in excluded:
            if (role, person) not in opened:  # the requester's cancel opens without the role
                aside.append((verdict, excluded.get(person) or f"{person} does not hold the "
                              f"role {role} in the policy"))
            continue
        if decision == "approve":
            eligible.setdefault(role, []).append(person)
        elif decision == "reject" and role in roles:
            rejected.append((role, person))
        elif decision == "revoke":
            aside.append((verdict, "a revoke: it withdraws their earlier decision"))
    results = _fill(gate, eligible, policy, excluded)
    if gate.decision == "approve":
        aside += _unplaced(decisions, eligible, results, policy.constraint("distinct_approvers"))
    return Evaluation(gate, results, rejected, decisions, excluded, opened, aside)


def _fill(gate: Gate, eligible: dict[str, list[str]], policy: Policy,
          excluded: dict[str, str]) -> list[SlotResult]:
    """Each slot with the person the matching puts in it, and who else could fill it."""
    instances = [slot.role for slot in gate.slots for _ in range(slot.count)]
    assignment = _match(instances, eligible, policy.constraint("distinct_approvers"))
    results = []
    for index, role in enumerate(instances):
        candidates = [p for p in policy.roles.get(role, []) if p not in excluded
                      and p not in assignment.values()]
        results.append(SlotResult(role, assignment.get(index), candidates))
    return results


def _opens(gate: Gate, policy: Policy, key: tuple[str, str], decision: object,
           excluded: dict[str, str]) -> bool:
    """A reject or cancel gate opens on one such decision by a holder of one of its roles
    (or, signing as `requester`, by someone it names in `also`)."""
    role, person = key
    holder = policy.holds(person, role) and role in {slot.role for slot in gate.slots}
    named = role == REQUESTER and person in gate.also  # the requester, as herself
    return gate.decision != "approve" and decision == gate.decision and \
        (holder or named) and person not in excluded


def _superseded(verdicts: list[Verdict], counting: dict[tuple[str, str], Verdict], gate: Gate,
                not_before: datetime | None, only: frozenset[str] | None) -> list[Aside]:
    """This gate's decisions that are not the one counting for their (role, person)."""
    aside = []
    for verdict in verdicts:
        if verdict.data.get("gate") != gate.name:
            continue
        now = counting[(verdict.signoff.name.role, verdict.signoff.name.person)]
        if now is not verdict:
            aside.append((verdict, f"replaced by the later decision {now.signoff.name.filename}"))
        elif not _fresh(verdict, not_before):
            aside.append((verdict, "made before the last reopen: used up by an earlier "
                          "transition"))
        elif only is not None and verdict.signoff.path not in only:
            aside.append((verdict, "merged before this pull request: it approved an earlier "
                          f"{gate.name}"))
    return aside


def _unplaced(decisions: dict[tuple[str, str], Verdict], eligible: dict[str, list[str]],
              slots: list[SlotResult], distinct: bool) -> list[Aside]:
    """Valid approvals the matching left out, and why."""
    filled = {(s.role, s.person) for s in slots if s.person}
    fills = {s.person: s.role for s in slots if s.person}
    open_roles = {s.role for s in slots if not s.person}
    aside = []
    for role, people in eligible.items():
        for person in people:
            if (role, person) in filled:
                continue
            if not any(s.role == role for s in slots):
                why = f"this gate needs no {role}"
            elif role in open_roles and distinct and person in fills:
                why = f"{person} already fills {fills[person]} (constraints.distinct_approvers)"
            else:
                why = f"every {role} slot is already filled"
            aside.append((decisions[(role, person)], why))
    return aside


def cannot_count(record: Record, policy: Policy, gate: Gate, role: str, person: str,
                 decision: str) -> str | None:
    """Why a new `decision` by person as role for gate would count for nothing, if it would."""
    roles = sorted({slot.role for slot in gate.slots})
    if role not in roles and not (person in gate.also and decision == gate.decision):
        return (f"{record.id} does not need {role} for gate {gate.name} (it needs: "
                f"{', '.join(roles) or 'nobody'})")
    why = excluded_people(record, policy).get(person)
    if why and decision == "approve":
        return f"{person}'s approval of {record.id} cannot count: {why}"
    return None


def overlap(record: Record, policy: Policy, gate: Gate, role: str, person: str) -> str | None:
    """A warning, not a refusal: the matching may still move the person to this slot once
    someone else fills the one they hold now."""
    if not policy.constraint("distinct_approvers"):
        return None
    evaluation = evaluate(record, policy, gate, None)
    elsewhere = [s.role for s in evaluation.slots if s.person == person and s.role != role]
    if not elsewhere:
        return None
    return (f"{person} already fills {elsewhere[0]} for gate {gate.name} and approvers must be "
            f"distinct: this counts only if someone else fills {elsewhere[0]}")


def fillable(slots: tuple[Slot, ...] | list[Slot], policy: Policy,
             excluded: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether the people the policy has could fill every slot at all (distinct where the
    policy says so), leaving out `excluded`."""
    instances = [slot.role for slot in slots for _ in range(slot.count)]
    holders = {role: [p for p in policy.roles.get(role, []) if p not in excluded]
               for role in set(instances)}
    return len(_match(instances, holders, policy.constraint("distinct_approvers"))) == \
        len(instances)


def _fresh(verdict: Verdict, not_before: datetime | None) -> bool:
    if not_before is None:
        return True
    made = timefmt.parse_or_none(verdict.data.get("at"))
    return made is not None and made > not_before


def excluded_people(record: Record, policy: Policy) -> dict[str, str]:
    """People whose decisions on this record cannot count, and why."""
    excluded = {}
    for key, what, constraint in (("executor", "executor", "executor_may_approve"),
                                  ("requested_by", "requester", "requester_may_approve")):
        person = record.data.get(key)
        if person and not policy.constraint(constraint):
            excluded[str(person)] = f"they are the {what} (constraints.{constraint} is false)"
    return excluded


def _match(instances: list[str], eligible: dict[str, list[str]],
           distinct: bool) -> dict[int, str]:
    """Slots to people as a bipartite matching (augmenting paths), so a greedy choice
    never leaves a slot empty that some assignment could fill."""
    owner: dict[str, int] = {}
    assignment: dict[int, str] = {}

    def augment(slot: int, seen: set[str]) -> bool:
        for person in eligible.get(instances[slot], []):
            token = person if distinct else f"{instances[slot]}:{person}"
            if token in seen:
                continue
            seen.add(token)
            if token not in owner or augment(owner[token], seen):
                owner[token] = slot
                assignment[slot] = person
                return True
        return False

    for slot in range(len(instances)):
        augment(slot, set())
    return assignment

"""The state tables of both lifecycles and every named group of states, as data. Any
question of the form "is this status one of ..." is answered here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["release", "incident"]

RELEASE_EDGES: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "cancelled"),
    "submitted": ("approved", "rejected", "cancelled"),
    "approved": ("implementing", "submitted", "rejected", "cancelled"),
    "implementing": ("succeeded", "failed", "rolled_back"),
    "succeeded": ("closed",),
    "failed": ("closed",),
    "rolled_back": ("closed",),
}
# Emergency changes ship first and collect the full sign-offs before they close.
EMERGENCY_EDGES: dict[str, tuple[str, ...]] = {"draft": ("implementing",),
                                               "submitted": ("implementing",)}
RELEASE_TERMINAL = ("closed", "rejected", "cancelled")
RELEASE_INITIAL = "draft"
# A new release request may be added in these states (its gates come later).
RELEASE_CREATED = ("draft", "submitted")
# Holding an approval: implementation may start or is under way.
RELEASE_APPROVED = ("approved", "implementing")
# The approved content is frozen in these states.
RELEASE_FROZEN = ("approved", "implementing", "succeeded", "failed", "rolled_back")
EXECUTION_RESULTS = ("succeeded", "failed", "rolled_back")
# Shipped to production (for DORA's deployment frequency and change failure rate).
RELEASE_DEPLOYED = ("succeeded", "failed", "rolled_back", "closed")

INCIDENT_EDGES: dict[str, tuple[str, ...]] = {
    "triage": ("investigating", "identified", "mitigated", "resolved", "declined",
               "cancelled", "merged"),
    "investigating": ("identified", "mitigated", "resolved", "cancelled", "merged"),
    "identified": ("mitigated", "resolved", "merged"),
    "mitigated": ("resolved", "investigating"),
    "resolved": ("postmortem", "closed", "investigating"),
    "postmortem": ("closed",),
}
INCIDENT_TERMINAL = ("closed", "declined", "cancelled", "merged")
INCIDENT_INITIAL = "triage"
INCIDENT_OPEN = ("triage", "investigating", "identified", "mitigated")
# States in which nobody has taken the incident on: no roles are required yet.
INCIDENT_UNSTAFFED = ("triage", "declined", "cancelled", "merged")

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
UNKNOWN_SEVERITY = "SEV?"  # only while in triage
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}

ACTION_ITEM_DONE = ("done", "wont_do")
REOPEN = {("mitigated", "investigating"), ("resolved", "investigating")}

# Which timestamp a state sets when `opsledger status` moves a record into it.
INCIDENT_STAMPS = {"investigating": "acknowledged_at", "mitigated": "mitigated_at",
                   "resolved": "resolved_at", "closed": "closed_at"}

NEEDS: dict[tuple[str, str], str] = {
    ("release", "submitted"): "executor, changes, impact, testing, rollback, emergency_response",
    ("release", "approved"): "the sign-offs the risk level requires",
    ("release", "implementing"): "execution.started_at, inside the window, not in a freeze",
    ("release", "succeeded"): "execution.finished_at and execution.result",
    ("release", "failed"): "execution.finished_at and execution.result",
    ("release", "rolled_back"): "execution.finished_at and execution.result",
    ("release", "closed"): "a post-implementation review (emergency: all sign-offs)",
    ("incident", "investigating"): "a real severity (SEV1-4), an incident commander, impact",
    ("incident", "mitigated"): "timestamps.mitigated_at",
    ("incident", "resolved"): "timestamps.resolved_at",
    ("incident", "closed"): "timestamps.closed_at; an approved postmortem if required",
    ("incident", "merged"): "duplicate_of",
}


@dataclass(frozen=True)
class Edge:
    kind: Kind
    old: str
    new: str
    emergency: bool = False

    @property
    def allowed(self) -> bool:
        return self.new in next_states(self.kind, self.old, self.emergency)

    @property
    def reopen(self) -> bool:
        return self.kind == "incident" and (self.old, self.new) in REOPEN


def next_states(kind: Kind, state: str, emergency: bool = False) -> tuple[str, ...]:
    if kind == "release":
        extra = EMERGENCY_EDGES.get(state, ()) if emergency else ()
        return RELEASE_EDGES.get(state, ()) + extra
    return INCIDENT_EDGES.get(state, ())


def initial(kind: Kind) -> str:
    return RELEASE_INITIAL if kind == "release" else INCIDENT_INITIAL


def path_to(kind: Kind, state: str, emergency: bool = False) -> list[tuple[str, str]] | None:
    """The shortest walk of edges from the initial state to `state`, or None when the
    lifecycle cannot reach it. A record added in `state` is judged as having taken it."""
    start = initial(kind)
    previous: dict[str, str] = {start: start}
    queue = [start]
    for old in queue:  # breadth first: the queue grows while it is walked
        for new in next_states(kind, old, emergency):
            if new not in previous:
                previous[new] = old
                queue.append(new)
    if state not in previous:
        return None
    walk = []
    while state != start:
        walk.append((previous[state], state))
        state = previous[state]
    return walk[::-1]


def states(kind: Kind) -> list[str]:
    """Every state of a kind's lifecycle, in the order the table lists them."""
    edges = RELEASE_EDGES if kind == "release" else INCIDENT_EDGES
    return list(dict.fromkeys([*edges, *(s for targets in edges.values() for s in targets)]))


def terminal(kind: Kind, state: object) -> bool:
    return state in (RELEASE_TERMINAL if kind == "release" else INCIDENT_TERMINAL)


def downgraded(old: object, new: object) -> bool:
    """A move from one real severity to a lower one (SEV2 -> SEV3)."""
    return old in SEVERITY_RANK and new in SEVERITY_RANK and \
        SEVERITY_RANK[str(new)] > SEVERITY_RANK[str(old)]

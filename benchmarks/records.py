"""The records of a generated ledger: their content shaped like the samples, each state
of their lifecycle, and YAML text written the way people write it (see generate.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

PEOPLE = {"alice": "Alice Martin", "bob": "Bob Okafor", "carol": "Carol Chen",
          "erin": "Erin Novak", "dave": "Dave Singh", "frank": "Frank Weber",
          "grace": "Grace Kim", "heidi": "Heidi Larsen", "ivan": "Ivan Petrov",
          "judy": "Judy Alvarez", "kate": "Kate Moreau"}
ROLES = {"dev_lead": ["alice", "bob"], "qa": ["carol", "erin"], "ops": ["dave", "heidi"],
         "security": ["frank"], "dba": ["grace"], "cab": ["grace", "heidi", "frank"],
         "incident_commander": ["dave", "heidi", "judy"], "comms_lead": ["ivan", "judy"],
         "legal_counsel": ["kate"]}
# The policy's response plan: the roles a type adds and whom it must notify, and the drill
# programme's scenarios (opsledger.yaml, incidents.types and drills.programme).
TYPE_ROLES = {"security": ["legal_counsel"], "data": ["legal_counsel"]}
TYPE_NOTIFY = {"security": ["management", "legal_counsel"],
               "data": ["management", "legal_counsel"]}
DRILL_SCENARIOS = ["failover", "data-exposure"]
RISK_SLOTS = {"low": ["dev_lead"], "medium": ["dev_lead", "qa"],
              "high": ["dev_lead", "qa", "ops", "security"],
              "critical": ["dev_lead", "qa", "ops", "security", "cab", "cab"]}
SERVICES = {"payments-api": "Payments API", "checkout-web": "Checkout web app",
            "identity": "Identity and login", "orders-db": "Orders database",
            "notifications": "Notifications", "search": "Product search"}
REQUESTERS = ["alice", "bob", "ivan", "judy"]
EXECUTORS = ["dave", "heidi", "ivan", "judy"]
FEATURES = ["faster retries on provider timeouts", "new rate limiter", "connection pool sizing",
            "dependency upgrades", "dark-mode assets", "typo-tolerant suggestions",
            "regional failover", "TLS certificate rotation", "schema index for order lookups",
            "batched e-mail sending", "session token refresh", "audit log export",
            "feature flag cleanup", "cache warm-up on deploy", "read replica promotion"]
SYMPTOMS = ["Card payments failing at authorisation", "Checkout page slow to load",
            "Login errors for some users", "Order confirmation e-mails delayed",
            "Search results empty for some queries", "Elevated 5xx on the orders API",
            "Push notifications not delivered", "Replication lag on the orders cluster",
            "Session tokens expiring early", "Stale prices shown at checkout"]
REGIONS = ["eu-west", "us-east", "ap-south"]
CAUSES = ["change", "capacity", "dependency", "configuration", "software", "process"]


# --- time ----------------------------------------------------------------------------------

def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- YAML text shaped like the samples ------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._/()'-]*[A-Za-z0-9.)]|[A-Za-z]")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+00:00)?")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _TIME.fullmatch(text) or (_PLAIN.fullmatch(text) and text.lower() not in _RESERVED):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(data: dict[str, Any], indent: str = "") -> list[str]:
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += block(value, indent + "  ")
        elif isinstance(value, list) and value and (
                isinstance(value[0], dict) or sum(len(str(v)) for v in value) > 60):
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  - {flow(item)}" for item in value]
        elif isinstance(value, str) and value.endswith("\n"):
            lines.append(f"{indent}{key}: |")
            lines += [f"{indent}  {line}" for line in value.splitlines()]
        else:
            lines.append(f"{indent}{key}: {flow(value)}")
    return lines


def emit(data: dict[str, Any]) -> bytes:
    return ("\n".join(block(data)) + "\n").encode("utf-8")


# --- records ---------------------------------------------------------------------------------

@dataclass
class Signoff:
    role: str
    person: str
    at: datetime
    comment: str
    text: bytes = b""


@dataclass
class Version:
    """One state of a record as a commit leaves it."""

    commit: int
    text: bytes  # the record file as this commit writes it
    signoffs: list[Signoff] = field(default_factory=list)
    postmortem: bytes | None = None
    author: str = "alice"
    subject: str = ""


@dataclass
class Plan:
    kind: str
    id: str
    rng: Random
    states: list[str]           # the lifecycle path, first state first
    commits: list[int]          # one commit per state (all 0 when imported)
    times: list[datetime]       # when each state was reached
    severity: str = ""          # an incident's severity once out of triage
    signers: list[tuple[str, str]] = field(default_factory=list)  # a release's approvers
    versions: list[Version] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return f"{'releases' if self.kind == 'release' else 'incidents'}/{self.id}"


def approvers(rng: Random, roles: list[str], excluded: set[str]) -> list[tuple[str, str]] | None:
    """(role, person) for every slot, distinct people outside `excluded`; None if impossible."""
    chosen: list[tuple[str, str]] = []

    def fill(index: int, used: set[str]) -> bool:
        if index == len(roles):
            return True
        options = [p for p in ROLES[roles[index]] if p not in used and p not in excluded]
        rng.shuffle(options)
        for person in options:
            chosen.append((roles[index], person))
            if fill(index + 1, used | {person}):
                return True
            chosen.pop()
        return False

    return chosen if fill(0, set()) else None


def _staffed(rng: Random, risk: str, system: str,
             migration: bool) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(risk, requester, executor, approvers): distinct approvers can run out (a critical
    data migration needs more cab members than are left), so the risk steps down until
    the policy's people can fill every slot."""
    levels = list(RISK_SLOTS)
    for level in reversed(levels[:levels.index(risk) + 1]):
        roles = list(RISK_SLOTS[level]) + (["dba"] if migration else []) + \
            (["security"] if system == "identity" and "security" not in RISK_SLOTS[level]
             else [])
        for _ in range(20):
            requester, executor = rng.choice(REQUESTERS), rng.choice(EXECUTORS)
            signers = approvers(rng, roles, {requester, executor})
            if requester != executor and signers:
                return level, requester, executor, signers
    raise RuntimeError("the policy's people cannot fill a low-risk approval")


def release_content(plan: Plan, implement_at: datetime | None) -> dict[str, Any]:
    rng = plan.rng
    system = rng.choice(list(SERVICES))
    risk = rng.choices(["low", "medium", "high", "critical"], [50, 30, 15, 5])[0]
    migration = system == "orders-db" and rng.random() < 0.5
    risk, requester, executor, plan.signers = _staffed(rng, risk, system, migration)
    version = f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    feature = rng.choice(FEATURES)
    start = (implement_at or plan.times[0] + timedelta(days=rng.randint(2, 9))) - \
        timedelta(minutes=rng.choice([0, 10, 20]))
    others = rng.sample([s for s in SERVICES if s != system], rng.randint(0, 2))
    oncall = [executor, *rng.sample([p for p in PEOPLE if p != executor], 1)]
    return {
        "id": plan.id, "title": f"{SERVICES[system]} {version} — {feature}",
        "system": system, "version": version, "change_type": "normal", "risk": risk,
        "requested_by": requester, "executor": executor,
        "window": {"start": stamp(start), "end": stamp(start + timedelta(hours=2))},
        "summary": f"Ships {feature} in {SERVICES[system]} {version}. Reviewed with the "
                   f"service owner; no change to public APIs.\nRolled out by region, "
                   f"{rng.randint(5, 50)}% of traffic first.\n",
        "changes": [f"{feature.capitalize()}.", f"Metrics for {system} dashboards updated.",
                    *([f"Migration {rng.randint(100, 999)} adds an index."] if migration else [])],
        "impact": {"services": [system, *others], "user_facing": rng.random() < 0.5,
                   "downtime_minutes": rng.choice([0, 0, 0, 5, 15]),
                   "data_migration": migration},
        "testing": {"summary": "Unit and contract tests; canary in staging for a day.",
                    "evidence": [f"https://ci.example.com/{system}/pipelines/"
                                 f"{rng.randint(10000, 99999)}"],
                    "result": rng.choice(["passed", "passed", "passed_with_known_issues"])},
        "rollback": {"trigger": "Error rate above 1% for 5 minutes, or p99 latency above 2 s.",
                     "steps": [f"`deploy {system} previous` (the image is pre-pulled).",
                               "Confirm error rate back under 0.1% on the dashboard."],
                     "estimated_minutes": rng.choice([5, 10, 15, 30]),
                     "rehearsed": rng.random() < 0.7},
        "emergency_response": {
            "incident_commander": rng.choice(ROLES["incident_commander"]), "oncall": oncall,
            "escalation": [{"after_minutes": 10, "contact": executor, "via": "pager"},
                           {"after_minutes": 30, "contact": "heidi", "via": "phone"}],
            "communication": f"Status page owner is ivan; updates in #{system}-status.\n",
            "abort_criteria": ["Error rate above 2% for 5 minutes."]},
        "status": "draft",
        "timeline": [{"at": stamp(plan.times[0]), "type": "created",
                      "text": "Release request created.", "by": requester}],
    }


RELEASE_RESULTS = {"succeeded": "Rolled out to every region; metrics unchanged.",
                   "failed": "Canary errors above the abort criterion; stopped at 10%.",
                   "rolled_back": "Rolled back after the error rate rose; see the timeline."}


def release_step(plan: Plan, data: dict[str, Any], state: str, at: datetime) -> str:
    """Moves `data` into `state` at `at`; returns who did it."""
    old = data["status"]
    if state == "note":
        return note(data, at, data["requested_by"])
    who = data["executor"] if state in ("implementing", *RELEASE_RESULTS) else \
        "heidi" if state == "closed" else \
        plan.signers[0][1] if state == "rejected" else data["requested_by"]
    if state == "implementing":
        data["execution"] = {"started_at": stamp(at)}
    elif state in RELEASE_RESULTS:
        data["execution"].update({"finished_at": stamp(at), "result": state,
                                  "notes": RELEASE_RESULTS[state]})
    elif state == "closed":
        data["review"] = {"summary": "Reviewed with the team; follow-ups filed.", "by": "heidi",
                          "at": stamp(at - timedelta(minutes=5))}
    data["status"] = state
    data["timeline"].append({"at": stamp(at), "type": "status_change",
                             "text": f"{old} -> {state}", "by": who})
    return who


def incident_content(plan: Plan) -> dict[str, Any]:
    rng = plan.rng
    detected = plan.times[0] - timedelta(minutes=rng.randint(3, 20))
    services = rng.sample(list(SERVICES), rng.choice([1, 1, 2]))
    severity = plan.severity
    reporter = rng.choice(["dave", "heidi", "ivan", "alice"])
    kind = rng.choices(["incident", "security", "data"], [90, 5, 5])[0]
    declared = stamp(plan.times[0])
    data: dict[str, Any] = {
        "id": plan.id, "title": rng.choice(SYMPTOMS),
        "summary": f"Reported by monitoring on {services[0]}; "
                   f"{rng.randint(1, 40)}% of requests affected at the peak.\n",
        "type": kind,
        "mode": rng.choices(["real", "drill"], [95, 5])[0],
        "severity": rng.choice(["SEV?", severity]), "status": "triage", "services": services,
        "timestamps": {"impact_started_at": stamp(detected - timedelta(minutes=4)),
                       "detected_at": stamp(detected), "declared_at": stamp(plan.times[0])},
        "roles": [],
        "timeline": [{"at": declared, "type": "declared",
                      "text": f"Declared from an alert on {services[0]}.", "by": reporter}],
        "postmortem": {"required": False, "status": "not_started"},
    }
    # Whoever declares makes the notifications the type owes, on the spot.
    data["timeline"] += [{"at": declared, "type": "notification", "to": to, "via": "phone",
                          "text": f"Told {to.replace('_', ' ')} on the phone.", "by": reporter}
                         for to in TYPE_NOTIFY.get(kind, [])]
    if data["mode"] == "drill":
        data["drill"] = {"scenario": rng.choice(DRILL_SCENARIOS), "announced": True,
                         "objectives": [{"what": "Service restored on the standby",
                                         "target": "within 15 minutes"}]}
    return data


def note(data: dict[str, Any], at: datetime, who: str) -> str:
    data["timeline"].append({"at": stamp(at), "type": "note",
                             "text": "Progress noted in the weekly review.", "by": who})
    return who


def incident_step(plan: Plan, data: dict[str, Any], state: str, at: datetime) -> str:
    rng = plan.rng
    old = data["status"]
    if state == "note":
        return note(data, at, data["timeline"][0]["by"])
    if state in ("declined", "cancelled"):
        data["status"] = state
        data["timeline"].append({"at": stamp(at), "type": "status_change",
                                 "text": f"{old} -> {state}", "by": data["timeline"][0]["by"]})
        return str(data["timeline"][0]["by"])
    if old == "triage":
        severity = data["severity"] = plan.severity
        commander = rng.choice(ROLES["incident_commander"])
        data["roles"] = [{"role": "incident_commander", "person": commander,
                          "assumed_at": stamp(at - timedelta(minutes=1))}]
        if severity in ("SEV1", "SEV2"):
            comms = rng.choice([p for p in ROLES["comms_lead"] if p != commander])
            data["roles"].append({"role": "comms_lead", "person": comms,
                                  "assumed_at": stamp(at)})
            data["postmortem"] = {"required": True, "status": "not_started"}
        data["roles"] += [{"role": role, "person": ROLES[role][0], "assumed_at": stamp(at)}
                          for role in TYPE_ROLES.get(data["type"], [])]
        data["timestamps"]["acknowledged_at"] = stamp(at - timedelta(minutes=1))
        data["impact"] = {"summary": "Some customers saw errors and retried.",
                          "customers_affected": rng.randint(0, 20000),
                          "regions": rng.sample(REGIONS, rng.randint(1, 2)),
                          "slo_breached": severity in ("SEV1", "SEV2"), "data_loss": False}
    commander = data["roles"][0]["person"]
    stamps = {"mitigated": "mitigated_at", "resolved": "resolved_at", "closed": "closed_at"}
    if state in stamps:
        data["timestamps"][stamps[state]] = stamp(at)
    if state == "resolved":
        _incident_resolved(plan, data, at)
    if state == "postmortem":
        data["postmortem"]["status"] = "in_review"
    if state == "closed":
        _incident_closing(plan, data, at)
    data["status"] = state
    data["timeline"].append({"at": stamp(at), "type": "status_change",
                             "text": f"{old} -> {state}", "by": commander})
    return str(commander)


def _incident_resolved(plan: Plan, data: dict[str, Any], at: datetime) -> None:
    data["timestamps"].setdefault("mitigated_at", stamp(at))
    for objective in data.get("drill", {}).get("objectives", []):
        objective.update(result=f"{plan.rng.randint(5, 20)} minutes", met=plan.rng.random() < 0.8)


def _incident_closing(plan: Plan, data: dict[str, Any], at: datetime) -> None:
    rng = plan.rng
    data["root_causes"] = [{"summary": "A configuration default overrode the intended value.",
                            "category": rng.choice(CAUSES)}]
    data["lessons"] = {"went_well": ["Alerting caught it within minutes."],
                       "went_wrong": ["The runbook step was out of date."]}
    due = (at + timedelta(days=rng.randint(7, 40))).date().isoformat()
    data["action_items"] = [
        {"id": f"AI-{n}", "title": title, "owner": rng.choice(list(PEOPLE)), "due": due,
         "status": rng.choice(["open", "in_progress", "done"]), "category": category}
        for n, (title, category) in enumerate([("Alert on the effective value", "detect"),
                                               ("Update the runbook", "process")], 1)]
    if data["postmortem"]["required"]:
        data["postmortem"]["status"] = "approved"


def incident_path(severity_major: bool, final: str) -> list[str]:
    path = ["triage", "investigating", "mitigated", "resolved"]
    path += ["postmortem", "closed"] if severity_major else ["closed"]
    return path[:path.index(final) + 1] if final in path else path


RELEASE_PATH = ["draft", "submitted", "approved", "implementing", "succeeded", "closed"]


def release_path(rng: Random, final: str) -> list[str]:
    result = rng.choices(["succeeded", "failed", "rolled_back"], [85, 5, 10])[0]
    path = [*RELEASE_PATH[:4], result, "closed"]
    return path[:path.index(final) + 1] if final in path else path


# --- materialising a plan into versions -----------------------------------------------------

def materialise(plan: Plan, signed: bool) -> None:
    """Every version of the record, one per state (an imported record: its last only);
    sign-offs where a gate needs them."""
    if plan.kind == "release":
        implement = plan.times[plan.states.index("implementing")] \
            if "implementing" in plan.states else None
        data = release_content(plan, implement)
        step: Callable[[Plan, dict[str, Any], str, datetime], str] = release_step
        first_by = data["requested_by"]
    else:
        data = incident_content(plan)
        step = incident_step
        first_by = data["timeline"][0]["by"]
    for index, state in enumerate(plan.states):
        at = plan.times[index]
        who = first_by if index == 0 else step(plan, data, state, at)
        subject = f"{plan.id}: {'filed' if index == 0 else state}"
        if not signed and index < len(plan.states) - 1:
            continue  # an imported record's earlier states are never written
        version = Version(plan.commits[index], emit(data), author=who, subject=subject)
        if signed and plan.kind == "release" and state == "approved":
            version.signoffs = [Signoff(role, person, at - timedelta(minutes=20 + 5 * n),
                                        f"Reviewed the {role} checklist.")
                                for n, (role, person) in enumerate(plan.signers)]
        if plan.kind == "incident" and data["postmortem"]["required"] and \
                state in ("postmortem", "closed"):
            version.postmortem = _postmortem_text(data)
        if signed and state == "closed" and plan.kind == "incident" and \
                data["postmortem"]["required"]:
            commander = data["roles"][0]["person"]
            version.signoffs = [Signoff("incident_commander", commander,
                                        at - timedelta(minutes=10),
                                        "Postmortem reviewed; action items owned.")]
        plan.versions.append(version)


def _postmortem_text(data: dict[str, Any]) -> bytes:
    return (f"# {data['id']}: {data['title']}\n\n## What happened\n\n{data['summary']}\n"
            "## Why\n\nA configuration default overrode the intended value.\n").encode()

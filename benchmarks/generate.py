"""Realistic ledgers at scale, for the benchmarks: N records shaped like the samples and a
history of M commits, written with one `git fast-import` so that 10,000 records and 2,000
commits take seconds.

    .venv/bin/python benchmarks/generate.py OUT [--records 10000] [--commits 2000]
                                              [--lifecycle-share 0.15] [--seed 1]

The ledger in OUT (a git repository, branch `main` checked out):
- The first commit creates the ledger: this repository's policy (every person's key
  replaced by a fresh ed25519 key, private halves in OUT.keys/), schemas, site/ and
  mkdocs.yml, plus the records imported from before the ledger existed (most of them, in
  their final states and without sign-offs: `check` skips records imported with the
  ledger, `validate` still reads every one).
- The other records are filed in later commits and move through their lifecycles one
  legal edge per commit, by the people the records name (requesters, executors, incident
  commanders), each gated step carrying real SSH-signed sign-offs by holders of the
  required roles. Every commit passes `opsledger check` against its parent.
- The last commit of `main` files 12 records of the next year (REL/INC-YYYY-0001..); branch
  `pr` moves all 12 on (drafts submitted, two releases approved with sign-offs, incidents
  out of triage). Those 12 records, and so the pull request `main..pr`, are the same for
  every N and M, which makes `check` comparable across ledger sizes.

Records are numbered by creation time, per year. Everything is a function of the seed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from opsledger import sshsig  # noqa: E402
from opsledger.digest import digest  # noqa: E402
from opsledger.ledger import Record  # noqa: E402
from opsledger.loader import load  # noqa: E402
from opsledger.signoffs import payload  # noqa: E402
from opsledger.yamlout import mapping  # noqa: E402

# The pull request's records are filed at this moment; history ends just before it.
PR_FILED = datetime(2028, 1, 3, 9, 0, tzinfo=UTC)
PR_NOW = "2028-01-05T12:00:00+00:00"  # `check --now` for the pull request
COMMIT_SPACING = timedelta(hours=1)

PEOPLE = {"alice": "Alice Martin", "bob": "Bob Okafor", "carol": "Carol Chen",
          "erin": "Erin Novak", "dave": "Dave Singh", "frank": "Frank Weber",
          "grace": "Grace Kim", "heidi": "Heidi Larsen", "ivan": "Ivan Petrov",
          "judy": "Judy Alvarez"}
ROLES = {"dev_lead": ["alice", "bob"], "qa": ["carol", "erin"], "ops": ["dave", "heidi"],
         "security": ["frank"], "dba": ["grace"], "cab": ["grace", "heidi", "frank"],
         "incident_commander": ["dave", "heidi", "judy"], "comms_lead": ["ivan", "judy"]}
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
    return {
        "id": plan.id, "title": rng.choice(SYMPTOMS),
        "summary": f"Reported by monitoring on {services[0]}; "
                   f"{rng.randint(1, 40)}% of requests affected at the peak.\n",
        "type": rng.choices(["incident", "security", "data"], [90, 5, 5])[0],
        "mode": rng.choices(["real", "drill"], [95, 5])[0],
        "severity": rng.choice(["SEV?", severity]), "status": "triage", "services": services,
        "timestamps": {"impact_started_at": stamp(detected - timedelta(minutes=4)),
                       "detected_at": stamp(detected), "declared_at": stamp(plan.times[0])},
        "roles": [],
        "timeline": [{"at": stamp(plan.times[0]), "type": "declared",
                      "text": f"Declared from an alert on {services[0]}.", "by": reporter}],
        "postmortem": {"required": False, "status": "not_started"},
    }


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
        data["timestamps"]["acknowledged_at"] = stamp(at - timedelta(minutes=1))
        data["impact"] = {"summary": "Some customers saw errors and retried.",
                          "customers_affected": rng.randint(0, 20000),
                          "regions": rng.sample(REGIONS, rng.randint(1, 2)),
                          "slo_breached": severity in ("SEV1", "SEV2"), "data_loss": False}
    commander = data["roles"][0]["person"]
    stamps = {"mitigated": "mitigated_at", "resolved": "resolved_at", "closed": "closed_at"}
    if state in stamps:
        data["timestamps"][stamps[state]] = stamp(at)
    if state == "resolved" and "mitigated_at" not in data["timestamps"]:
        data["timestamps"]["mitigated_at"] = stamp(at)
    if state == "postmortem":
        data["postmortem"]["status"] = "in_review"
    if state == "closed":
        _incident_closing(plan, data, at)
    data["status"] = state
    data["timeline"].append({"at": stamp(at), "type": "status_change",
                             "text": f"{old} -> {state}", "by": commander})
    return str(commander)


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


def sign_all(plans: list[Plan], keys: Path) -> None:
    """Signs every planned sign-off over the digest of the version that adds it."""
    jobs = []
    for plan in plans:
        for version in plan.versions:
            if not version.signoffs:
                continue
            path = f"{plan.directory}/{plan.kind}.yaml"
            record = Record(plan.kind, plan.id, path, load(path, version.text),
                            version.postmortem)
            current = digest(record)
            for signoff in version.signoffs:
                data = {"record": plan.id, "role": signoff.role, "by": signoff.person,
                        "decision": "approve", "digest": current, "at": stamp(signoff.at),
                        "comment": signoff.comment}
                jobs.append((signoff, data))

    by_key: dict[str, list[tuple[Signoff, dict[str, Any]]]] = {}
    for signoff, data in jobs:
        by_key.setdefault(data["by"], []).append((signoff, data))
    # One ssh-keygen per person signs all of that person's payloads: a process per
    # signature (what `opsledger sign` does) would cost minutes at 10,000 records.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda item: _sign_batch(keys / item[0], item[1]), by_key.items()))


def _sign_batch(key: Path, jobs: list[tuple[Signoff, dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for n, (_, data) in enumerate(jobs):
            files.append(Path(scratch) / f"{n}")
            files[-1].write_bytes(payload(data))
        for chunk in range(0, len(files), 500):
            subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-n", sshsig.NAMESPACE, "-f",
                            str(key), *map(str, files[chunk:chunk + 500])],
                           check=True, stdin=subprocess.DEVNULL, capture_output=True)
        for path, (signoff, data) in zip(files, jobs, strict=True):
            data["signature"] = path.with_suffix(".sig").read_text()
            signoff.text = (mapping(data) + "\n").encode("utf-8")


# --- planning: which record changes in which commit ---------------------------------------

HISTORY_END = datetime(2027, 12, 31, 20, 0, tzinfo=UTC)
# The policy's freeze window: no normal change starts implementing inside it.
FREEZE = (datetime(2026, 12, 18, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC))
IMPORTED_FINAL = {"release": {"closed": 80, "cancelled": 8, "rejected": 4, "draft": 4,
                              "submitted": 4},
                  "incident": {"closed": 90, "declined": 4, "cancelled": 3, "resolved": 3}}
LIVE_FINAL = {"release": {"draft": 10, "submitted": 15, "approved": 10, "implementing": 3,
                          "succeeded": 12, "closed": 50},
              "incident": {"triage": 5, "investigating": 10, "mitigated": 10, "resolved": 15,
                           "postmortem": 5, "closed": 55}}
# Gaps between the states of an imported record (its history predates the ledger).
IMPORTED_GAPS = {"release": [0, 24, 24, 72, 1, 48], "incident": [0, 0.3, 1, 2, 48, 72]}


@dataclass
class Shape:
    records: int
    commits: int
    lifecycle_share: float
    seed: int

    def commit_time(self, index: int) -> datetime:
        if index >= self.commits - 1:  # the pull request's base, then the pull request
            return PR_FILED + timedelta(days=index - self.commits + 1)
        return HISTORY_END - COMMIT_SPACING * (self.commits - 2 - index)


def _final(rng: Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


def _path(rng: Random, kind: str, final: str, severity: str) -> list[str]:
    if kind == "release":
        if final in ("cancelled", "rejected"):
            return ["draft", "cancelled"] if final == "cancelled" else \
                ["draft", "submitted", "rejected"]
        return release_path(rng, final)
    if final in ("declined", "cancelled"):
        return ["triage", final]
    return incident_path(severity in ("SEV1", "SEV2"), final)


def plan_record(shape: Shape, index: int, history_start: datetime,
                import_start: datetime) -> Plan:
    rng = Random(f"{shape.seed}:{index}")
    kind = "release" if rng.random() < 2 / 3 else "incident"
    live = rng.random() < shape.lifecycle_share and shape.commits > 2
    severity = rng.choices(["SEV1", "SEV2", "SEV3", "SEV4"], [5, 20, 45, 30])[0]
    final = _final(rng, (LIVE_FINAL if live else IMPORTED_FINAL)[kind])
    states = _path(rng, kind, final, severity)
    if not live:
        created = import_start + (history_start - timedelta(days=20) - import_start) * \
            (index / max(shape.records, 1))
        hours, times = 0.0, []
        for gap in IMPORTED_GAPS[kind][:len(states)]:
            hours += gap
            times.append(created + timedelta(hours=hours))
        return Plan(kind, "", rng, states, [0] * len(states), times, severity)
    last = shape.commits - 2  # commits 1..last carry the live records
    states = states[:last]
    first = rng.randint(1, last - len(states) + 1)
    commits = [first]
    for k in range(1, len(states)):
        ceiling = last - (len(states) - 1 - k)
        commits.append(rng.randint(commits[-1] + 1, min(ceiling, commits[-1] + 24)))
    times = [shape.commit_time(c) - timedelta(minutes=rng.randint(2, 30)) for c in commits]
    if "implementing" in states and \
            FREEZE[0] <= times[states.index("implementing")] + timedelta(hours=1) and \
            times[states.index("implementing")] - timedelta(hours=1) < FREEZE[1]:
        cut = states.index("implementing")
        states, commits, times = states[:cut], commits[:cut], times[:cut]
    return Plan(kind, "", rng, states, commits, times, severity)


def number(plans: list[Plan], taken: dict[tuple[str, int], int] | None = None) -> None:
    """Ids by creation time, numbered per kind and year."""
    counters = dict(taken or {})
    for plan in sorted(plans, key=lambda p: p.times[0]):
        year = plan.times[0].year
        key = (plan.kind, year)
        counters[key] = counters.get(key, 0) + 1
        if counters[key] > 9999:
            raise SystemExit(f"more than 9,999 {plan.kind}s filed in {year}: use fewer records "
                             "or more commits")
        plan.id = f"{'REL' if plan.kind == 'release' else 'INC'}-{year}-{counters[key]:04d}"


def fill_quiet_commits(shape: Shape, plans: list[Plan]) -> None:
    """A commit nothing else changes gets a timeline note on a record that is open then."""
    busy = {c for plan in plans for c in plan.commits}
    live = [p for p in plans if p.commits[0] > 0]
    rng = Random(f"{shape.seed}:notes")
    for commit in range(1, shape.commits - 1):
        if commit in busy:
            continue
        open_then = [p for p in live if p.commits[0] < commit < p.commits[-1]]
        if not open_then:
            continue
        plan = rng.choice(open_then)
        at = next(i for i, c in enumerate(plan.commits) if c > commit)
        plan.states.insert(at, "note")
        plan.commits.insert(at, commit)
        plan.times.insert(at, shape.commit_time(commit) - timedelta(minutes=3))


def plan_pull_request(shape: Shape) -> list[Plan]:
    """12 records filed in the last commit of main, moved on by the pull request."""
    base, head = shape.commits - 1, shape.commits
    plans = []
    for j in range(12):
        rng = Random(f"{shape.seed}:pr:{j}")
        at = [shape.commit_time(base) - timedelta(minutes=30),
              shape.commit_time(head) - timedelta(minutes=30)]
        if j < 4:
            plan = Plan("release", "", rng, ["draft", "submitted"], [base, head], at)
        elif j < 6:
            plan = Plan("release", "", rng, ["draft", "submitted", "approved"],
                        [base, base, head], [at[0], at[0], at[1]])
        else:
            plan = Plan("incident", "", rng, ["triage", "investigating"], [base, head], at,
                        rng.choice(["SEV2", "SEV3", "SEV4"]))
        plans.append(plan)
    number(plans)
    return plans


def plan_ledger(shape: Shape) -> tuple[list[Plan], list[Plan]]:
    history_start = shape.commit_time(0)
    years = max(1, -(-shape.records * 7 // 90000))  # at most ~9,000 of a kind a year
    import_start = history_start - timedelta(days=365 * years)
    # The pull request's 12 records count towards the total.
    plans = [plan_record(shape, i, history_start, import_start)
             for i in range(max(shape.records - 12, 0))]
    number(plans)
    fill_quiet_commits(shape, plans)
    return plans, plan_pull_request(shape)


# --- keys, policy and the git history ------------------------------------------------------

def make_keys(directory: Path) -> dict[str, str]:
    """A fresh ed25519 key per person; returns the public keys."""
    directory.mkdir(parents=True, exist_ok=True)
    public = {}
    for person in PEOPLE:
        key = directory / person
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                            f"{person}@example.com", "-f", str(key)], check=True)
        public[person] = key.with_suffix(".pub").read_text().strip()
    return public


def policy_text(public: dict[str, str]) -> bytes:
    text = (REPO / "opsledger.yaml").read_text(encoding="utf-8")
    for person, key in public.items():
        text = re.sub(rf"(\n  {person}: +\{{.*?keys: )\[[^\]]*\]", lambda m, k=key:
                      m.group(1) + json.dumps([k]), text)
    return text.encode("utf-8")


def trust_root(public: dict[str, str]) -> dict[str, bytes]:
    files = {"opsledger.yaml": policy_text(public),
             "mkdocs.yml": (REPO / "mkdocs.yml").read_bytes()}
    for top in ("schemas", "site"):
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file():
                files[path.relative_to(REPO).as_posix()] = path.read_bytes()
    return files


@dataclass
class Commit:
    author: str = "heidi"
    subjects: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


def commits_of(shape: Shape, plans: list[Plan], pr: list[Plan],
               public: dict[str, str]) -> list[Commit]:
    commits = [Commit() for _ in range(shape.commits + 1)]
    commits[0].files.update(trust_root(public))
    commits[0].subjects.append("Start the ledger: policy, schemas, site and imported records")
    for plan in [*plans, *pr]:
        versions = [plan.versions[-1]] if plan.commits[0] == 0 else plan.versions
        for version in versions:
            commit = commits[version.commit]
            if version.commit != 0 and version.subject not in commit.subjects:
                if not commit.subjects:
                    commit.author = version.author  # whoever made the first change
                commit.subjects.append(version.subject)
            commit.files[f"{plan.directory}/{plan.kind}.yaml"] = version.text
            if version.postmortem is not None:
                commit.files[f"{plan.directory}/postmortem.md"] = version.postmortem
            for signoff in version.signoffs:
                commit.files[f"{plan.directory}/signoffs/{signoff.role}--{signoff.person}.yaml"] \
                    = signoff.text
    return commits


def _message(commit: Commit) -> bytes:
    subjects = commit.subjects or ["Ledger upkeep"]
    head = "; ".join(subjects[:3]) + (f" and {len(subjects) - 3} more" if len(subjects) > 3
                                     else "")
    return head.encode("utf-8")


def fast_import_stream(shape: Shape, commits: list[Commit]) -> bytes:
    out: list[bytes] = []
    for index, commit in enumerate(commits):
        branch = "pr" if index == shape.commits else "main"
        when = int(shape.commit_time(index).timestamp())
        who = f"{PEOPLE[commit.author]} <{commit.author}@example.com> {when} +0000"
        message = _message(commit)
        out.append(f"commit refs/heads/{branch}\nmark :{index + 1}\nauthor {who}\n"
                   f"committer {who}\ndata {len(message)}\n".encode() + message + b"\n")
        if index > 0:
            out.append(f"from :{min(index, shape.commits)}\n".encode())
        for path, body in sorted(commit.files.items()):
            out.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")
        out.append(b"\n")
    return b"".join(out)


def git_env() -> dict[str, str]:
    return dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)


def write_repository(root: Path, stream: bytes) -> None:
    env = git_env()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream, check=True,
                   env=env)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True, env=env)


# --- the whole ledger ----------------------------------------------------------------------

def generate(root: Path, records: int, commits: int, lifecycle_share: float = 0.15,
             seed: int = 1) -> dict[str, Any]:
    """Writes the ledger into `root` (which must not exist); returns what it holds."""
    if root.exists():
        raise SystemExit(f"{root} exists; generate into a new directory")
    if commits < 2:
        raise SystemExit("--commits: at least 2 (the import and the pull request's base)")
    started = time.perf_counter()
    shape = Shape(records, commits, lifecycle_share, seed)
    keys = root.with_name(root.name + ".keys")
    shutil.rmtree(keys, ignore_errors=True)
    public = make_keys(keys)
    plans, pr = plan_ledger(shape)
    for plan in plans:
        materialise(plan, signed=plan.commits[0] > 0)
    for plan in pr:
        materialise(plan, signed=True)
    sign_all([*plans, *pr], keys)
    stream = fast_import_stream(shape, commits_of(shape, plans, pr, public))
    write_repository(root, stream)
    signoffs = [v.commit for p in [*plans, *pr] for v in p.versions for _ in v.signoffs]
    return {"records": len(plans) + len(pr), "commits": commits, "seed": seed,
            "lifecycle_share": lifecycle_share,
            "signoffs": sum(c < commits for c in signoffs),  # on main; the rest in the PR
            "pr_signoffs": sum(c == commits for c in signoffs),
            "releases": sum(p.kind == "release" for p in [*plans, *pr]),
            "pr_base": "main", "pr_head": "pr", "pr_now": PR_NOW, "keys": str(keys),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the new ledger's directory (must not exist)")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--lifecycle-share", type=float, default=0.15,
                        help="share of records filed after the import, moving through "
                             "their lifecycles in the history (default 0.15)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    summary = generate(args.out, args.records, args.commits, args.lifecycle_share, args.seed)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

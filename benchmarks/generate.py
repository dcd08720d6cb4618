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

# Run as a script, this directory is on sys.path.
from records import PEOPLE, Plan, Signoff, incident_path, materialise, release_path, stamp  # noqa: E402


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
            gate = "approval" if plan.kind == "release" else "close"
            current = digest(record, gate)
            for signoff in version.signoffs:
                data = {"record": plan.id, "role": signoff.role, "by": signoff.person,
                        "decision": "approve", "gate": gate, "seq": 1, "digest": current,
                        "at": stamp(signoff.at), "comment": signoff.comment}
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

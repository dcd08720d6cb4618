"""Property: any record the schemas accept, any read-only command: exit 0 or 1, never a
traceback, never a stall, never a raw control character on the terminal; and the site's
generator publishes it or reports problems, never a traceback.

Records start from sample records and have fields replaced by strategies: leaves (enums,
id/person/role/service patterns, integers, booleans) come from the schemas through
hypothesis-jsonschema; times, dates, hostile text and the status-dependent requirements
(the schemas' if/then) are written by hand, since a generator cannot know which text is
hostile or which times are edge cases.

Profiles (HYPOTHESIS_PROFILE): `ci` (the default under CI=true: derandomized, no example
database), `dev` (random seed, printed; HYPOTHESIS_SEED=N reruns one) and `thorough`
(many more examples, for a local run).
"""

from __future__ import annotations

import calendar
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, GitLedger, copy_sample
from hypothesis import HealthCheck, Phase, event, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from sitebuild import mkdocs_build

from opsledger.cli import main
from opsledger.loader import Document, load
from opsledger.reporters import text
from opsledger.schema import Schemas
from opsledger.site.build import generate, linker

# An example costs a second or more (real git, ssh-keygen, every command), so shrinking a
# failure can take minutes: only the thorough profile shrinks; the others print the
# failing record as found.
QUICK = [Phase.explicit, Phase.reuse, Phase.generate]
COMMON: dict[str, Any] = {"deadline": None, "print_blob": True,
                          "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, database=None, max_examples=10,
                          phases=QUICK, **COMMON)
settings.register_profile("dev", max_examples=10, phases=QUICK, **COMMON)
settings.register_profile("thorough", max_examples=300, **COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
# The site generator costs about twice a command run, a full `mkdocs build` four times:
# fewer examples of them.
SITE_SHARE = 0.4
BUILD_SHARE = 0.2

# Bounded time, measured two ways. CPU seconds (this process and the git and ssh-keygen
# it waits for) must stay under CPU_LIMIT: a loop that runs away is a failure, whatever
# the machine's load. Wall-clock seconds past HANG_LIMIT interrupt the call: a wait that
# never ends is a failure too. Other work on a shared machine can slow wall-clock time
# several-fold, so only the hang limit is in wall-clock terms.
CPU_LIMIT = 10.0
HANG_LIMIT = 60.0
NOW = "2026-11-27T12:00:00+00:00"  # the sample ledger's "today"
# What must never reach a terminal raw: C0 controls but newline, DEL, C1, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

SCHEMA_TEXT = {kind: (REPO / "schemas" / f"{kind}.schema.json").read_text()
               for kind in ("release", "incident", "signoff", "policy")}
SCHEMAS = {kind: json.loads(source) for kind, source in SCHEMA_TEXT.items()}
JUDGE = Schemas({kind: source.encode() for kind, source in SCHEMA_TEXT.items()})
BASES = {"release": ("REL-2026-0005", "REL-2026-0002", "REL-2026-0006"),
         "incident": ("INC-2026-0001", "INC-2026-0003", "INC-2026-0004")}
NEW_IDS = {"release": "REL-2026-0042", "incident": "INC-2026-0042"}
FOLDER = {"release": "releases", "incident": "incidents"}


def sample(record_id: str) -> dict[str, Any]:
    kind = "release" if record_id.startswith("REL") else "incident"
    path = REPO / FOLDER[kind] / record_id / f"{kind}.yaml"
    data: dict[str, Any] = load(str(path), path.read_bytes()).data  # times stay strings
    return data


# --- Leaves from the schemas (hypothesis-jsonschema) --------------------------------------

def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The sub-schema with `#/$defs/...` references written out and descriptions dropped,
    so that hypothesis-jsonschema can take it on its own."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def schema_at(kind: str, *path: str) -> Any:
    """The sub-schema of `kind` at path (property names; `items` steps into an array; a
    name starting with `$` is a definition)."""
    schema = SCHEMAS[kind]
    node: Any = schema
    for step in path:
        if step.startswith("$"):
            node = schema["$defs"][step[1:]]
        elif step == "items":
            node = node["items"]
        else:
            node = node["properties"][step]
    return node


def leaf(kind: str, *path: str) -> st.SearchStrategy[Any]:
    """What the schema of `kind` allows at path."""
    return from_schema(_inline(schema_at(kind, *path), SCHEMAS[kind]["$defs"]))


POLICY = yaml.safe_load((REPO / "opsledger.yaml").read_text())
KNOWN_PEOPLE = sorted(POLICY["people"])
KNOWN_ROLES = sorted(POLICY["roles"])
KNOWN_SERVICES = sorted(s["id"] for s in POLICY["services"])

# Mostly names the policy knows (so the deeper rules run), sometimes any name the pattern
# allows (unknown but schema-valid).
people = st.one_of(st.sampled_from(KNOWN_PEOPLE), st.sampled_from(KNOWN_PEOPLE),
                   leaf("release", "$person"))
roles = st.one_of(st.sampled_from(KNOWN_ROLES), leaf("incident", "$role"))
services = st.one_of(st.sampled_from(KNOWN_SERVICES), st.sampled_from(KNOWN_SERVICES),
                     leaf("release", "$service"))
release_ids = st.one_of(st.sampled_from(["REL-2026-0001", "REL-2026-0002", "REL-2026-0005"]),
                        leaf("release", "$release_id"))
incident_ids = st.one_of(st.sampled_from(["INC-2026-0001", "INC-2026-0003"]),
                         leaf("incident", "$incident_id"))


def counts(kind: str, *path: str) -> st.SearchStrategy[int]:
    """Integers the schema allows at path, often at its bounds: its minimum (0), small
    counts, word-size edges and its maximum. Past the maximum (up to 2**53 and beyond, where
    a JSON consumer loses precision): the edge examples at the bottom, refused in one line."""
    node = schema_at(kind, *path)
    low, high = node["minimum"], node["maximum"]
    edges = [n for n in (low, 1, 59, 60, 1440, 2**31 - 1, 2**32, high) if low <= n <= high]
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


booleans = st.booleans()


# --- Times and dates (by hand: formats and edge cases) ------------------------------------

EDGE_YEARS = (1970, 1999, 2000, 2024, 2026, 2027, 2038, 2100, 2199)
ODD_OFFSETS = ("Z", "z", "+00:00", "-00:00", "+05:45", "+05:30", "-09:30", "+12:45",
               "+14:00", "-12:00", "+23:59", "-23:59")


@st.composite
def times(draw: st.DrawFn, years: st.SearchStrategy[int] | None = None) -> str:
    """An RFC 3339 time with an offset, as the schema's date-time (timefmt) accepts it.
    Years stay within 1970..2199 here (what the ledger accepts); the examples at the bottom
    show that a time past 2199 is refused in one line."""
    year = draw(years or st.one_of(st.sampled_from(EDGE_YEARS), st.integers(1970, 2199)))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    clock = draw(st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True)))
    offset = draw(st.one_of(st.sampled_from(ODD_OFFSETS), st.builds(
        "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23),
        st.integers(0, 59))))
    sep = draw(st.sampled_from("Tt"))
    return (f"{year:04d}-{month:02d}-{day:02d}{sep}{clock[0]:02d}:{clock[1]:02d}:"
            f"{clock[2]:02d}{fraction}{offset}")


@st.composite
def dates(draw: st.DrawFn) -> str:
    year = draw(st.one_of(st.sampled_from(EDGE_YEARS), st.integers(1970, 2199)))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    return f"{year:04d}-{month:02d}-{day:02d}"


# --- Hostile text ------------------------------------------------------------------------

PAYLOADS = (
    "[click](javascript:alert(1))", "[ref][r]\n\n[r]: javascript:alert(2)", "[[[[]]]]](",
    "<script>alert(3)</script>", "<img src=x onerror=alert(4)>", "</td></tr></table>",
    "{{ 7*7 }} {% include 'base.html' %} {#", "${HOME} $(id) `id`", "%s %d %(x)s {0}",
    "---\ntitle: injected\n---", "# Heading\n\n## Another", "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\ncode\n```", "*emphasis* **strong** _x_ __y__ ~~z~~", "&amp; &#x3C; &lt; &",
    "事故报告：支付失败，影响约一成用户。", "🚀🔥👩‍💻🏳️‍🌈", "مرحبا بالعالم", "שלום",  # noqa: RUF001 -- full-width punctuation
    "e\u0301\u0301\u0301 Z\u0351\u0352\u0353", "\u200b\u200dzero\ufeffwidth",
    "\x1b[31mred\x1b[0m", "bell\x07", "carriage\rreturn", "tab\there",
    "\u202eevil\u202c \u2066iso\u2069", "line\u2028sep\u2029para", "nul\x00byte",
    "\\ \\\\ \\n", "' \" '' \"\"", ": - ? | > ! & * # @ `", "null", "true", "1e5", "0x1F",
    "2026-01-01", "~", "REL-2026-0001", "a" * 5000, "[" * 2000 + "]" * 2000,
    "- " * 40 + "x", "> " * 40 + "x", "*" * 3000, "`" * 500,
    "\n".join(f"{'  ' * i}- item {i}" for i in range(40)),
)
# No lone surrogates: they cannot be written as UTF-8, so no file can hold them.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
texts = st.one_of(
    any_text,
    st.sampled_from(PAYLOADS),
    st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=5).map(" ".join),
    st.tuples(any_text, st.sampled_from(PAYLOADS), any_text).map("".join),
)


def bounded(strategy: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    """Text within a schema's minLength/maxLength (code points, as JSON Schema counts)."""
    return strategy.map(lambda s: (s + "xyz")[:high] if len(s) < low else s[:high])


def text_lists(min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(texts, min_size=min_size, max_size=4)


# --- Records -----------------------------------------------------------------------------

def timeline(kind: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    event_type = leaf(kind, "timeline", "items", "type")
    entry = st.fixed_dictionaries({"at": times(), "type": event_type, "text": texts,
                                   "by": people}, optional=dict(important=booleans))
    if kind == "incident":  # a notification names whom it told (the schema's if/then)
        recipients = leaf("incident", "timeline", "items", "to")
        entry = entry.flatmap(lambda e: st.fixed_dictionaries(
            {**{k: st.just(v) for k, v in e.items()}, "to": recipients},
            optional=dict(via=bounded(texts, 0, 200))) if e["type"] == "notification"
            else st.just(e))
    return st.lists(entry, min_size=1, max_size=6)


RELEASE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": bounded(texts, 3, 200),
    "system": services,
    "version": bounded(texts, 1, 80),
    "change_type": leaf("release", "change_type"),
    "risk": leaf("release", "risk"),
    "requested_by": people,
    "executor": people,
    "window": st.fixed_dictionaries({"start": times(), "end": times()}),
    "summary": texts,
    "changes": text_lists(1),
    "impact": st.fixed_dictionaries(
        {"services": st.lists(services, max_size=4), "user_facing": booleans,
         "downtime_minutes": counts("release", "impact", "downtime_minutes"),
         "data_migration": booleans},
        optional=dict(notes=texts)),
    "testing": st.fixed_dictionaries(
        {"summary": texts, "evidence": st.lists(bounded(texts, 1, 10**6), min_size=1,
                                                max_size=3),
         "result": leaf("release", "testing", "result")}),
    "rollback": st.fixed_dictionaries(
        {"trigger": texts, "steps": text_lists(1),
         "estimated_minutes": counts("release", "rollback", "estimated_minutes"),
         "rehearsed": booleans}),
    "emergency_response": st.fixed_dictionaries(
        {"incident_commander": people, "oncall": st.lists(people, min_size=1, max_size=3),
         "escalation": st.lists(st.fixed_dictionaries(
             {"after_minutes": counts("release", "emergency_response", "escalation",
                                      "items", "after_minutes"),
              "contact": people}, optional=dict(via=texts)),
             min_size=1, max_size=3),
         "communication": texts, "abort_criteria": text_lists(1)}),
    "related_incidents": st.lists(incident_ids, max_size=3, unique=True),
    "execution": st.fixed_dictionaries({}, optional=dict(
        started_at=times(), finished_at=times(),
        result=leaf("release", "execution", "result"), notes=texts)),
    "review": st.fixed_dictionaries({"summary": texts, "by": people, "at": times()},
                                    optional=dict(follow_ups=text_lists())),
    "timeline": timeline("release"),
}

INCIDENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": bounded(texts, 3, 200),
    "summary": texts,
    "type": leaf("incident", "type"),
    "mode": leaf("incident", "mode"),
    "severity": leaf("incident", "severity"),
    "services": st.lists(services, min_size=1, max_size=3, unique=True),
    "timestamps": st.fixed_dictionaries(
        {"detected_at": times(), "declared_at": times()},
        optional=dict(impact_started_at=times(), acknowledged_at=times(),
                          mitigated_at=times(), resolved_at=times(), closed_at=times())),
    "roles": st.lists(st.fixed_dictionaries(
        {"role": roles, "person": people, "assumed_at": times()}), max_size=4),
    "impact": st.fixed_dictionaries({"summary": texts}, optional=dict(
        customers_affected=counts("incident", "impact", "customers_affected"),
        regions=text_lists(), slo_breached=booleans,
        data_loss=booleans, revenue_impact=texts)),
    "timeline": timeline("incident"),
    "related_releases": st.lists(release_ids, max_size=3, unique=True),
    "duplicate_of": incident_ids,
    "root_causes": st.lists(st.fixed_dictionaries(
        {"summary": texts, "category": leaf("incident", "root_causes", "items", "category")},
        optional=dict(contributing=booleans)), max_size=3),
    "lessons": st.fixed_dictionaries({}, optional=dict(
        went_well=text_lists(), went_wrong=text_lists(), lucky=text_lists())),
    "action_items": st.lists(st.fixed_dictionaries(
        {"id": leaf("incident", "action_items", "items", "id"),
         "title": bounded(texts, 3, 10**6), "owner": people, "due": dates(),
         "status": leaf("incident", "action_items", "items", "status"),
         "category": leaf("incident", "action_items", "items", "category")},
        optional=dict(ticket=texts)), max_size=4),
    "postmortem": st.fixed_dictionaries(
        {"required": booleans, "status": leaf("incident", "postmortem", "status")},
        optional=dict(due=dates())),
    # Objectives always carry their result: a finished drill's schema requires it.
    "drill": st.fixed_dictionaries(
        {"scenario": leaf("incident", "drill", "scenario"),
         "objectives": st.lists(st.fixed_dictionaries(
             {"what": bounded(texts, 3, 10**6), "target": texts, "result": texts,
              "met": booleans}), max_size=3)},
        optional=dict(announced=booleans, evaluation=texts, participants=st.lists(
            st.fixed_dictionaries({"person": people, "role": roles},
                                  optional=dict(did=texts)), max_size=3))),
}
FIELDS = {"release": RELEASE_FIELDS, "incident": INCIDENT_FIELDS}


def _ensure(draw: st.DrawFn, data: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    if not isinstance(data.get(name), dict):
        data[name] = draw(FIELDS[kind][name])
    value: dict[str, Any] = data[name]
    return value


def _release_requirements(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """The release schema's if/then on status, met."""
    status = data["status"]
    if status not in ("draft", "cancelled"):
        for name in ("executor", "changes", "impact", "testing", "rollback",
                     "emergency_response"):
            if name not in data:
                data[name] = draw(RELEASE_FIELDS[name])
    if status in ("implementing", "succeeded", "failed", "rolled_back", "closed"):
        _ensure(draw, data, "release", "execution").setdefault("started_at", draw(times()))
    if status in ("succeeded", "failed", "rolled_back", "closed"):
        execution = data["execution"]
        execution.setdefault("finished_at", draw(times()))
        execution.setdefault("result", draw(leaf("release", "execution", "result")))
    if status == "closed" and "review" not in data:
        data["review"] = draw(RELEASE_FIELDS["review"])


def _incident_requirements(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """The incident schema's if/then on status, met."""
    status = data["status"]
    stamps = data["timestamps"]
    if status not in ("triage", "declined", "cancelled", "merged"):
        if data["severity"] == "SEV?":
            data["severity"] = draw(st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]))
        if "impact" not in data:
            data["impact"] = draw(INCIDENT_FIELDS["impact"])
    if status == "mitigated":
        stamps.setdefault("mitigated_at", draw(times()))
    if status in ("resolved", "postmortem", "closed"):
        stamps.setdefault("resolved_at", draw(times()))
    if status == "closed":
        stamps.setdefault("closed_at", draw(times()))
        _closed_postmortem(draw, data)
    if status == "merged" and "duplicate_of" not in data:
        data["duplicate_of"] = draw(incident_ids)
    if data.get("mode") != "drill":
        data.pop("drill", None)
    elif status in ("resolved", "postmortem", "closed") and "drill" not in data:
        data["drill"] = draw(INCIDENT_FIELDS["drill"])


def _closed_postmortem(draw: st.DrawFn, data: dict[str, Any]) -> None:
    if data["postmortem"]["required"] is True:
        data["postmortem"]["status"] = "approved"
        for name in ("root_causes", "action_items"):
            if name not in data:
                data[name] = draw(INCIDENT_FIELDS[name])


@dataclass
class Case:
    kind: str
    record_id: str          # the directory it is written to
    data: dict[str, Any]
    now: str
    ascii_yaml: bool        # non-ASCII written as YAML escapes rather than as itself


@st.composite
def cases(draw: st.DrawFn, kind: str) -> Case:
    """A sample record with some fields replaced, some optional ones dropped, a status
    drawn and what that status requires filled in."""
    base = draw(st.sampled_from(BASES[kind]))
    data = sample(base)
    fields = FIELDS[kind]
    required = set(SCHEMAS[kind]["required"])
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=8, unique=True)):
        if name not in required and draw(st.integers(0, 4)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(fields[name])
    data["status"] = draw(st.one_of(st.just(data["status"]), leaf(kind, "status")))
    (_release_requirements if kind == "release" else _incident_requirements)(draw, data)
    record_id = draw(st.sampled_from([base, base, NEW_IDS[kind]]))
    # Usually the id names its directory; sometimes another well-formed id (a rule says so).
    data["id"] = draw(st.one_of(st.just(record_id), st.just(record_id),
                                leaf(kind, "$release_id" if kind == "release"
                                     else "$incident_id")))
    return Case(kind, record_id, data, draw(st.one_of(st.just(NOW), times())),
                draw(booleans))


# --- Running the tool --------------------------------------------------------------------

class Stalled(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """A call still running after `seconds` is interrupted where it is (the traceback
    shows where it hung)."""
    def expire(signum: int, frame: object) -> None:
        raise Stalled(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cpu_seconds() -> float:
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


@contextlib.contextmanager
def bounded_time(what: str) -> Iterator[None]:
    started = cpu_seconds()
    with time_limit(HANG_LIMIT):
        yield
    spent = cpu_seconds() - started
    assert spent < CPU_LIMIT, f"{what} used {spent:.1f} CPU seconds"


@dataclass
class Run:
    argv: list[str]
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with bounded_time(f"opsledger {' '.join(argv)}"), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Run(list(argv), code, out.getvalue(), err.getvalue())


# `show` cannot run on a record whose file the loader refuses (a schema-valid value may
# still be written as text the loader will not read, such as a raw bidi override):
# a documented exit 2 with one line naming the file, line and reason.
UNREADABLE = re.compile(r"opsledger: error: [A-Z]{3}-\d{4}-\d{4} cannot be read: "
                        r"\S+\.yaml:\d+: [^\n]+\n")


def assert_clean(run: Run) -> None:
    where = f"opsledger {' '.join(run.argv)}"
    if run.argv[0] == "show" and run.code == 2 and UNREADABLE.fullmatch(run.err):
        event("show: record file refused by the loader (exit 2)")
    else:
        assert run.code in (0, 1), f"{where} exited {run.code}: {run.err}"
    for name, stream in (("stdout", run.out), ("stderr", run.err)):
        raw = RAW_CONTROL.search(stream)
        assert raw is None, f"{where}: raw U+{ord(raw.group()):04X} on {name}"


def schema_valid(case: Case) -> bool:
    doc = Document(f"{case.record_id}.yaml", case.data)
    return not list(JUDGE.validate(case.kind, doc))


def dump(case: Case) -> str:
    """YAML text as a person or a tool would write it: with allow_unicode, PyYAML writes a
    bidi override as itself (the loader refuses the file); without, as an escape (the
    loader reads the character)."""
    return yaml.safe_dump(case.data, allow_unicode=not case.ascii_yaml, sort_keys=False,
                          width=100)


@dataclass
class Bench:
    """The sample ledger in a git repository; each example writes one record over it, is
    committed (so `check` sees a pull request) and is undone afterwards."""
    repo: GitLedger
    base: str
    tally: Counter[str] = field(default_factory=Counter)

    def write(self, case: Case) -> None:
        self.repo.git("reset", "-q", "--hard", self.base)
        self.repo.git("clean", "-q", "-fdx")
        kind = case.kind
        self.repo.write(f"{FOLDER[kind]}/{case.record_id}/{kind}.yaml", dump(case))
        self.repo.commit(f"{case.record_id}: generated", who="bob",
                         date="2026-11-27T11:00:00+00:00")


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bench:
    root = tmp_path / "ledger"
    root.mkdir()
    copy_sample(root)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "site", root / "site")
    repo = GitLedger(root)
    repo.git("init", "-q", "-b", "main")
    base = repo.commit("Sample ledger", who="alice", date="2026-11-01T10:00:00+00:00")
    monkeypatch.chdir(root)
    return Bench(repo, base)


def commands(case: Case, base: str) -> list[tuple[str, ...]]:
    record = f"{FOLDER[case.kind]}/{case.record_id}"
    return [("validate",), ("validate", "--format", "json", record),
            ("check", "--base", base, "--now", case.now),
            ("show", case.record_id), ("due", "--now", case.now), ("metrics",),
            ("metrics", "--format", "json")]


def note(tally: Counter[str], label: str) -> None:
    """An event for Hypothesis' statistics, and a count printed after the run."""
    event(label)
    tally[label] += 1


def exercise(bench: Bench, case: Case) -> None:
    valid = schema_valid(case)
    bench.tally["examples"] += 1
    bench.tally["schema-valid"] += valid
    note(bench.tally, f"{case.kind} {'accepted' if valid else 'rejected'} by its schema")
    bench.write(case)
    for argv in commands(case, bench.base):
        run = run_cli(*argv)
        assert_clean(run)
        if argv == ("validate",):
            note(bench.tally, f"validate exit {run.code}")


def with_seed(test: Callable[..., None]) -> Callable[..., None]:
    """Random runs print their seed (HYPOTHESIS_SEED=N repeats one); ci is derandomized."""
    if settings.default.derandomize:
        print(f"hypothesis profile {PROFILE}: derandomized")
        return test
    chosen = int(os.environ.get("HYPOTHESIS_SEED") or random.SystemRandom().getrandbits(32))
    print(f"hypothesis profile {PROFILE}: seed {chosen} (rerun with HYPOTHESIS_SEED={chosen})")
    return seed(chosen)(test)


def valid_cases(kind: str) -> st.SearchStrategy[Case]:
    """Cases the schemas accept. The strategies above meet the schemas' bounds and if/then
    rules, so the filter turns away next to nothing; should a schema change outgrow them,
    Hypothesis' filter_too_much health check says so, rather than a test failing by chance."""
    return cases(kind).filter(schema_valid)


def examples(share: float, floor: int) -> int:
    """The profile's examples scaled for a costlier property, never fewer than floor."""
    return max(floor, int(settings.default.max_examples * share))


def assert_not_vacuous(tally: Counter[str], minimum: int) -> None:
    """The property ran on as many examples as its settings ask for, every one a record
    its schema accepts: what it demands does not depend on the machine's speed or luck."""
    print(f"examples: {dict(sorted(tally.items()))}")
    assert tally["examples"] >= minimum, tally
    assert tally["schema-valid"] == tally["examples"], tally


# --- The properties ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["release", "incident"])
def test_any_valid_record_any_command(bench: Bench, kind: str) -> None:
    wanted = examples(1.0, 1)

    @settings(max_examples=wanted)
    @given(valid_cases(kind))
    def prop(case: Case) -> None:
        exercise(bench, case)

    with_seed(prop)()
    assert_not_vacuous(bench.tally, wanted)


def site_once(bench: Bench, case: Case, language: str) -> None:
    """What the plugin does for `mkdocs build`: generate, render every page, wait for the
    validation. A strict build fails exactly when problems() is not empty; each problem
    is logged through the text reporter, so it must come out escaped."""
    with bounded_time("the site generator"):
        site = generate(bench.repo.root, language, now=datetime(2026, 11, 27, 12, tzinfo=UTC))
        for src, page in site.pages.items():
            page.html(linker(src.replace(".md", ".html"), False))
        if site.home is not None:
            site.home(linker("index.html", False))
        problems = site.problems()
    note(bench.tally, f"strict build {'fails: ledger problems' if problems else 'succeeds'}")
    log = text(problems, "ledger")
    raw = RAW_CONTROL.search(log)
    assert raw is None, f"raw U+{ord(raw.group()):04X} in the build log"


def test_any_valid_record_site(bench: Bench) -> None:
    wanted = examples(SITE_SHARE, 4)

    @settings(max_examples=wanted)
    @given(kind=st.sampled_from(["release", "incident"]), data=st.data())
    def prop(kind: str, data: st.DataObject) -> None:
        case = data.draw(valid_cases(kind))
        bench.tally["examples"] += 1
        bench.tally["schema-valid"] += schema_valid(case)
        bench.write(case)
        site_once(bench, case, data.draw(st.sampled_from(["en", "zh"])))

    with_seed(prop)()
    assert_not_vacuous(bench.tally, wanted)


STRICT_FAILURE = re.compile(r"Aborted with \d+ warnings? in strict mode")


def test_any_valid_record_full_strict_build(bench: Bench) -> None:
    """The real `mkdocs build --strict`, plugin and theme included, on fewer examples: it
    succeeds, or fails with MkDocs' strict-mode message after one warning per problem."""
    wanted = examples(BUILD_SHARE, 2)

    @settings(max_examples=wanted)
    @given(kind=st.sampled_from(["release", "incident"]), data=st.data())
    def prop(kind: str, data: st.DataObject) -> None:
        case = data.draw(valid_cases(kind))
        bench.tally["examples"] += 1
        bench.tally["schema-valid"] += schema_valid(case)
        bench.write(case)
        with bounded_time("mkdocs build --strict"):
            done = mkdocs_build(bench.repo.root, "--strict")
        log = done.stdout + done.stderr
        assert "Traceback" not in log, log
        assert done.returncode == 0 or STRICT_FAILURE.search(log), log
        raw = RAW_CONTROL.search(done.stderr)
        assert raw is None, f"raw U+{ord(raw.group()):04X} in the build log"
        note(bench.tally, f"mkdocs build --strict exit {done.returncode}")

    with_seed(prop)()
    assert_not_vacuous(bench.tally, wanted)


# --- Edges that once crashed: each record is now refused in one line or rendered ----------

def _case(record_id: str, change: Callable[[dict[str, Any]], None], *,
          directory: str | None = None) -> Case:
    data = sample(record_id)
    change(data)
    kind = "release" if record_id.startswith("REL") else "incident"
    target = directory or record_id
    data["id"] = target
    return Case(kind, target, data, NOW, False)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return change


def _all(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for one in changes:
            one(data)
    return change


def _commands_and_site(bench: Bench, case: Case) -> None:
    exercise(bench, case)
    site_once(bench, case, "en")


EXPLICIT = settings(phases=[Phase.explicit], database=None, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@EXPLICIT
@example(case=_case("REL-2026-0002", _set("impact.downtime_minutes", 2**53)))
@example(case=_case("INC-2026-0001", _set("impact.customers_affected", 10**30)))
@given(case=cases("release"))
def test_integers_beyond_json_precision(bench: Bench, case: Case) -> None:
    _commands_and_site(bench, case)


@EXPLICIT
@example(case=_case("INC-2026-0001", _all(
    _set("status", "resolved"), _set("postmortem", {"required": True, "status": "draft"}),
    _set("timestamps", {"impact_started_at": "2026-06-16T06:21:00+00:00",
                        "detected_at": "2026-06-16T06:26:00+00:00",
                        "declared_at": "2026-06-16T06:29:00+00:00",
                        "acknowledged_at": "2026-06-16T06:30:00+00:00",
                        "mitigated_at": "2026-06-16T07:08:00+00:00",
                        "resolved_at": "9999-12-31T23:59:59-23:59"}))))
@example(case=_case("REL-2026-0005", _set("window", {"start": "9999-12-31T23:59:59-23:59",
                                                      "end": "9999-12-31T23:59:59-23:59"}),
                    directory="REL-2026-0042"))
@given(case=cases("incident"))
def test_times_at_the_end_of_the_calendar(bench: Bench, case: Case) -> None:
    _commands_and_site(bench, case)


@EXPLICIT
@example(case=_case("INC-2026-0001", _set("summary", "- " * 2000 + "x")))
@example(case=_case("REL-2026-0002", _set("rollback.steps.0", "1. " * 1000 + "x")))
@given(case=cases("incident"))
def test_deeply_nested_markdown(bench: Bench, case: Case) -> None:
    _commands_and_site(bench, case)

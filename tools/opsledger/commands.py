"""One function per CLI command, taking named arguments. Feature modules are imported
inside each command so a command pays only for what it uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Outcome:
    output: str
    code: int = 0
    note: str = ""


def validate(*, paths: list[str], format: str) -> Outcome:
    from opsledger.reporters import FORMATS  # noqa: PLC0415
    from opsledger.signoffs import Verifier  # noqa: PLC0415
    from opsledger.tree import WorkTree  # noqa: PLC0415
    from opsledger.trust import load_trust  # noqa: PLC0415
    from opsledger.validate import validate_tree  # noqa: PLC0415
    from opsledger.workspace import find_root, ids_for_paths  # noqa: PLC0415

    root = find_root()
    only = ids_for_paths(root, paths) if paths else []
    tree = WorkTree(root)
    trust = load_trust(tree)
    verifier = Verifier(trust.policy) if trust.policy else None
    ledger, problems = validate_tree(tree, trust, only or None, verifier)
    checked = f"{len(ledger.records)} records"
    return Outcome(FORMATS[format](problems, checked), 1 if problems else 0)


def check(*, base: str, head: str, reviews: str | None, now: str | None, format: str) -> Outcome:
    from opsledger.history import check_range  # noqa: PLC0415
    from opsledger.reporters import FORMATS  # noqa: PLC0415

    report = check_range(Path.cwd(), base, head, reviews, now)
    return Outcome(FORMATS[format](report.problems, report.checked),
                   1 if report.problems else 0)


def audit(*, start: str | None, end: str, format: str) -> Outcome:
    from opsledger.audit import run_audit  # noqa: PLC0415

    return run_audit(Path.cwd(), start, end, format)


def new(*, kind: str, title: str | None, system: str | None, version_: str | None,
        risk: str | None, change_type: str | None, severity: str | None,
        service: list[str] | None, mode: str | None, person: str | None) -> Outcome:
    from opsledger.scaffold import new_record  # noqa: PLC0415

    path = new_record(kind, person, {
        "title": title, "system": system, "version": version_, "risk": risk,
        "change_type": change_type, "severity": severity, "services": service, "mode": mode})
    return Outcome(str(path), note=f"created {path}; fill it in, then `opsledger validate`")


def show(*, record_id: str) -> Outcome:
    from opsledger.show import show_record  # noqa: PLC0415

    return Outcome(show_record(record_id))


def digest(*, record_id: str, explain: bool) -> Outcome:
    from opsledger.digest import approvable, canonical  # noqa: PLC0415
    from opsledger.digest import digest as compute  # noqa: PLC0415
    from opsledger.workspace import find_root, load_record  # noqa: PLC0415

    record = load_record(find_root(), record_id)
    text = compute(record)
    if explain:
        text += "\n" + canonical(approvable(record)).decode("utf-8")
    return Outcome(text)


def sign(*, record_id: str, role: str, person: str | None, key: str | None, decision: str,
         comment: str | None, at: str | None) -> Outcome:
    from opsledger.signing import sign_record  # noqa: PLC0415

    return sign_record(record_id, role, person, key, decision, comment, at)


def status(*, record_id: str, new_state: str, note: str | None, person: str | None,
           now: str | None) -> Outcome:
    from opsledger.editing import change_status  # noqa: PLC0415

    return change_status(record_id, new_state, note, person, now)


def log(*, record_id: str, text: str, event_type: str, at: str | None, person: str | None,
        important: bool) -> Outcome:
    from opsledger.editing import append_event  # noqa: PLC0415

    return append_event(record_id, text, event_type, at, person, important)


def metrics(*, format: str) -> Outcome:
    from opsledger.metrics import report  # noqa: PLC0415

    return Outcome(report(format))


def due(*, now: str | None) -> Outcome:
    from opsledger.obligations import report  # noqa: PLC0415

    text, count = report(now)
    return Outcome(text, 1 if count else 0)


def gate(*, system: str, version_: str, now: str | None) -> Outcome:
    from opsledger.deploygate import decide  # noqa: PLC0415

    allowed, reason = decide(system, version_, now)
    return Outcome(reason, 0 if allowed else 1)


def codeowners(*, write: bool) -> Outcome:
    from opsledger.owners import codeowners as build  # noqa: PLC0415

    return Outcome(build(write))


def init(*, directory: str) -> Outcome:
    from opsledger.scaffold import init_ledger  # noqa: PLC0415

    return Outcome(init_ledger(Path(directory)))

"""Problems as text, JSON, GitHub annotations, SARIF or Markdown. Every value from a record
is escaped here (or in `jobsummary`, for Markdown), so a title cannot forge an annotation or
a terminal escape."""

from __future__ import annotations

import json
from collections.abc import Callable

from opsledger import __version__
from opsledger.codes import CODES
from opsledger.escape import safe
from opsledger.jobsummary import markdown
from opsledger.problems import Problem
from opsledger.wording import count


def _where(problem: Problem) -> str:
    return safe(problem.where)


def text(problems: list[Problem], checked: str) -> str:
    lines = [f"{_where(p)}: {p.severity} {p.code}: {safe(p.message)}" for p in problems]
    lines.append(f"{checked}: {count(len(problems), 'problem')}" if problems
                 else f"{checked}: no problems")
    return "\n".join(lines)


def as_json(problems: list[Problem], checked: str) -> str:
    rows = [{"path": p.path, "line": p.line, "col": p.col, "code": p.code,
             "severity": p.severity, "message": p.message} for p in problems]
    return json.dumps({"checked": checked, "problems": rows}, indent=2, ensure_ascii=True)


def _escape_data(value: str) -> str:
    return safe(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: list[Problem], checked: str) -> str:
    lines = []
    for p in problems:
        props = [f"file={_escape_property(p.path)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        if p.col is not None:
            props.append(f"col={p.col}")
        props.append(f"title={_escape_property(p.code)}")
        lines.append(f"::{p.severity} {','.join(props)}::{_escape_data(p.message)}")
    lines.append(text([], checked) if not problems else
                 f"{checked}: {count(len(problems), 'problem')}")
    return "\n".join(lines)


def sarif(problems: list[Problem], checked: str) -> str:
    used = sorted({p.code for p in problems})
    results = []
    for p in problems:
        region = {"startLine": p.line or 1, "startColumn": p.col or 1}
        results.append({"ruleId": p.code, "level": p.severity, "message": {"text": p.message},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"uri": p.path}, "region": region}}]})
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {
               "name": "opsledger", "version": __version__,
               "rules": [{"id": c, "shortDescription": {"text": CODES.get(c, c)}} for c in used]}},
               "results": results}]}
    return json.dumps(log, indent=2)


FORMATS: dict[str, Callable[[list[Problem], str], str]] = {
    "text": text, "json": as_json, "github": github, "sarif": sarif, "markdown": markdown}

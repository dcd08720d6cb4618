"""`opsledger new` and `opsledger init`: files people start from."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from opsledger import ids, timefmt
from opsledger.atomic import write_atomic
from opsledger.identity import acting_person
from opsledger.problems import FatalError
from opsledger.tree import WorkTree
from opsledger.trust import load_trust
from opsledger.workspace import find_root


def next_id(root: Path, kind: str, year: int) -> str:
    prefix = f"{ids.PREFIX[kind]}-{year}-"
    used = [int(entry.name[-4:]) for entry in WorkTree(root).entries(ids.KINDS[kind])
            if entry.name.startswith(prefix) and ids.kind_of(entry.name) == kind]
    number = max(used, default=0) + 1
    if number > 9999:
        raise FatalError(f"no free {kind} id left in {year}")
    return f"{prefix}{number:04d}"


def new_record(kind: str, person: str | None, options: dict[str, Any]) -> Path:
    root = find_root()
    trust = load_trust(WorkTree(root))
    if trust.policy is None:
        raise FatalError("opsledger.yaml has problems; run `opsledger validate` first")
    who = acting_person(trust.policy, person, root)
    now = timefmt.now_utc().replace(microsecond=0)
    record_id = next_id(root, kind, now.year)
    services = list(trust.policy.services)
    values = {"id": record_id, "who": who, "now": timefmt.format_time(now),
              "title": json.dumps(options.get("title") or f"New {kind}"),
              "system": options.get("system") or (services[0] if services else "my-service"),
              "version": json.dumps(options.get("version") or "0.0.0"),
              "risk": options.get("risk") or "low",
              "change_type": options.get("change_type") or "normal",
              "severity": json.dumps(options.get("severity") or "SEV?"),
              "mode": options.get("mode") or "real",
              "start": timefmt.format_time(now + timedelta(days=1)),
              "end": timefmt.format_time(now + timedelta(days=1, hours=2))}
    values["services"] = ", ".join(options.get("services") or [values["system"]])
    template = resources.files("opsledger").joinpath(f"templates/{kind}.yaml").read_text()
    target = root / ids.record_file(record_id)
    target.parent.mkdir(parents=True)
    write_atomic(target, template.format(**values).encode("utf-8"))
    return target.relative_to(root)


def init_ledger(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "opsledger.yaml").exists():
        raise FatalError(f"{directory} already holds a ledger (opsledger.yaml exists)")
    skeleton = resources.files("opsledger").joinpath("templates/skeleton")
    written = []
    for source, relative in _walk(skeleton, ""):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, source.read_bytes())
        written.append(relative)
    for kind in ("release", "incident", "signoff", "policy"):
        schema = resources.files("opsledger").joinpath(f"schemas/{kind}.schema.json")
        (directory / "schemas").mkdir(exist_ok=True)
        write_atomic(directory / "schemas" / f"{kind}.schema.json", schema.read_bytes())
        written.append(f"schemas/{kind}.schema.json")
    return "\n".join(sorted(written)) + f"\ninitialised an empty ledger in {directory}"


def _walk(node: Any, prefix: str) -> list[tuple[Any, str]]:
    found = []
    for child in node.iterdir():
        name = child.name.replace("dot-", ".", 1) if child.name.startswith("dot-") else child.name
        relative = f"{prefix}{name}"
        found += _walk(child, relative + "/") if child.is_dir() else [(child, relative)]
    return found

"""`opsledger gate`: may this version of this system ship now? For deploy jobs."""

from __future__ import annotations

from datetime import timedelta

from opsledger import timefmt
from opsledger.current import current_ledger
from opsledger.problems import FatalError
from opsledger.reporters import safe
from opsledger.signoffs import Verifier, evaluate, release_slots


def decide(system: str, version: str, now: str | None) -> tuple[bool, str]:
    try:
        clock = timefmt.parse(now) if now else timefmt.now_utc()
    except ValueError as exc:
        raise FatalError(f"--now: {exc}") from None
    ledger, policy = current_ledger()
    matches = [r for r in ledger.records.values() if r.kind == "release" and
               r.data.get("system") == system and str(r.data.get("version")) == version]
    if not matches:
        return False, f"no: no release request for {system} {version}"
    record = max(matches, key=lambda r: r.id)
    status = record.data.get("status")
    if status not in ("approved", "implementing"):
        return False, f"no: {record.id} is {status}, not approved"
    evaluation = evaluate(record, policy, release_slots(record, policy), Verifier(policy))
    if not evaluation.met and record.data.get("change_type") != "emergency":
        return False, f"no: {record.id} lacks valid sign-offs (run `opsledger show {record.id}`)"
    window = record.data.get("window")
    window = window if isinstance(window, dict) else {}
    start, end = (timefmt.parse_or_none(window.get(edge)) for edge in ("start", "end"))
    grace = timedelta(minutes=policy.window_grace_minutes)
    if start is None or end is None or not start - grace <= clock <= end + grace:
        return False, safe(f"no: outside {record.id}'s window {window.get('start')} .. "
                           f"{window.get('end')}")
    for freeze in policy.freeze_windows():
        frozen = freeze.start <= clock < freeze.end
        if frozen and record.data.get("change_type") not in freeze.allow:
            return False, f"no: inside the freeze window {freeze.name!r}"
    return True, f"yes: {record.id} is {status} and inside its window"

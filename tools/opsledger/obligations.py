"""`opsledger due`: what is overdue — action items, postmortems, approvals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from opsledger import timefmt
from opsledger.current import current_ledger
from opsledger.problems import FatalError
from opsledger.reporters import safe

ACTION_ITEM_DONE = ("done", "wont_do")


def item_done(item: dict[str, Any]) -> bool:
    return item.get("status") in ACTION_ITEM_DONE


def item_overdue(item: dict[str, Any], today: date) -> bool:
    """Not done and past its due date (a missing or malformed date is never overdue)."""
    due = item.get("due")
    if item_done(item) or not isinstance(due, str):
        return False
    try:
        return date.fromisoformat(due[:10]) < today
    except ValueError:
        return False


def _now(value: str | None) -> datetime:
    try:
        return timefmt.parse(value) if value else timefmt.now_utc()
    except ValueError as exc:
        raise FatalError(f"--now: {exc}") from None


def report(now: str | None) -> tuple[str, int]:
    clock = _now(now)
    today = clock.date()
    ledger, policy = current_ledger()
    lines = []
    for record in sorted(ledger.records.values(), key=lambda r: r.id):
        data = record.data
        if record.kind == "incident" and data.get("mode") == "real":
            for item in data.get("action_items") or []:
                if isinstance(item, dict) and item_overdue(item, today):
                    lines.append(f"{record.id} {item.get('id')}: action item overdue since "
                                 f"{item.get('due')} (owner {item.get('owner')}): "
                                 f"{item.get('title')}")
            postmortem = data.get("postmortem") or {}
            # The records need not validate here: a bad time is skipped, never a crash.
            resolved = timefmt.parse_or_none((data.get("timestamps") or {}).get("resolved_at"))
            days = policy.severity(str(data.get("severity"))).get("postmortem_days")
            due = postmortem.get("due") or (
                str((resolved + timedelta(days=days)).date()) if resolved and days else None)
            if postmortem.get("required") and postmortem.get("status") != "approved" and \
                    timefmt.is_date(due) and date.fromisoformat(due) < today:
                lines.append(f"{record.id}: postmortem overdue since {due} "
                             f"(status {postmortem.get('status')})")
        if record.kind == "release" and data.get("status") == "submitted":
            start = (data.get("window") or {}).get("start")
            opens = timefmt.parse_or_none(start)
            if opens and opens < clock:
                lines.append(f"{record.id}: window started {start} and it is still not approved")
    lines.append(f"{len(lines)} overdue" if lines else "nothing overdue")
    # Titles and owners are record text: escaped, so no terminal control sequence gets out.
    return "\n".join(map(safe, lines)), len(lines) - 1 if len(lines) > 1 else 0

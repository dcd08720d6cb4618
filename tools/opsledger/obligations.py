"""What is overdue: action items, postmortems, approvals. One rule for `opsledger due` and
the site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from opsledger import lifecycle, timefmt
from opsledger.ledger import Ledger, Record
from opsledger.policy import Policy


def item_done(item: dict[str, Any]) -> bool:
    return item.get("status") in lifecycle.ACTION_ITEM_DONE


def item_overdue(item: dict[str, Any], today: date) -> bool:
    """Not done and past its due date (a missing or malformed date is never overdue)."""
    due = item.get("due")
    if item_done(item) or not isinstance(due, str):
        return False
    try:
        return date.fromisoformat(due[:10]) < today
    except ValueError:
        return False


def overdue(ledger: Ledger, policy: Policy, clock: datetime) -> Iterator[str]:
    """One line per overdue obligation, in record order."""
    for record in sorted(ledger.records.values(), key=lambda r: r.id):
        if record.kind == "incident" and record.data.get("mode") == "real":
            yield from _incident(record, policy, clock.date())
        elif record.kind == "release":
            yield from _release(record, clock)


def _incident(record: Record, policy: Policy, today: date) -> Iterator[str]:
    data = record.data
    for item in data.get("action_items") or []:
        if isinstance(item, dict) and item_overdue(item, today):
            yield (f"{record.id} {item.get('id')}: action item overdue since {item.get('due')} "
                   f"(owner {item.get('owner')}): {item.get('title')}")
    postmortem = data.get("postmortem") or {}
    resolved = timefmt.parse_or_none((data.get("timestamps") or {}).get("resolved_at"))
    days = policy.severity(str(data.get("severity"))).get("postmortem_days")
    due = postmortem.get("due") or (
        str((resolved + timedelta(days=days)).date()) if resolved and days else None)
    if postmortem.get("required") and postmortem.get("status") != "approved" and due \
            and timefmt.is_date(due) and date.fromisoformat(due) < today:
        yield f"{record.id}: postmortem overdue since {due} (status {postmortem.get('status')})"


def _release(record: Record, clock: datetime) -> Iterator[str]:
    if record.data.get("status") != "submitted":
        return
    start = (record.data.get("window") or {}).get("start")
    began = timefmt.parse_or_none(start)
    if began and began < clock:
        yield f"{record.id}: window started {start} and it is still not approved"

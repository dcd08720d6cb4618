"""The machine-readable export (api/*.json): records as written, with judged sign-offs."""

from __future__ import annotations

from typing import Any

from opsledger import timefmt
from opsledger.site.views.base import Site
from opsledger.site.views.signoffs import verdicts

FILES = {"incident": "incidents", "release": "releases"}


def records(site: Site, kind: str) -> list[dict[str, Any]]:
    items = []
    for record in site.records(kind):
        item = dict(record.data)
        if record.postmortem is not None:
            item["postmortem_md"] = record.postmortem.decode("utf-8", "replace")
        item["signoffs"] = [{"role": v.role, "person": v.person, "decision": v.decision,
                             "at": v.at, "state": v.state, "superseded": v.superseded}
                            for v in verdicts(site, record)]
        items.append(item)
    return items


def index(site: Site) -> dict[str, str]:
    return {"generated_at": timefmt.format_time(site.now),
            **{name: f"{name}.json" for name in ("incidents", "releases", "metrics")}}

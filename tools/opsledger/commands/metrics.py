"""`opsledger metrics`: MTTx by severity and DORA's four keys, as text or JSON."""

from __future__ import annotations

import json

from opsledger.metrics import compute_for
from opsledger.problems import Outcome
from opsledger.workspace import Workspace


def run(*, format: str) -> Outcome:
    data = compute_for(Workspace.open().ledger())
    if format == "json":
        return Outcome(json.dumps(data, indent=2))
    lines = ["Incidents (real only; drills and tests excluded), median minutes:"]
    for severity, spans in data["incidents"]["by_severity"].items():
        cells = ", ".join(f"{name.replace('_', ' ')} "
                          f"{'-' if v['median_minutes'] is None else v['median_minutes']} "
                          f"(n={v['count']})"
                          for name, v in spans.items())
        lines.append(f"  {severity}: {cells}")
    lines.append("DORA:")
    lines += [f"  {key.replace('_', ' ')}: {'no data yet' if value is None else value}"
              for key, value in data["dora"].items()]
    return Outcome("\n".join(lines))

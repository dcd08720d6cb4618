"""A pytest plugin for mutation runs: the quickest tests first. mutmut stops at a mutant's
first failing test, so a mutant some fast test kills is not kept waiting behind slow ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STATS = Path("mutmut-stats.json")  # mutmut's per-test durations, in its working directory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Read at every run: the first (the one that measures) finds no file yet.
    durations = json.loads(STATS.read_text()).get("duration_by_test", {}) \
        if STATS.exists() else {}
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))

"""The text `opsledger new release` writes for a person to replace: the default title and
version, and the template's sample prose. A release still holding any of it is a skeleton,
which cannot leave draft. The prose is read from the template itself, so the two never
drift apart; which fields hold prose is listed here."""

from __future__ import annotations

import functools
from collections import defaultdict
from importlib import resources
from typing import Any

from opsledger.fieldpath import dotted
from opsledger.lifecycle import Kind
from opsledger.loader import Key, load, walk

VERSION = "0.0.0"
# The template's fields holding sample prose (a list's items are matched whichever their
# place, so a placeholder kept beside real entries is still found).
PROSE: tuple[Key, ...] = (
    ("summary",), ("changes", 0), ("testing", "summary"), ("testing", "evidence", 0),
    ("rollback", "trigger"), ("rollback", "steps", 0), ("emergency_response", "communication"),
    ("emergency_response", "abort_criteria", 0))


def default_title(kind: Kind) -> str:
    return f"New {kind}"


def template(kind: Kind) -> str:
    return resources.files("opsledger").joinpath(f"templates/{kind}.yaml").read_text()


@functools.cache
def release_placeholders() -> dict[Key, object]:
    """(field with list items at 0) -> the placeholder `new release` writes there."""
    sample = template("release").format_map(defaultdict(lambda: "x"))
    data = load("release.yaml", sample.encode("utf-8")).data
    found: dict[Key, object] = {("title",): default_title("release"), ("version",): VERSION}
    found.update((key, value) for key, value in walk(data) if key in PROSE)
    return found


def left_in(data: dict[str, Any]) -> list[str]:
    """The fields of a release that still hold a placeholder, in file order."""
    wanted = release_placeholders()
    return [dotted(key) for key, value in walk(data)
            if isinstance(value, str) and wanted.get(_first_items(key)) == value]


def _first_items(key: Key) -> Key:
    return tuple(0 if isinstance(part, int) else part for part in key)

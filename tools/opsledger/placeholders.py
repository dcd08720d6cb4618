"""The text `opsledger new release|incident` writes for a person to replace: the default
title (and a release's version), and the template's sample prose. A record still holding any
of it is a skeleton, which cannot leave the state it was written in (a release draft, an
incident triage) but to be given up. The prose is read from the template itself, so the two
never drift apart; which fields hold prose is listed here."""

from __future__ import annotations

import functools
from collections import defaultdict
from importlib import resources
from typing import Any

from opsledger.fieldpath import dotted
from opsledger.lifecycle import Kind
from opsledger.loader import Key, load, walk

VERSION = "0.0.0"
# Each template's fields holding sample prose (a list's items are matched whichever their
# place, so a placeholder kept beside real entries is still found).
PROSE: dict[Kind, tuple[Key, ...]] = {
    "release": (
        ("summary",), ("changes", 0), ("testing", "summary"), ("testing", "evidence", 0),
        ("rollback", "trigger"), ("rollback", "steps", 0),
        ("emergency_response", "communication"), ("emergency_response", "abort_criteria", 0)),
    "incident": (("summary",), ("impact", "summary")),
}
# The state `new` writes a record in, and the steps out of it that give the record up
# rather than take it on: those may leave the placeholders where they are.
WRITTEN_IN: dict[Kind, str] = {"release": "draft", "incident": "triage"}
GIVEN_UP: dict[Kind, tuple[str, ...]] = {"release": ("cancelled",),
                                         "incident": ("declined", "cancelled", "merged")}


def default_title(kind: Kind) -> str:
    return f"New {kind}"


def template(kind: Kind) -> str:
    return resources.files("opsledger").joinpath(f"templates/{kind}.yaml").read_text()


@functools.cache
def skeleton_placeholders(kind: Kind) -> dict[Key, object]:
    """(field with list items at 0) -> the placeholder `new` writes there."""
    sample = template(kind).format_map(defaultdict(lambda: "x"))
    data = load(f"{kind}.yaml", sample.encode("utf-8")).data
    found: dict[Key, object] = {("title",): default_title(kind)}
    if kind == "release":
        found[("version",)] = VERSION
    found.update((key, value) for key, value in walk(data) if key in PROSE[kind])
    return found


def leaves_skeleton(kind: Kind, old: str, new: str) -> bool:
    """This step takes a record out of the state `new` wrote it in, and not to give it up."""
    return old == WRITTEN_IN[kind] and new != old and new not in GIVEN_UP[kind]


def left_in(data: dict[str, Any], kind: Kind) -> list[str]:
    """The fields of a record that still hold a placeholder, in file order."""
    wanted = skeleton_placeholders(kind)
    return [dotted(key) for key, value in walk(data)
            if isinstance(value, str) and wanted.get(_first_items(key)) == value]


def _first_items(key: Key) -> Key:
    return tuple(0 if isinstance(part, int) else part for part in key)

"""English for counts and kinds in messages: "1 record", "2 records", "an incident", and
"did you mean" for a mistyped name."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def unknown(what: str, value: str, choices: Sequence[str]) -> str:
    """E.g. "unknown state 'submited'; did you mean submitted? (one of: ...)"."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown {what} {value!r}{hint} (one of: {', '.join(choices)})"

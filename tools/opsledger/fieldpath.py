"""Dotted field paths ("impact.services.0"): reading a value at one and naming one."""

from __future__ import annotations

from typing import Any

from opsledger.loader import Key


def get(data: Any, key: Key) -> Any:
    """The value at key, or None where any step is missing or of the wrong type."""
    for part in key:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def parse(dotted_path: str) -> Key:
    return tuple(int(part) if part.isdigit() else part for part in dotted_path.split("."))


def dotted(key: Key) -> str:
    return ".".join(str(part) for part in key)

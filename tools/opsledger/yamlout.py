"""Writing new small YAML files (sign-offs) whose every scalar is quoted safely."""

from __future__ import annotations

import json
from typing import Any


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    # JSON strings are valid YAML double-quoted scalars, escapes included.
    return json.dumps(str(value), ensure_ascii=True)


def mapping(data: dict[str, Any], indent: str = "") -> str:
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(mapping(value, indent + "  "))
        elif isinstance(value, str) and "\n" in value and value.endswith("\n"):
            body = "".join(f"{indent}  {line}\n" for line in value.splitlines())
            lines.append(f"{indent}{key}: |\n{body.rstrip(chr(10))}")
        else:
            lines.append(f"{indent}{key}: {scalar(value)}")
    return "\n".join(lines)

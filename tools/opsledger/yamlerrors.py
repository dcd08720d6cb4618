"""YAML mistakes in the user's terms, each with the fix. The parser reports where it gave up
(an unclosed quote at the end of the file, `key: text: more` as "mapping values are not
allowed"); a person needs where the mistake is and what to type. `loader` calls these only
once a file has failed, so none of this costs anything on the happy path. PyYAML stays
imported by `loader` alone: the parser's error is passed in as plain values, and its events
are told apart by their class names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

Key = tuple[str | int, ...]


class At(NamedTuple):
    """A parser mark: 0-based line and column."""
    line: int
    column: int


def explain(text: str, context: str | None, opened: At | None, problem: str | None,
            at: At | None) -> tuple[int, int, str]:
    """(line, column, message), 1-based, for a parser error: what the parser was doing and
    where it started (`context`, `opened`), what it found and where (`problem`, `at`)."""
    lines = text.split("\n")
    context, problem = context or "", problem or ""
    at = at or opened
    line, col = (at.line + 1, at.column + 1) if at else (1, 1)
    if context.startswith("while scanning a quoted scalar") and opened is not None:
        quote = _char(lines, opened.line, opened.column) or '"'
        return (opened.line + 1, opened.column + 1,
                f"the {quote} opened here is never closed (the parser reached line {line} "
                f"still inside it): add the closing {quote} where the value ends")
    unclosed = _unclosed_quote(lines, line)
    if unclosed is not None:  # the quote ran on until a later quote closed it, or to the end
        number, column, quote = unclosed
        return (number, column, f"the {quote} opened here is not closed on its line, so the "
                f"value runs on (the parser stopped at line {line}): add the closing {quote}")
    if problem.startswith("mapping values are not allowed"):
        return line, col, _colon_in_value(lines, line)
    if problem.startswith("did not find expected key") and opened is not None:
        return line, col, _misaligned(lines, line, opened.column + 1, opened.line + 1)
    reason = problem or context or "unreadable YAML"
    if "\t" in _line(lines, line)[:col]:
        reason += " (a tab: indent with spaces)"
    return line, col, reason


# `key: "text` or `- 'text` with no closing quote on the line.
_OPEN_QUOTE = re.compile(r"""^\s*(?:- +)?(?:[^:#"'\s][^:#]*:\s+)?(["'])(?!.*\1)""")


def _unclosed_quote(lines: list[str], before: int) -> tuple[int, int, str] | None:
    """The first line up to `before` that opens a quoted value it does not close."""
    for number, text in enumerate(lines[:before], start=1):
        found = _OPEN_QUOTE.match(text)
        if found:
            return number, found.start(1) + 1, found.group(1)
    return None


def _colon_in_value(lines: list[str], line: int) -> str:
    here = _line(lines, line)
    above = _previous_content_line(lines, line)
    if above is not None and _indent(here) > _indent(lines[above - 1]) and \
            re.match(r"\s*(- )?[^:#]+:\s*\S", lines[above - 1]):
        return (f"this line is indented more than the line above it (line {above}), so it "
                f"continues that value: indent it like the keys beside it "
                f"({_indent(lines[above - 1])} spaces)")
    found = re.match(r"(\s*(?:- )?)([^:#]+):\s+(.*)$", here)
    if found:
        start, key, value = found.groups()
        value = value.strip().replace("\\", "\\\\").replace('"', '\\"')
        dash = "- " if start.strip() else ""
        return (f"the value of {key.strip()!r} contains `: `; quote the whole value: "
                f"{dash}{key.strip()}: \"{value}\"")
    return "`: ` inside a value: put the whole value in quotes"


def _misaligned(lines: list[str], line: int, column: int, mapping_line: int) -> str:
    spaces = _indent(_line(lines, line))
    expected = column - 1
    direction = "more" if spaces > expected else "less"
    return (f"this line is indented {abs(spaces - expected)} space(s) {direction} than the "
            f"keys of its mapping (from line {mapping_line}, {expected} spaces): indent it "
            f"with {expected} spaces, or nest it under a key that ends with `:`")


def duplicate(events: Iterable[Any], text: str, parent: Key, name: str, line: int,
              previous: str | None) -> str:
    """The message for a key written twice in one mapping; `previous` is the key before the
    repeat. A nested key dedented by mistake lands in its parent's mapping, where it may
    repeat a key: the hint names the mapping it probably belongs in."""
    lines = key_lines(events)
    first = lines.get((*parent, name))
    where = f" (first at line {first})" if first is not None and first != line else ""
    message = (f"duplicate key {name!r}{where}: a reader sees one value and the tool "
               "another; keep one")
    sibling = lines.get((*parent, previous)) if previous is not None else None
    if previous is not None and sibling is not None and _opens_block(text, sibling):
        message += (f", or if it belongs under {previous!r} (line {sibling}), indent it like "
                    "the keys there")
    return message


def became_mapping(instance: Any) -> str | None:
    """A list item like `- Also: new model` is parsed as a one-key mapping."""
    if isinstance(instance, dict) and len(instance) == 1:
        [(key, value)] = instance.items()
        if isinstance(value, str | int | float | bool) or value is None:
            shown = f"{key}: {'' if value is None else value}".strip()
            return (f"this item became a mapping because of the `: ` in it; quote it: "
                    f"- \"{shown}\"")
    return None


def key_lines(events: Iterable[Any]) -> dict[Key, int]:
    """The 1-based line of every mapping key, by its path (first occurrence wins), from the
    parser's events. Stops quietly where the events stop (at the error)."""
    found: dict[Key, int] = {}
    stack: list[tuple[Key, bool, list[Any]]] = []  # (path, is_mapping, [next key or index])
    try:
        for event in events:
            kind = type(event).__name__
            if kind in ("MappingEndEvent", "SequenceEndEvent"):
                stack.pop()
                _advance(stack)
            elif kind in ("ScalarEvent", "MappingStartEvent", "SequenceStartEvent",
                          "AliasEvent"):
                _node(stack, found, event, kind)
    except Exception:  # the parser's own error, which the caller reports: keep what was read
        pass
    return found


def _node(stack: list[tuple[Key, bool, list[Any]]], found: dict[Key, int], event: Any,
          kind: str) -> None:
    if stack and stack[-1][1] and stack[-1][2][0] is None:  # a mapping key
        path = (*stack[-1][0], event.value if kind == "ScalarEvent" else "?")
        found.setdefault(path, event.start_mark.line + 1)
        stack[-1][2][0] = path[-1]
        return
    path = (*stack[-1][0], stack[-1][2][0]) if stack else ()
    if kind in ("MappingStartEvent", "SequenceStartEvent"):
        is_map = kind == "MappingStartEvent"
        stack.append((path, is_map, [None if is_map else 0]))
    else:
        _advance(stack)


def _advance(stack: list[tuple[Key, bool, list[Any]]]) -> None:
    if stack:
        _, is_map, slot = stack[-1]
        slot[0] = None if is_map else slot[0] + 1


def _opens_block(text: str, line: int) -> bool:
    return bool(re.match(r"\s*(- )?[^:#]+:\s*(#.*)?$", _line(text.split("\n"), line)))


def _previous_content_line(lines: list[str], line: int) -> int | None:
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _line(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _char(lines: list[str], line: int, col: int) -> str:
    text = _line(lines, line + 1)
    return text[col] if col < len(text) else ""

"""The one escape for text bound for a terminal, a log or a CI annotation: anything that
could move the cursor, recolour, hide or reorder text is shown as an escape sequence."""

from __future__ import annotations


def safe(text: str) -> str:
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)

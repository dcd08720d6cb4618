"""The one escape for text bound for a terminal, a log or a CI annotation: anything that
could move the cursor, recolour, hide or reorder text is shown as an escape sequence; and,
on top of it, the one for text bound for Markdown (a pull request's job summary)."""

from __future__ import annotations


def safe(text: str) -> str:
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


# Each of these can start markup in GitHub-flavoured Markdown (a tag, an entity, a table cell,
# a code span, a link or image, emphasis, strikethrough, math, a heading's closing `#`s); and
# `\` itself, or a value could escape the markup around it.
_MARKDOWN = {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "`": "\\`",
             "[": "\\[", "]": "\\]", "*": "\\*", "_": "\\_", "~": "\\~", "$": "\\$",
             "#": "\\#"}


def markdown(text: str) -> str:
    """`text` as literal characters in GitHub-flavoured Markdown, on one line (a newline
    shows as `\\n`), also inside a table cell. Never put the result in a code span: there a
    backslash is literal."""
    return "".join(_MARKDOWN.get(char, char) for char in safe(text))

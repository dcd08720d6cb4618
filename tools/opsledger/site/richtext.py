"""Contributor Markdown to safe HTML. The only module using markdown-it-py.

CommonMark with tables. Raw HTML is not interpreted (it stays visible as text), no plugin
that reads attributes, files or templates is loaded, headings are demoted so text cannot
pose as a section of the page, and the result goes through the sanitiser.

markdown-it parses in time linear in its input, but pure Python spends up to ~100
microseconds on each line, markup character or table cell: a 256 KiB file of `[`, of short
lines or of wide tables would still hold up a build for many seconds. Past a budget of such
work (ten times what a long postmortem needs; about a second), the text is shown as written.

markdown-it takes a lone carriage return for a line break too: line endings are made `\n`
first (`_unix`), so the estimate counts the lines markdown-it will see.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt

from opsledger.site.sanitize import clean

_HEADING = re.compile(r"<(/?)h([1-6])\b")
# The table renderer's alignment (the only style markdown-it writes: raw HTML is off, so
# record text cannot produce it) as the attribute the sanitiser keeps.
_ALIGN = re.compile(r' style="text-align:(left|center|right)"')
# Text that no Markdown rule can touch: escaping it is all rendering would do. Most
# timeline events and list items are such one-liners.
_PLAIN = re.compile(r"[A-Za-z\u00a0-\uffff]"
                    r"[A-Za-z0-9 ,.;:?'()/%@=+\-\u00a0-\uffff]*[A-Za-z0-9.?)%]?")
# What Markdown work grows with: lines (each may open blocks) and the characters that
# start inline rules. Runs of other text cost one regex step each.
_COSTLY = "\n[]!*_`<>&\\|#-+"
BUDGET = 10_000


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html_inline does nothing with raw HTML off; skipping it spares a call per `<`.
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("html_inline")


def _demote(match: re.Match[str]) -> str:
    # Below the page's own h2 sections, with no level skipped (a postmortem's h1 is an h3).
    return f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}"


_LINE_BREAK = re.compile(r"\r\n?")


def _unix(text: str) -> str:
    """`\r\n` and a lone `\r` as `\n`: the line breaks markdown-it itself recognises."""
    return _LINE_BREAK.sub("\n", text) if "\r" in text else text


def _cost(text: str) -> int:
    """An upper bound of markdown-it's work. Table rows count their cells too: each row is
    padded to the header's width, however little of it is written."""
    cost = sum(text.count(char) for char in _COSTLY)
    width = 0  # of the table a line may belong to: a delimiter row (`|---|`) starts one
    for line in text.split("\n"):
        if not line.strip():
            width = 0
            continue
        cost += width
        if "|" in line and "-" in line:
            width = max(width, line.count("|") + 1)
    return cost


_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*")
_FENCE = re.compile(r" {0,3}(```|~~~)")


def replace_section(text: str, titles: tuple[str, ...], replacement: str) -> tuple[str, bool]:
    """The text with the section under a heading named one of `titles` (any case) replaced,
    up to the next heading of the same or a higher level; and whether there was one. Used
    where the page shows that section from structured data instead."""
    lines, out, level, fenced, found = _unix(text).split("\n"), [], 0, False, False
    wanted = {t.casefold() for t in titles}
    for line in lines:
        fenced ^= bool(_FENCE.match(line))
        heading = None if fenced else _ATX.fullmatch(line)
        if heading and level and len(heading.group(1)) <= level:
            level = 0
        if heading and not level and heading.group(2).strip().casefold() in wanted:
            level, found = len(heading.group(1)), True
            out += [line, "", replacement, ""]
        elif not level:
            out.append(line)
    return "\n".join(out), found


def render(text: object) -> str:
    """Block Markdown (paragraphs, lists, tables, code) as sanitised HTML."""
    if text is None:
        return ""
    text = _unix(str(text))
    if _PLAIN.fullmatch(text) and "  " not in text:
        return f"<p>{html.escape(text, quote=False)}</p>"
    if _cost(text) > BUDGET:
        return f"<pre>{html.escape(text, quote=False)}</pre>"
    converted = _ALIGN.sub(r' align="\1"', _renderer().render(text).rstrip("\n"))
    return clean(_HEADING.sub(_demote, converted))


def render_inline(text: object) -> str:
    """One line of Markdown (a timeline event, a list item) without the paragraph."""
    html = render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html

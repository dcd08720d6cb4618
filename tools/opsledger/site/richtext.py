"""Contributor Markdown to safe HTML. The only module using Python-Markdown.

Raw HTML is not interpreted (it stays visible as text), no extension that reads attributes,
files or templates is loaded (no attr_list, md_in_html, snippets), headings are demoted so
text cannot pose as a section of the page, and the result goes through the sanitiser.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown

from opsledger.site.sanitize import clean

_HEADING = re.compile(r"<(/?)h([1-6])\b")
# Text that no Markdown rule can touch: escaping it is all rendering would do. Most
# timeline events and list items are such one-liners, and Markdown is the costly part.
_PLAIN = re.compile(r"[A-Za-z\u00a0-\uffff]"
                    r"[A-Za-z0-9 ,.;:?'()/%@=+\-\u00a0-\uffff]*[A-Za-z0-9.?)%]?")


@lru_cache(maxsize=1)
def _renderer() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"],
                           output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _demote(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{min(int(match.group(2)) + 3, 6)}"


def render(text: object) -> str:
    """Block Markdown (paragraphs, lists, tables, code) as sanitised HTML."""
    if text is None:
        return ""
    text = str(text)
    if _PLAIN.fullmatch(text) and "  " not in text:
        return f"<p>{html.escape(text, quote=False)}</p>"
    md = _renderer()
    md.reset()
    return clean(_HEADING.sub(_demote, md.convert(str(text))))


def render_inline(text: object) -> str:
    """One line of Markdown (a timeline event, a list item) without the paragraph."""
    html = render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html

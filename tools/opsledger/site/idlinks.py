"""Record ids written in record text (`REL-2026-0002`) as links to their pages.

Works on the sanitised HTML: only text outside tags, links and code is touched, and only ids
the site has a page for become links, so the result is as safe as its input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from opsledger import ids

_TAG = re.compile(r"(<[^>]*>)")
_ID = re.compile(rf"\b{ids.RECORD_ID.pattern}\b")
_OPAQUE = ("a", "code", "pre")  # text inside these is left as written


def link_ids(html: str, known: Container[str], link: Callable[[str], str]) -> str:
    if not _ID.search(html):
        return html
    out, depth = [], 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            depth += _nesting(part)
            out.append(part)
        elif depth == 0:
            out.append(_ID.sub(lambda m: _anchor(m.group(0), known, link), part))
        else:
            out.append(part)
    return "".join(out)


def _nesting(tag: str) -> int:
    name = tag.strip("</>").split(None, 1)[0].lower() if tag.strip("</>") else ""
    if name not in _OPAQUE:
        return 0
    return -1 if tag.startswith("</") else 1


def _anchor(record_id: str, known: Container[str], link: Callable[[str], str]) -> str:
    if record_id not in known:
        return record_id
    return f'<a href="{link(ids.page_path(record_id))}" class="ol-ref">{record_id}</a>'

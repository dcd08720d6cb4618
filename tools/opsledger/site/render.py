"""HTML for the generated pages, from package templates. The only module using Jinja2.

Autoescaping is on for every template, and templates come only from this package: a value
from a record is always data, never template source, so `{{ }}` in a title stays literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from opsledger.site import richtext
from opsledger.site.sanitize import is_safe_url

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(value: object) -> str:
    """A CSS class suffix from a value: only [a-z0-9-] survives."""
    return _SLUG.sub("-", str(value).lower()).strip("-")[:40] or "unknown"


def when(value: object) -> str:
    """2026-06-16T06:26:00+00:00 -> 2026-06-16 06:26 +00:00 (and anything else as is)."""
    text = str(value or "")
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)",
                         text)
    if not match:
        return text
    offset = "UTC" if match.group(3) == "Z" else match.group(3)
    return f"{match.group(1)} {match.group(2)} {offset}"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("opsledger.site", "templates"),
                             autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = lambda text: Markup(richtext.render(text))
    env.filters["mdi"] = lambda text: Markup(richtext.render_inline(text))
    env.filters["slug"] = slug
    env.filters["when"] = when
    env.tests["safe_url"] = lambda url: isinstance(url, str) and is_safe_url(url)
    return env


def render(template: str, labels: dict[str, str], link: Callable[[str], str],
           **context: Any) -> str:
    """`link(target)` turns a site path ("incidents/INC-2026-0001") into a relative URL
    from the page being rendered."""
    return _environment().get_template(template).render(L=labels, link=link, **context)

"""HTML for the generated pages, from package templates. The only module using Jinja2.

Autoescaping is on for every template, and templates come only from this package: a value
from a record is always data, never template source, so `{{ }}` in a title stays literal.
Each template lays out one typed view model (`page`); an attribute the model lacks is an
error, never a blank, so a template and its view cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from opsledger.site import richtext
from opsledger.site.idlinks import link_ids

Linker = Callable[[str], str]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("opsledger.site", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = _linked(richtext.render)
    env.filters["mdi"] = _linked(richtext.render_inline)
    return env


def _linked(convert: Callable[[object], str]) -> Callable[..., Markup]:
    """A Markdown filter whose record ids link to their pages, relative to this page."""
    @jinja2.pass_context
    def markdown(context: Any, text: object) -> Markup:
        return Markup(link_ids(convert(text), context["known"], context["link"]))
    return markdown


def render(template: str, labels: Mapping[str, str], link: Linker, page: object,
           known: Collection[str] = frozenset()) -> str:
    """`link(target)` turns a site path ("incidents/INC-2026-0001") into a relative URL
    from the page being rendered; `L` holds the page labels of the site's language; ids in
    `known` (records with a page) become links where record text names them."""
    return _environment().get_template(template).render(L=labels, link=link, page=page,
                                                        known=known)

"""The second layer of defence for contributor text: an allow-list HTML sanitiser.
The only module using nh3."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

# No images, iframes or styles: an <img src> to another host would leak the reader's visit
# and break the offline promise; classes are dropped so text cannot borrow our badges.
TAGS = {"p", "br", "strong", "em", "b", "i", "code", "pre", "ul", "ol", "li", "blockquote",
        "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "del",
        "span"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
SCHEMES = {"http", "https", "mailto"}


def clean(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


def is_safe_url(url: str) -> bool:
    """For links we build ourselves (test evidence): absolute http(s)/mailto only."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    return urlsplit(url).scheme.lower() in SCHEMES

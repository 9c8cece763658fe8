"""Markdown -> sanitized HTML, shared by the pages and the feeds.

Editors write CommonMark and may mix in raw HTML; markdown-it-py renders it (raw HTML
passes through), then nh3 keeps only harmless tags and attributes: no script, no event
handlers, no `javascript:` or other non-web links. Sanitizing after rendering is what
makes it safe, whatever the Markdown produced.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": True})

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_LINK_REL = "noopener noreferrer nofollow"


def markdown_html(text: str) -> str:
    """The body as HTML that is safe to put into a page or a feed as is."""
    if not text:
        return ""
    return nh3.clean(_MARKDOWN.render(text), url_schemes=_URL_SCHEMES, link_rel=_LINK_REL)


def sanitize_html(html: str) -> str:
    """Clean HTML from elsewhere with the same rules as rendered Markdown."""
    return nh3.clean(html, url_schemes=_URL_SCHEMES, link_rel=_LINK_REL)


class Cache:
    """Rendered bodies by (article id, version, language), so Markdown runs once per edit.

    The version changes with every editorial write, so an entry is never stale; the
    oldest entries go first once `size` is reached.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: dict[tuple[int, int, str], str] = {}

    def html(self, key: tuple[int, int, str], text: str) -> str:
        found = self._items.get(key)
        if found is None:
            if len(self._items) >= self._size:
                del self._items[next(iter(self._items))]
            found = self._items[key] = markdown_html(text)
        return found

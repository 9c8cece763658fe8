"""Markdown -> sanitized HTML, shared by the pages and the feeds.

Editors write CommonMark and may mix in raw HTML; markdown-it-py renders it (raw HTML
passes through), then nh3 keeps only harmless tags and attributes: no script, no event
handlers, no `javascript:` or other non-web links. Sanitizing after rendering is what
makes it safe, whatever the Markdown produced.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

from newsfeed.model import Translation

_MARKDOWN = MarkdownIt("commonmark", {"html": True})

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_LINK_REL = "noopener noreferrer nofollow"


def markdown_html(text: str) -> str:
    """The body as HTML that is safe to put into a page or a feed as is."""
    if not text:
        return ""
    return nh3.clean(_MARKDOWN.render(text), url_schemes=_URL_SCHEMES, link_rel=_LINK_REL)


def body(text: Translation) -> str:
    """A text's body as safe HTML: stored at write time; rendered now only for a text
    stored before that column existed and not yet filled (see bodies.py)."""
    return text.body_html if text.body_html is not None else markdown_html(text.body)

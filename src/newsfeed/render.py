"""Markdown -> sanitized HTML, shared by the pages and the feeds.

Editors write CommonMark and may mix in raw HTML; markdown-it-py renders it (raw HTML
passes through), then nh3 keeps only harmless tags and attributes: no script, no event
handlers, no `javascript:` or other non-web links. Sanitizing after rendering is what
makes it safe, whatever the Markdown produced.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from newsfeed.model import Translation

_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s/>])", re.IGNORECASE)


def _lower(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{min(int(match.group(2)) + 1, 6)}"


def _shift_headings(state: StateCore) -> None:
    """Body headings start at <h2>: the page's title is its one <h1>. Markdown headings
    (`# x`) and raw HTML ones (`<h1>`) both go one level down (h6 stays h6)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type == "html_block":
            token.content = _HEADING_TAG.sub(_lower, token.content)
        for child in token.children or ():
            if child.type == "html_inline":
                child.content = _HEADING_TAG.sub(_lower, child.content)


_MARKDOWN = MarkdownIt("commonmark", {"html": True})
_MARKDOWN.core.ruler.push("shift_headings", _shift_headings)

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

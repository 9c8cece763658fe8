"""Search terms and their highlighting; the matching itself is the store's.

Every term must match (AND), as a substring, so Korean words match inside compounds
(재생의학 in 첨단재생의학). Highlighting happens here, on escaped text, so a page can show
it as is.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from newsfeed.model import SearchHit
from newsfeed.validation import FORBIDDEN_RE

MAX_TERMS = 8
MAX_TERM_LENGTH = 100


def terms(query: str) -> list[str]:
    """The distinct words of a query, NFC like the stored text, bounded in number and size.

    A query holding a character no stored text can hold (validation refuses them: NUL,
    other controls, lone surrogates) can match nothing, so it has no words and never
    reaches the store (PostgreSQL would refuse the NUL).
    """
    found: list[str] = []
    for word in unicodedata.normalize("NFC", query).split():
        if FORBIDDEN_RE.search(word):
            return []
        word = word[:MAX_TERM_LENGTH]
        if word.casefold() not in (t.casefold() for t in found):
            found.append(word)
    return found[:MAX_TERMS]


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    ordered = sorted(words, key=len, reverse=True)  # longest first wins an overlap
    return re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)


def highlight(text: str, words: list[str]) -> Markup:
    """`text` escaped, with every occurrence of the words wrapped in <mark>."""
    pattern = _pattern(words)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def excerpt(hit: SearchHit, words: list[str], width: int = 160) -> Markup:
    """A highlighted piece of the summary, or of the body around its first match."""
    pattern = _pattern(words)
    source = hit.summary
    if pattern is not None and not pattern.search(hit.summary):
        body = " ".join(re.sub(r"[#*_`>\[\]]+", " ", hit.body).split())
        found = pattern.search(body)
        if found is not None:
            start = max(0, found.start() - width // 3)
            piece = body[start : start + width]
            source = ("… " if start else "") + piece + (" …" if start + width < len(body) else "")
    elif len(source) > width * 2:
        source = source[: width * 2] + " …"
    return highlight(source, words)

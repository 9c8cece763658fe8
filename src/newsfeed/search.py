"""Full-text search over one language's titles, summaries and bodies (SQL + highlighting).

The index (`search_texts`, migration 2) uses SQLite's trigram tokenizer, so any run of
3+ characters matches inside words, which Korean needs. Trigrams cannot match a shorter
term, so terms of 1-2 characters become LIKE conditions on the same table instead.
Every term must match (AND). Highlighting happens here, on escaped text, so a page can
show it as is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite
from markupsafe import Markup, escape

from newsfeed.model import to_us, utcnow
from newsfeed.store.sqlite.schema import BUSY_TIMEOUT_MS

MAX_TERMS = 8
MAX_TERM_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    title: str
    summary: str
    body: str
    published_at: str
    hits: int

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)


def terms(query: str) -> list[str]:
    """The distinct words of a query, NFC like the stored text, bounded in number and size."""
    found: list[str] = []
    for word in unicodedata.normalize("NFC", query).split():
        word = word[:MAX_TERM_LENGTH]
        if word.casefold() not in (t.casefold() for t in found):
            found.append(word)
    return found[:MAX_TERMS]


def _like(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


class Index:
    """Searches on a connection of their own: a search matching most of 100,000 articles
    takes a while to sort, and must not hold up the board and article pages meanwhile."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @classmethod
    async def open(cls, path: Path) -> Index:
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA query_only=ON")
        return cls(conn)

    async def close(self) -> None:
        await self._conn.close()

    async def search(
        self,
        lang: str,
        words: list[str],
        *,
        offset: int = 0,
        limit: int = 20,
        now: datetime | None = None,
    ) -> tuple[list[Hit], bool, int | None]:
        """Public articles whose `lang` text holds every word, newest first; whether there
        are more; and when the next scheduled article becomes public (it may match)."""
        now_us = to_us(now or utcnow())
        async with self._conn.execute(
            "SELECT min(published_us) FROM articles WHERE status = 'published' "
            "AND published_us > ?",
            (now_us,),
        ) as cur:
            row = await cur.fetchone()
        due_us = None if row is None else row[0]
        if not words:
            return [], False, due_us
        clauses = ["search_texts.lang = ?", "a.status = 'published'", "a.published_us <= ?"]
        params: list[object] = [lang, now_us]
        long = [w for w in words if len(w) >= 3]
        if long:
            clauses.append("search_texts MATCH ?")
            params.append(" ".join('"' + w.replace('"', '""') + '"' for w in long))
        for word in words:
            if len(word) < 3:
                clauses.append(
                    "(search_texts.title LIKE ? ESCAPE '\\' OR search_texts.summary LIKE ? "
                    "ESCAPE '\\' OR search_texts.body LIKE ? ESCAPE '\\')"
                )
                params += [_like(word)] * 3
        sql = (
            "SELECT a.id, search_texts.title, search_texts.summary, search_texts.body, "
            "a.published_at, a.hits FROM search_texts JOIN articles a "
            f"ON a.id = search_texts.article_id WHERE {' AND '.join(clauses)} "
            "ORDER BY a.published_us DESC, a.id DESC LIMIT ? OFFSET ?"
        )
        async with self._conn.execute(sql, [*params, limit + 1, offset]) as cur:
            rows = list(await cur.fetchall())
        found = [Hit(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows[:limit]]
        return found, len(rows) > limit, due_us


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


def excerpt(hit: Hit, words: list[str], width: int = 160) -> Markup:
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

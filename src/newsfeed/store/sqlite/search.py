"""SQLite full-text search: FTS5 with the trigram tokenizer, LIKE for short terms.

The index (`search_texts`, migration 2) matches any run of 3+ characters inside words,
which Korean needs. Trigrams cannot match a shorter term, so terms of 1-2 characters
become LIKE conditions on the same table instead. Searches run on a connection of their
own: one matching most of 100,000 articles takes a while to sort, and must not hold up
the board and article pages meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from newsfeed.model import SearchHit, to_us


def like(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


async def search(
    conn: aiosqlite.Connection,
    lang: str,
    words: Sequence[str],
    *,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[SearchHit], bool]:
    if not words:
        return [], False
    clauses = ["search_texts.lang = ?", "a.status = 'published'", "a.published_us <= ?"]
    params: list[object] = [lang, to_us(now)]
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
            params += [like(word)] * 3
    rows = await conn.execute_fetchall(
        "SELECT a.id, search_texts.title, search_texts.summary, search_texts.body, "
        "a.published_at, a.hits FROM search_texts JOIN articles a "
        f"ON a.id = search_texts.article_id WHERE {' AND '.join(clauses)} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, limit + 1, offset],
    )
    rows = list(rows)
    found = [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows[:limit]]
    return found, len(rows) > limit

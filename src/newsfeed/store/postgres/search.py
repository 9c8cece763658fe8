"""PostgreSQL search: substrings of any length, Korean included, every term required.

Two columns per text, written with it (`columns`), make every term an index lookup:

- `search_text`, the title, summary and body lowercased and joined by newlines, under a
  pg_trgm GIN index: a term of 3+ characters is `search_text LIKE '%term%'` (pg_trgm
  indexes Hangul when the database's LC_CTYPE is UTF-8, which `schema.check_korean`
  makes sure of). A term holds no whitespace (the app splits queries on it), so it
  cannot match across the newline between two fields, like SQLite's per-column index.
- `pieces`, the distinct 1- and 2-character pieces of that text (whitespace left out:
  no term holds any), under a GIN index: trigrams cannot find `협약` or `협`, and a
  `LIKE` without them reads every text (~1 s for 20,000); `pieces @> ARRAY['협약']`
  is exact and indexed.

Lowercasing is Python's `str.lower()`, on the stored text and on the terms alike, so the
two always agree: matching is case-insensitive (SQLite's trigram index folds case too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from newsfeed.model import SearchHit, to_us
from newsfeed.store.postgres.connect import Conn

SHORT = 2  # terms this long or shorter are found by `pieces`, longer ones by trigrams
_SPACE = frozenset(" \t\n\r\f\v")


def columns(title: str, summary: str, body: str) -> tuple[str, list[str]]:
    """(`search_text`, `pieces`) of one text: what every write of a text stores with it."""
    text = f"{title}\n{summary}\n{body}".lower()
    pieces = set(text)
    pieces.update(text[i : i + 2] for i in range(len(text) - 1))
    return text, sorted(p for p in pieces if _SPACE.isdisjoint(p))


def like(term: str) -> str:
    """A LIKE pattern matching `term` anywhere (PostgreSQL's default escape is `\\`)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


async def search(
    conn: Conn,
    lang: str,
    words: Sequence[str],
    *,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[SearchHit], bool]:
    """Public texts in `lang` holding every word, newest first; and whether there are more."""
    if not words:
        return [], False
    params: list[object] = [lang, to_us(now)]
    clauses = ["t.lang = $1", "a.status = 'published'", "a.published_us <= $2"]
    short: list[str] = []
    for word in words:
        lowered = word.lower()
        if not lowered:
            continue  # matches every text, as in SQLite's LIKE '%%'
        if len(lowered) <= SHORT:
            short.append(lowered)
        else:
            params.append(like(lowered))
            clauses.append(f"t.search_text LIKE ${len(params)}")
    if short:
        params.append(short)
        clauses.append(f"t.pieces @> ${len(params)}::text[]")
    params += [limit + 1, offset]
    rows = await conn.fetch(
        "SELECT a.id, t.title, t.summary, t.body, a.published_at, a.hits "
        "FROM translations t JOIN articles a ON a.id = t.article_id "
        f"WHERE {' AND '.join(clauses)} "
        f"ORDER BY a.published_us DESC, a.id DESC LIMIT ${len(params) - 1} OFFSET ${len(params)}",
        *params,
    )
    found = [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows[:limit]]
    return found, len(rows) > limit

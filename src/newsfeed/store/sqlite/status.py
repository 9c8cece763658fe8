"""SQLite translation status board: every article with the state of one language's text."""

from __future__ import annotations

from typing import Any

import aiosqlite

from newsfeed.store.rows import status_row_of
from newsfeed.store.sqlite.reads import SOURCE_JOIN, STALE
from newsfeed.workflow import Position, StatusRow

# One row per article (public or not) in the category, with its `lang` text's state.
# A missing text's source_changed_at is the original's last major write (what a new
# translation would start from); the original's own is NULL.
_BOARD = f"""
WITH board AS (
    SELECT a.id, a.category, a.status, a.published_at, a.published_us, a.original_lang,
        a.hits, coalesce(o.title, '') AS title, t.version AS text_version, t.source_lang,
        t.source_version,
        CASE WHEN t.lang IS NULL THEN o.major_at
             WHEN t.source_lang IS NULL THEN NULL
             ELSE s.major_at END AS source_changed_at,
        CASE WHEN t.lang IS NULL THEN 'missing'
             WHEN {STALE} THEN 'stale'
             ELSE 'current' END AS state
    FROM articles a
    LEFT JOIN translations o ON o.article_id = a.id AND o.lang = a.original_lang
    LEFT JOIN translations t ON t.article_id = a.id AND t.lang = ?
    {SOURCE_JOIN}
    WHERE ? IS NULL OR a.category = ?
)
"""
_KEYS = {"newest": "published_us", "hits": "hits"}


async def board(
    conn: aiosqlite.Connection,
    lang: str,
    *,
    state: str | None,
    category: str | None,
    order: str,
    limit: int,
    after: Position | None,
) -> list[StatusRow]:
    params = list[Any]([lang, category, category, state, state])
    if after is not None:
        params += [after.key, after.key, after.id]
    rows = await conn.execute_fetchall(board_sql(order, after is not None), [*params, limit])
    return [status_row_of(r) for r in rows]


def board_sql(order: str, paged: bool) -> str:
    """A page of the board in `order`, past a position when `paged`. Both orders walk
    an index (articles_newest, articles_hits) and stop at the page's end."""
    key = _KEYS[order]  # never from a client: validated against workflow.ORDERS
    clauses = ["(? IS NULL OR state = ?)"]
    if paged:
        clauses.append(f"({key} < ? OR ({key} = ? AND id < ?))")
    return (
        f"{_BOARD} SELECT * FROM board WHERE {' AND '.join(clauses)} "
        f"ORDER BY {key} DESC, id DESC LIMIT ?"
    )


async def counts(conn: aiosqlite.Connection, lang: str, category: str | None) -> dict[str, int]:
    counted = await conn.execute_fetchall(
        f"{_BOARD} SELECT state, count(*) FROM board GROUP BY state", [lang, category, category]
    )
    found = {"missing": 0, "stale": 0, "current": 0}
    found.update({r[0]: r[1] for r in counted})
    return found

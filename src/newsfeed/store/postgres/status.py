"""PostgreSQL translation status board; as `store/sqlite/status.py`."""

from __future__ import annotations

from newsfeed.store.postgres.connect import Conn
from newsfeed.store.postgres.reads import SOURCE_JOIN, STALE
from newsfeed.store.rows import status_row_of
from newsfeed.workflow import Position, StatusRow

# One row per article (public or not) in the category, with its `lang` text's state.
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
    LEFT JOIN translations t ON t.article_id = a.id AND t.lang = $1
    {SOURCE_JOIN}
    WHERE $2::text IS NULL OR a.category = $2
)
"""
_KEYS = {"newest": "published_us", "hits": "hits"}


async def board(
    conn: Conn,
    lang: str,
    state: str | None,
    category: str | None,
    order: str,
    limit: int,
    after: Position | None,
) -> list[StatusRow]:
    key = _KEYS[order]  # never from a client: validated against workflow.ORDERS
    rows = await conn.fetch(
        f"{_BOARD} SELECT * FROM board WHERE ($3::text IS NULL OR state = $3) "
        f"AND ($4::bigint IS NULL OR ({key}, id) < ($4::bigint, $5::bigint)) "
        f"ORDER BY {key} DESC, id DESC LIMIT $6",
        lang,
        category,
        state,
        None if after is None else after.key,
        None if after is None else after.id,
        limit,
    )
    return [status_row_of(r) for r in rows]


async def counts(conn: Conn, lang: str, category: str | None) -> dict[str, int]:
    counted = await conn.fetch(
        f"{_BOARD} SELECT state, count(*) FROM board GROUP BY state", lang, category
    )
    found = {"missing": 0, "stale": 0, "current": 0}
    found.update({r[0]: int(r[1]) for r in counted})
    return found

"""SQLite reads for the month archives, their Last-Modified, and the sitemap."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from newsfeed.model import Article, SitemapRow, to_us
from newsfeed.store.sqlite.reads import (
    ARTICLE_COLUMNS,
    PUBLIC,
    from_us,
    scalar,
    with_translations,
)


async def last_changed_within(
    conn: aiosqlite.Connection, lang: str, start: datetime | None, end: datetime | None
) -> datetime | None:
    low = to_us(start) if start is not None else None
    high = to_us(end) if end is not None else None
    value = await scalar(
        conn,
        "SELECT max(changed_at) FROM changes WHERE visible = 1 "
        "AND instr(',' || langs || ',', ?) > 0 AND ("
        "(published_us >= coalesce(?, published_us) AND published_us < coalesce(?, "
        "published_us + 1)) OR (published_was_us >= coalesce(?, published_was_us) AND "
        "published_was_us < coalesce(?, published_was_us + 1)))",
        (f",{lang},", low, high, low, high),
    )
    return datetime.fromisoformat(value) if value else None


_HAS_TEXT = "EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = ?)"


async def public_between(
    conn: aiosqlite.Connection, lang: str, start: datetime, end: datetime | None, now: datetime
) -> list[Article]:
    rows = await conn.execute_fetchall(
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE {PUBLIC} AND a.published_us >= ? "
        f"AND a.published_us < coalesce(?, a.published_us + 1) AND {_HAS_TEXT} "
        "ORDER BY a.published_us DESC, a.id DESC",
        (to_us(now), to_us(start), None if end is None else to_us(end), lang),
    )
    return await with_translations(conn, rows)


async def public_edges(
    conn: aiosqlite.Connection, lang: str, start: datetime, end: datetime | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    rows = await conn.execute_fetchall(
        f"SELECT (SELECT max(a.published_us) FROM articles a WHERE {PUBLIC} "
        f"AND a.published_us < ? AND {_HAS_TEXT}), "
        f"(SELECT min(a.published_us) FROM articles a WHERE {PUBLIC} "
        f"AND a.published_us >= ? AND {_HAS_TEXT})",
        # a NULL end compares to nothing: no article after an open end
        (to_us(now), to_us(start), lang, to_us(now), None if end is None else to_us(end), lang),
    )
    before, after = next(iter(rows))
    return (
        None if before is None else from_us(before),
        None if after is None else from_us(after),
    )


async def sitemap_rows(conn: aiosqlite.Connection, now: datetime) -> list[SitemapRow]:
    found = await conn.execute_fetchall(
        "SELECT a.id, a.published_at, a.original_lang, t.lang, t.updated_at "
        f"FROM articles a JOIN translations t ON t.article_id = a.id WHERE {PUBLIC} "
        "ORDER BY a.id, t.lang",
        (to_us(now),),
    )
    rows: dict[int, SitemapRow] = {}
    for r in found:
        row = rows.get(r[0])
        if row is None:
            row = rows[r[0]] = SitemapRow(r[0], r[1], r[2], {})
        row.text_updated[r[3]] = r[4]
    return list(rows.values())

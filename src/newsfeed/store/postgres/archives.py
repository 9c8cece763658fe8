"""PostgreSQL reads for the month archives, their Last-Modified, and the sitemap: the
SQLite store's (`store/sqlite/archives.py`) in PostgreSQL's dialect."""

from __future__ import annotations

from datetime import datetime

from newsfeed.model import Article, SitemapRow, to_us
from newsfeed.store.postgres.connect import Conn
from newsfeed.store.postgres.reads import (
    ARTICLE_COLUMNS,
    LANG_ORDER,
    PUBLIC,
    from_us,
    with_translations,
)


async def last_changed_within(
    conn: Conn, lang: str, start: datetime | None, end: datetime | None
) -> datetime | None:
    value = await conn.fetchval(
        "SELECT max(changed_at) FROM changes WHERE visible = 1 "
        "AND strpos(',' || langs || ',', $1) > 0 AND ("
        "(published_us >= coalesce($2::bigint, published_us) "
        "AND published_us < coalesce($3::bigint, published_us + 1)) OR "
        "(published_was_us >= coalesce($2::bigint, published_was_us) "
        "AND published_was_us < coalesce($3::bigint, published_was_us + 1)))",
        f",{lang},",
        None if start is None else to_us(start),
        None if end is None else to_us(end),
    )
    return datetime.fromisoformat(value) if value else None


_HAS_TEXT = "EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = $2)"


async def public_between(
    conn: Conn, lang: str, start: datetime, end: datetime | None, now: datetime
) -> list[Article]:
    rows = await conn.fetch(
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE {PUBLIC} AND {_HAS_TEXT} "
        "AND a.published_us >= $3 AND a.published_us < coalesce($4::bigint, a.published_us + 1) "
        "ORDER BY a.published_us DESC, a.id DESC",
        to_us(now),
        lang,
        to_us(start),
        None if end is None else to_us(end),
    )
    return await with_translations(conn, rows)


async def public_edges(
    conn: Conn, lang: str, start: datetime, end: datetime | None, now: datetime
) -> tuple[datetime | None, datetime | None]:
    row = await conn.fetchrow(
        f"SELECT (SELECT max(a.published_us) FROM articles a WHERE {PUBLIC} AND {_HAS_TEXT} "
        "AND a.published_us < $3), "
        f"(SELECT min(a.published_us) FROM articles a WHERE {PUBLIC} AND {_HAS_TEXT} "
        "AND a.published_us >= $4::bigint)",  # a NULL end compares to nothing
        to_us(now),
        lang,
        to_us(start),
        None if end is None else to_us(end),
    )
    assert row is not None
    before, after = row[0], row[1]
    return (
        None if before is None else from_us(before),
        None if after is None else from_us(after),
    )


async def sitemap_rows(conn: Conn, now: datetime) -> list[SitemapRow]:
    found = await conn.fetch(
        "SELECT a.id, a.published_at, a.original_lang, t.lang, t.updated_at "
        f"FROM articles a JOIN translations t ON t.article_id = a.id WHERE {PUBLIC} "
        f"ORDER BY a.id, {LANG_ORDER}",
        to_us(now),
    )
    rows: dict[int, SitemapRow] = {}
    for r in found:
        row = rows.get(r[0])
        if row is None:
            row = rows[r[0]] = SitemapRow(r[0], r[1], r[2], {})
        row.text_updated[r[3]] = r[4]
    return list(rows.values())

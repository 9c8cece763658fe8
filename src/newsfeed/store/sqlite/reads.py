"""SQLite reads: articles with their texts, lists, the board, the change log.

Every read is one `execute_fetchall`: one trip to the reader connection's thread, and no
cursor left open to hold that shared connection's snapshot while other requests use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from newsfeed.model import (
    Article,
    BoardRow,
    Change,
    Cursor,
    Translation,
    to_us,
    utcnow,
)
from newsfeed.store.rows import article_of, from_us, translation_of

PUBLIC = "a.status = 'published' AND a.published_us <= ?"
ARTICLE_COLUMNS = (
    "a.id, a.slug, a.category, a.status, a.published_at, a.published_us, a.created_at, "
    "a.updated_at, a.original_lang, a.hits, a.version"
)


# Staleness of the text `t`, read by a join on its source `s` (store rule 7): stale when
# the source has had a major write past the version it was translated from.
STALE = "coalesce(s.major_version > t.source_version, 0)"
TEXT_COLUMNS = (
    "t.lang, t.title, t.summary, t.body, t.author, t.updated_at AS text_updated_at, "
    "t.body_html, t.version AS text_version, t.source_lang, t.source_version, t.updated_by, "
    f"{STALE} AS stale, s.major_at AS source_changed_at"
)
SOURCE_JOIN = "LEFT JOIN translations s ON s.article_id = t.article_id AND s.lang = t.source_lang"


async def fetch(conn: aiosqlite.Connection, article_id: int) -> Article | None:
    """The article as stored, visible or not, in one statement (its columns repeated on
    each of its texts): one trip to the connection's thread."""
    rows = list(
        await conn.execute_fetchall(
            f"SELECT {ARTICLE_COLUMNS}, {TEXT_COLUMNS} FROM articles a "
            f"LEFT JOIN translations t ON t.article_id = a.id {SOURCE_JOIN} "
            "WHERE a.id = ? ORDER BY t.lang",
            (article_id,),
        )
    )
    if not rows:
        return None
    texts = {t["lang"]: translation_of(t) for t in rows if t["lang"]}
    return article_of(rows[0], texts)


async def with_translations(conn: aiosqlite.Connection, rows: Iterable[Any]) -> list[Article]:
    rows = list(rows)
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    texts: dict[int, dict[str, Translation]] = {i: {} for i in ids}
    found = await conn.execute_fetchall(
        f"SELECT t.article_id, {TEXT_COLUMNS} FROM translations t {SOURCE_JOIN} "
        f"WHERE t.article_id IN ({','.join('?' * len(ids))}) ORDER BY t.article_id, t.lang",
        ids,
    )
    for t in found:
        texts[t["article_id"]][t["lang"]] = translation_of(t)
    return [article_of(row, texts[row["id"]]) for row in rows]


async def latest(
    conn: aiosqlite.Connection,
    *,
    lang: str | None,
    category: str | None,
    limit: int,
    after: Cursor | None,
    public_only: bool,
    now: datetime | None,
) -> list[Article]:
    clauses, params = ["1"], list[Any]()
    if public_only:
        clauses, params = [PUBLIC], [to_us(now or utcnow())]
    if lang is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = ?)"
        )
        params.append(lang)
    if category is not None:
        clauses.append("a.category = ?")
        params.append(category)
    if after is not None:
        clauses.append("(a.published_us < ? OR (a.published_us = ? AND a.id < ?))")
        params += [after.published_us, after.published_us, after.id]
    rows = await conn.execute_fetchall(
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE {' AND '.join(clauses)} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT ?",
        [*params, limit],
    )
    return await with_translations(conn, rows)


async def board_page(
    conn: aiosqlite.Connection, category: str | None, offset: int, limit: int, now: datetime
) -> tuple[list[BoardRow], int]:
    """Titles only (no bodies), and the change-log seq, in one statement."""
    where, params = PUBLIC, list[Any]([to_us(now)])
    if category is not None:
        where += " AND a.category = ?"
        params.append(category)
    found = await conn.execute_fetchall(
        "WITH page AS (SELECT a.id, a.category, a.published_at, a.published_us, "
        f"a.original_lang, a.hits FROM articles a WHERE {where} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT ? OFFSET ?) "
        "SELECT p.*, t.lang, t.title, (SELECT coalesce(max(seq), 0) FROM changes) AS seq "
        "FROM page p JOIN translations t ON t.article_id = p.id "
        "ORDER BY p.published_us DESC, p.id DESC",
        [*params, limit, offset],
    )
    rows: dict[int, BoardRow] = {}
    seq = None
    for r in found:
        seq = r["seq"]
        row = rows.get(r["id"])
        if row is None:
            row = rows[r["id"]] = BoardRow(
                r["id"], r["category"], r["published_at"], r["original_lang"], r["hits"]
            )
        row.titles[r["lang"]] = r["title"]
    return list(rows.values()), seq if seq is not None else await last_seq(conn)


async def scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()) -> Any:
    rows = await conn.execute_fetchall(sql, params)
    row = next(iter(rows), None)
    return None if row is None else row[0]


async def count_public(conn: aiosqlite.Connection, category: str | None, now: datetime) -> int:
    if category is None:
        return int(
            await scalar(conn, f"SELECT count(*) FROM articles a WHERE {PUBLIC}", [to_us(now)])
        )
    return int(
        await scalar(
            conn,
            f"SELECT count(*) FROM articles a WHERE {PUBLIC} AND a.category = ?",
            [to_us(now), category],
        )
    )


async def next_due(
    conn: aiosqlite.Connection, now: datetime, lang: str | None, category: str | None
) -> datetime | None:
    us = await scalar(
        conn,
        "SELECT min(a.published_us) FROM articles a WHERE a.status = 'published' "
        "AND a.published_us > ? AND (? IS NULL OR a.category = ?) AND (? IS NULL OR EXISTS "
        "(SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = ?))",
        (to_us(now), category, category, lang, lang),
    )
    return None if us is None else from_us(us)


async def last_seq(conn: aiosqlite.Connection) -> int:
    return int(await scalar(conn, "SELECT coalesce(max(seq), 0) FROM changes") or 0)


def _split(value: str) -> frozenset[str]:
    return frozenset(part for part in value.split(",") if part)


async def changes_since(conn: aiosqlite.Connection, seq: int) -> list[Change]:
    rows = await conn.execute_fetchall(
        "SELECT seq, langs, categories, published_us, published_was_us FROM changes "
        "WHERE seq > ? ORDER BY seq",
        (seq,),
    )
    return [
        Change(
            row[0],
            _split(row[1]),
            _split(row[2]),
            frozenset(us for us in (row[3], row[4]) if us is not None),
        )
        for row in rows
    ]


async def last_changed(
    conn: aiosqlite.Connection, lang: str, category: str | None
) -> datetime | None:
    value = await scalar(
        conn,
        "SELECT max(changed_at) FROM changes WHERE visible = 1 "
        "AND instr(',' || langs || ',', ?) > 0 "
        "AND (? IS NULL OR instr(',' || categories || ',', ?) > 0)",
        (f",{lang},", category, f",{category},"),
    )
    return datetime.fromisoformat(value) if value else None

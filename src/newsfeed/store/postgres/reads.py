"""PostgreSQL reads: articles with their texts, lists, the board, the change log.

Each function is the SQLite store's (`store/sqlite/reads.py`) in PostgreSQL's dialect,
returning the same dataclasses. Where a result must be one snapshot (the board and the
change-log seq it saw, an article and its texts), it is one statement: under READ
COMMITTED each statement sees the database as of its own start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from newsfeed.model import Article, BoardRow, Change, Cursor, Translation, to_us, utcnow
from newsfeed.store.postgres.connect import Conn
from newsfeed.store.rows import article_of, from_us, translation_of

PUBLIC = "a.status = 'published' AND a.published_us <= $1"  # always the first parameter
ARTICLE_COLUMNS = (
    "a.id, a.slug, a.category, a.status, a.published_at, a.published_us, a.created_at, "
    "a.updated_at, a.original_lang, a.hits, a.version"
)
# Staleness of the text `t`, read by a join on its source `s` (store rule 7): stale when
# the source has had a major write past the version it was translated from.
STALE = "coalesce(s.major_version > t.source_version, false)"
TEXT_COLUMNS = (
    "t.lang, t.title, t.summary, t.body, t.author, t.updated_at AS text_updated_at, "
    "t.body_html, t.version AS text_version, t.source_lang, t.source_version, t.updated_by, "
    f"{STALE} AS stale, s.major_at AS source_changed_at"
)
SOURCE_JOIN = "LEFT JOIN translations s ON s.article_id = t.article_id AND s.lang = t.source_lang"
# Codepoint order for text keys, as SQLite's BINARY collation, whatever the database's.
LANG_ORDER = 't.lang COLLATE "C"'


async def fetch(conn: Conn, article_id: int, *, lock: bool = False) -> Article | None:
    """The article as stored, visible or not, with its texts and their staleness, in one
    statement; `lock` takes its row lock until the transaction ends (a write about to
    change it)."""
    rows = await conn.fetch(
        f"SELECT {ARTICLE_COLUMNS}, {TEXT_COLUMNS} FROM articles a "
        f"LEFT JOIN translations t ON t.article_id = a.id {SOURCE_JOIN} WHERE a.id = $1 "
        f"ORDER BY {LANG_ORDER}" + (" FOR UPDATE OF a" if lock else ""),
        article_id,
    )
    if not rows:
        return None
    texts = {t["lang"]: translation_of(t) for t in rows if t["lang"]}
    return article_of(rows[0], texts)


async def with_translations(conn: Conn, rows: Sequence[Any]) -> list[Article]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    texts: dict[int, dict[str, Translation]] = {i: {} for i in ids}
    found = await conn.fetch(
        f"SELECT t.article_id, {TEXT_COLUMNS} FROM translations t {SOURCE_JOIN} "
        f"WHERE t.article_id = ANY($1::bigint[]) ORDER BY t.article_id, {LANG_ORDER}",
        ids,
    )
    for t in found:
        texts[t["article_id"]][t["lang"]] = translation_of(t)
    return [article_of(row, texts[row["id"]]) for row in rows]


async def latest(
    conn: Conn,
    *,
    lang: str | None,
    category: str | None,
    limit: int,
    after: Cursor | None,
    public_only: bool,
    now: datetime | None,
) -> list[Article]:
    clauses, params = ["true"], list[Any]()

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    if public_only:
        clauses = [f"a.status = 'published' AND a.published_us <= {param(to_us(now or utcnow()))}"]
    if lang is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id "
            f"AND t.lang = {param(lang)})"
        )
    if category is not None:
        clauses.append(f"a.category = {param(category)}")
    if after is not None:
        us, ident = param(after.published_us), param(after.id)
        clauses.append(f"(a.published_us, a.id) < ({us}::bigint, {ident}::bigint)")
    rows = await conn.fetch(
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE {' AND '.join(clauses)} "
        f"ORDER BY a.published_us DESC, a.id DESC LIMIT {param(limit)}",
        *params,
    )
    return await with_translations(conn, rows)


async def board_page(
    conn: Conn, category: str | None, offset: int, limit: int, now: datetime
) -> tuple[list[BoardRow], int]:
    """Titles only (no bodies), and the change-log seq, in one statement."""
    where, params = PUBLIC, list[Any]([to_us(now), limit, offset])
    if category is not None:
        where += " AND a.category = $4"
        params.append(category)
    found = await conn.fetch(
        "WITH page AS (SELECT a.id, a.category, a.published_at, a.published_us, "
        f"a.original_lang, a.hits FROM articles a WHERE {where} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT $2 OFFSET $3) "
        "SELECT p.*, t.lang, t.title, (SELECT coalesce(max(seq), 0) FROM changes) AS seq "
        "FROM page p JOIN translations t ON t.article_id = p.id "
        f"ORDER BY p.published_us DESC, p.id DESC, {LANG_ORDER}",
        *params,
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


async def count_public(conn: Conn, category: str | None, now: datetime) -> int:
    if category is None:
        count = await conn.fetchval(f"SELECT count(*) FROM articles a WHERE {PUBLIC}", to_us(now))
    else:
        count = await conn.fetchval(
            f"SELECT count(*) FROM articles a WHERE {PUBLIC} AND a.category = $2",
            to_us(now),
            category,
        )
    return int(count)


async def next_due(
    conn: Conn, now: datetime, lang: str | None, category: str | None
) -> datetime | None:
    us = await conn.fetchval(
        "SELECT min(a.published_us) FROM articles a WHERE a.status = 'published' "
        "AND a.published_us > $1 AND ($2::text IS NULL OR a.category = $2) "
        "AND ($3::text IS NULL OR EXISTS "
        "(SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = $3))",
        to_us(now),
        category,
        lang,
    )
    return None if us is None else from_us(us)


async def last_seq(conn: Conn) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM changes"))


def _split(value: str) -> frozenset[str]:
    return frozenset(part for part in value.split(",") if part)


async def changes_since(conn: Conn, seq: int) -> list[Change]:
    rows = await conn.fetch(
        "SELECT seq, langs, categories, published_us, published_was_us FROM changes "
        "WHERE seq > $1 ORDER BY seq",
        seq,
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


async def last_changed(conn: Conn, lang: str, category: str | None) -> datetime | None:
    """`changed_at` is the app's `model.stamp` of a UTC time (`…+00:00`, whole seconds),
    so the text maximum is the latest."""
    value = await conn.fetchval(
        "SELECT max(changed_at) FROM changes WHERE visible = 1 "
        "AND strpos(',' || langs || ',', $1) > 0 "
        "AND ($2::text IS NULL OR strpos(',' || categories || ',', $3) > 0)",
        f",{lang},",
        category,
        f",{category},",
    )
    return datetime.fromisoformat(value) if value else None


async def site_value(conn: Conn, key: str) -> str | None:
    value = await conn.fetchval("SELECT value FROM site_meta WHERE key = $1", key)
    return None if value is None else str(value)

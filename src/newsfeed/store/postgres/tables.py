"""Whole tables: dump and load (copies between stores, checks, tests), and filling the
rendered bodies that texts loaded from elsewhere lack.

Dumps name the same columns, in the same order, as the SQLite store's, so that a copy
either way round-trips; the search columns are the store's own business, left out of a
dump and recomputed on load. Loads keep ids; identity sequences then move past them, and
the articles' also past every id the change log names, so a deleted article's number
(which feeds used in ids) is never given out again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from newsfeed.store import TABLES
from newsfeed.store.postgres import search
from newsfeed.store.postgres.connect import Conn

COLUMNS: dict[str, tuple[str, ...]] = {
    "site_meta": ("key", "value"),
    "articles": (
        "id",
        "slug",
        "category",
        "status",
        "published_at",
        "published_us",
        "created_at",
        "updated_at",
        "original_lang",
        "hits",
        "version",
    ),
    "translations": (
        "article_id",
        "lang",
        "title",
        "summary",
        "body",
        "author",
        "updated_at",
        "body_html",
        "version",
        "source_lang",
        "source_version",
        "major_version",
        "major_at",
        "updated_by",
    ),
    "editors": ("id", "name", "role", "token_hash", "created_at", "revoked_at", "langs"),
    "changes": ("seq", "article_id", "langs", "categories", "changed_at"),
    "text_revisions": (
        "article_id",
        "lang",
        "version",
        "title",
        "summary",
        "body",
        "author",
        "created_at",
        "editor",
        "minor",
        "source_lang",
        "source_version",
        "fields",
    ),
    "audit": ("id", "at", "editor", "action", "article_id", "lang", "version"),
    "idempotency_keys": (
        "editor",
        "key",
        "fingerprint",
        "created_us",
        "status",
        "body",
        "location",
        "etag",
    ),
}
_ORDER = {
    "site_meta": 'key COLLATE "C"',
    "articles": "id",
    "translations": 'article_id, lang COLLATE "C"',
    "editors": "id",
    "changes": "seq",
    "text_revisions": 'article_id, lang COLLATE "C", version',
    "audit": "id",
    "idempotency_keys": 'editor COLLATE "C", key COLLATE "C"',
}
# Identity columns, and what else their next value must pass.
_SEQUENCES: dict[str, tuple[str, str]] = {
    "articles": ("id", "SELECT coalesce(max(article_id), 0) FROM changes"),
    "editors": ("id", "SELECT 0"),
    "changes": ("seq", "SELECT 0"),
    "audit": ("id", "SELECT 0"),
}
FILL_BATCH = 2000  # texts per transaction while filling bodies


async def dump(conn: Conn, table: str) -> list[dict[str, Any]]:
    assert table in TABLES, table
    rows = await conn.fetch(
        f"SELECT {', '.join(COLUMNS[table])} FROM {table} ORDER BY {_ORDER[table]}"
    )
    return [dict(row) for row in rows]


async def load(conn: Conn, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (in the caller's transaction) and move the sequences past them."""
    assert table in TABLES, table
    columns = list(COLUMNS[table])
    unknown = set().union(*(row.keys() for row in rows)) - set(columns) if rows else set()
    assert not unknown, unknown  # a dump of either store has exactly these columns
    records = [[row.get(c) for c in columns] for row in rows]
    if table == "translations":
        columns += ["search_text", "pieces"]
        for record in records:
            record.extend(search.columns(str(record[2]), str(record[3]), str(record[4])))
    if records:
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        await conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", records
        )
    for name in ("articles", "changes") if table == "changes" else (table,):
        await follow_sequence(conn, name)


async def follow_sequence(conn: Conn, table: str) -> None:
    """Move `table`'s identity sequence past its largest id (never back)."""
    if table not in _SEQUENCES:
        return
    column, also = _SEQUENCES[table]
    sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, $2)", table, column)
    # Identifiers from the fixed tables above, never from input.
    top = await conn.fetchval(
        f"SELECT greatest((SELECT coalesce(max({column}), 0) FROM {table}), ({also}))"
    )
    state = await conn.fetchrow(f"SELECT last_value, is_called FROM {sequence}")
    assert state is not None  # a sequence has its one row
    top = max(top, state["last_value"] if state["is_called"] else 0)
    if top > 0:
        await conn.execute("SELECT setval($1, $2)", sequence, top)


async def fill_bodies(conn: Conn, render: Callable[[str], str], *, batch: int = FILL_BATCH) -> int:
    """Render and store every body not rendered yet, a batch per transaction; how many.

    Rendering runs in a thread (Markdown and the sanitizer take a while on long bodies),
    before the batch's short transaction. `body = ...` in the update: a text rewritten
    meanwhile keeps what its own write stored.
    """
    filled, last_id, last_lang = 0, 0, ""
    while True:
        rows = await conn.fetch(
            "SELECT article_id, lang, body FROM translations WHERE body_html IS NULL "
            "AND (article_id, lang) > ($1::bigint, $2::text) ORDER BY article_id, lang LIMIT $3",
            last_id,
            last_lang,
            batch,
        )
        if not rows:
            return filled
        last_id, last_lang = rows[-1][0], rows[-1][1]
        bodies = [row[2] for row in rows]
        html = await asyncio.to_thread(_render_all, render, bodies)
        await conn.execute(
            "UPDATE translations t SET body_html = u.html "
            "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) "
            "AS u(article_id, lang, body, html) "
            "WHERE t.article_id = u.article_id AND t.lang = u.lang AND t.body = u.body "
            "AND t.body_html IS NULL",
            [row[0] for row in rows],
            [row[1] for row in rows],
            bodies,
            html,
        )
        filled += len(rows)


def _render_all(render: Callable[[str], str], bodies: list[str]) -> list[str]:
    return [render(body) for body in bodies]

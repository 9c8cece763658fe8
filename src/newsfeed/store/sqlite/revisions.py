"""SQLite revisions: every version of every text (store rule 6)."""

from __future__ import annotations

import aiosqlite

from newsfeed.model import Text
from newsfeed.store.rows import REVISION_COLUMNS, revision_of
from newsfeed.workflow import Revision, TextWrite


async def add(
    conn: aiosqlite.Connection, article_id: int, lang: str, text: Text, at: str, write: TextWrite
) -> None:
    source = write.source
    await conn.execute(
        f"INSERT INTO text_revisions ({REVISION_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            article_id,
            lang,
            write.version,
            text.title,
            text.summary,
            text.body,
            text.author,
            at,
            write.editor,
            int(write.minor),
            None if source is None else source.lang,
            None if source is None else source.version,
            ",".join(write.fields),
        ),
    )


async def listed(conn: aiosqlite.Connection, article_id: int, lang: str) -> list[Revision]:
    rows = await conn.execute_fetchall(
        f"SELECT {REVISION_COLUMNS} FROM text_revisions WHERE article_id = ? AND lang = ? "
        "ORDER BY version DESC",
        (article_id, lang),
    )
    return [revision_of(row) for row in rows]


async def one(
    conn: aiosqlite.Connection, article_id: int, lang: str, version: int
) -> Revision | None:
    rows = await conn.execute_fetchall(
        f"SELECT {REVISION_COLUMNS} FROM text_revisions "
        "WHERE article_id = ? AND lang = ? AND version = ?",
        (article_id, lang, version),
    )
    row = next(iter(rows), None)
    return None if row is None else revision_of(row)


async def last_version(conn: aiosqlite.Connection, article_id: int, lang: str) -> int:
    rows = await conn.execute_fetchall(
        "SELECT coalesce(max(version), 0) FROM text_revisions WHERE article_id = ? AND lang = ?",
        (article_id, lang),
    )
    return int(next(iter(rows))[0])

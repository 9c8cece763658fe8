"""SQLite revisions: every version of every text (store rule 6)."""

from __future__ import annotations

from typing import Any

import aiosqlite

from newsfeed.model import Source, Text
from newsfeed.workflow import Revision, TextWrite

_COLUMNS = (
    "article_id, lang, version, title, summary, body, author, created_at, editor, minor, "
    "source_lang, source_version, fields"
)


def revision_of(row: Any) -> Revision:
    source = row["source_lang"]
    return Revision(
        article_id=row["article_id"],
        lang=row["lang"],
        version=row["version"],
        title=row["title"],
        summary=row["summary"],
        body=row["body"],
        author=row["author"],
        created_at=row["created_at"],
        editor=row["editor"],
        minor=bool(row["minor"]),
        source=None if source is None else Source(source, row["source_version"]),
        fields=tuple(f for f in row["fields"].split(",") if f),
    )


async def add(
    conn: aiosqlite.Connection, article_id: int, lang: str, text: Text, at: str, write: TextWrite
) -> None:
    source = write.source
    await conn.execute(
        f"INSERT INTO text_revisions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        f"SELECT {_COLUMNS} FROM text_revisions WHERE article_id = ? AND lang = ? "
        "ORDER BY version DESC",
        (article_id, lang),
    )
    return [revision_of(row) for row in rows]


async def one(
    conn: aiosqlite.Connection, article_id: int, lang: str, version: int
) -> Revision | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_COLUMNS} FROM text_revisions WHERE article_id = ? AND lang = ? AND version = ?",
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

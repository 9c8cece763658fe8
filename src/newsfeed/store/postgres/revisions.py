"""PostgreSQL revisions: every version of every text (store rule 6); as
`store/sqlite/revisions.py`."""

from __future__ import annotations

from typing import Any

from newsfeed.model import Source, Text
from newsfeed.store.postgres.connect import Conn
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
    conn: Conn, article_id: int, lang: str, text: Text, at: str, write: TextWrite
) -> None:
    source = write.source
    await conn.execute(
        f"INSERT INTO text_revisions ({_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    )


async def listed(conn: Conn, article_id: int, lang: str) -> list[Revision]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM text_revisions WHERE article_id = $1 AND lang = $2 "
        "ORDER BY version DESC",
        article_id,
        lang,
    )
    return [revision_of(row) for row in rows]


async def one(conn: Conn, article_id: int, lang: str, version: int) -> Revision | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM text_revisions WHERE article_id = $1 AND lang = $2 "
        "AND version = $3",
        article_id,
        lang,
        version,
    )
    return None if row is None else revision_of(row)


async def last_version(conn: Conn, article_id: int, lang: str) -> int:
    value = await conn.fetchval(
        "SELECT coalesce(max(version), 0) FROM text_revisions WHERE article_id = $1 AND lang = $2",
        article_id,
        lang,
    )
    return int(value)

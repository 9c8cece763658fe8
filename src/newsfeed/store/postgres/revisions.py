"""PostgreSQL revisions: every version of every text (store rule 6); as
`store/sqlite/revisions.py`."""

from __future__ import annotations

from newsfeed.model import Text
from newsfeed.store.postgres.connect import Conn
from newsfeed.store.rows import REVISION_COLUMNS, revision_of
from newsfeed.workflow import Revision, TextWrite


async def add(
    conn: Conn, article_id: int, lang: str, text: Text, at: str, write: TextWrite
) -> None:
    source = write.source
    await conn.execute(
        f"INSERT INTO text_revisions ({REVISION_COLUMNS}) "
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
        f"SELECT {REVISION_COLUMNS} FROM text_revisions WHERE article_id = $1 AND lang = $2 "
        "ORDER BY version DESC",
        article_id,
        lang,
    )
    return [revision_of(row) for row in rows]


async def one(conn: Conn, article_id: int, lang: str, version: int) -> Revision | None:
    row = await conn.fetchrow(
        f"SELECT {REVISION_COLUMNS} FROM text_revisions WHERE article_id = $1 AND lang = $2 "
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

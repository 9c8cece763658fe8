"""PostgreSQL audit trail: one row per editorial write, kept after its article (rule 8)."""

from __future__ import annotations

from newsfeed.store.postgres.connect import Conn
from newsfeed.workflow import AuditEntry


async def add(
    conn: Conn,
    *,
    at: str,
    editor: str | None,
    action: str,
    article_id: int,
    lang: str | None,
    version: int | None,
) -> None:
    await conn.execute(
        "INSERT INTO audit (at, editor, action, article_id, lang, version) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        at,
        editor,
        action,
        article_id,
        lang,
        version,
    )


async def listed(
    conn: Conn, article_id: int | None, editor: str | None, limit: int, before: int | None
) -> list[AuditEntry]:
    rows = await conn.fetch(
        "SELECT id, at, editor, action, article_id, lang, version FROM audit "
        "WHERE ($1::bigint IS NULL OR article_id = $1) AND ($2::text IS NULL OR editor = $2) "
        "AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
        article_id,
        editor,
        before,
        limit,
    )
    return [AuditEntry(*row) for row in rows]

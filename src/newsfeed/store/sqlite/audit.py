"""SQLite audit trail: one row per editorial write, kept after its article (rule 8)."""

from __future__ import annotations

from typing import Any

import aiosqlite

from newsfeed.workflow import AuditEntry


async def add(
    conn: aiosqlite.Connection,
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
        "VALUES (?, ?, ?, ?, ?, ?)",
        (at, editor, action, article_id, lang, version),
    )


async def listed(
    conn: aiosqlite.Connection,
    *,
    article_id: int | None,
    editor: str | None,
    limit: int,
    before: int | None,
) -> list[AuditEntry]:
    clauses, params = ["1"], list[Any]()
    if article_id is not None:
        clauses.append("article_id = ?")
        params.append(article_id)
    if editor is not None:
        clauses.append("editor = ?")
        params.append(editor)
    if before is not None:
        clauses.append("id < ?")
        params.append(before)
    rows = await conn.execute_fetchall(
        "SELECT id, at, editor, action, article_id, lang, version FROM audit "
        f"WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
        [*params, limit],
    )
    return [AuditEntry(*row) for row in rows]

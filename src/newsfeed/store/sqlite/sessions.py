"""SQLite desk sessions: found only by a join on their editor's current token.

A session row names the editor and the token hash the editor held at login. Every
lookup joins `editors` on both, unrevoked, so a rotated or revoked token ends its
sessions in the very statement that rotates or revokes it; nothing needs to delete them
(the periodic sweep only reclaims the rows).
"""

from __future__ import annotations

import aiosqlite

from newsfeed.model import EditorRecord, Role, split_langs

_LIVE = (
    "FROM sessions s JOIN editors e ON e.id = s.editor_id AND e.token_hash = s.token_hash "
    "AND e.revoked_at IS NULL"
)


async def start(
    conn: aiosqlite.Connection, session_hash: str, token_hash: str, now_us: int
) -> bool:
    cur = await conn.execute(
        "INSERT INTO sessions (id_hash, editor_id, token_hash, created_us, used_us) "
        "SELECT ?, id, token_hash, ?, ? FROM editors "
        "WHERE token_hash = ? AND revoked_at IS NULL",
        (session_hash, now_us, now_us, token_hash),
    )
    return cur.rowcount == 1


async def find(
    conn: aiosqlite.Connection, session_hash: str, since_us: int
) -> tuple[EditorRecord, int] | None:
    """The live session's editor and its last use, if used after `since_us`."""
    rows = await conn.execute_fetchall(
        f"SELECT e.name, e.role, e.created_at, e.revoked_at, e.token_hash, e.langs, s.used_us "
        f"{_LIVE} "
        "WHERE s.id_hash = ? AND s.used_us > ?",
        (session_hash, since_us),
    )
    row = next(iter(rows), None)
    if row is None:
        return None
    record = EditorRecord(row[0], Role(row[1]), row[2], row[3], row[4], split_langs(row[5]))
    return record, int(row[6])


async def touch(conn: aiosqlite.Connection, session_hash: str, now_us: int) -> None:
    await conn.execute(
        "UPDATE sessions SET used_us = ? WHERE id_hash = ? AND used_us < ?",
        (now_us, session_hash, now_us),
    )


async def end(conn: aiosqlite.Connection, session_hash: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = ?", (session_hash,))


async def sweep(conn: aiosqlite.Connection, before_us: int) -> int:
    """Delete sessions idle since `before_us` or whose editor's token changed."""
    cur = await conn.execute(
        "DELETE FROM sessions WHERE used_us <= ? OR NOT EXISTS (SELECT 1 FROM editors e "
        "WHERE e.id = sessions.editor_id AND e.token_hash = sessions.token_hash "
        "AND e.revoked_at IS NULL)",
        (before_us,),
    )
    return cur.rowcount

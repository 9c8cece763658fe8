"""PostgreSQL desk sessions: the SQLite store's `sessions.py` in PostgreSQL's dialect.

Found only by a join on the editor's current token hash, unrevoked: rotating or revoking
a token ends its sessions in the same statement, on every instance at once.
"""

from __future__ import annotations

from newsfeed.model import EditorRecord, Role, split_langs
from newsfeed.store.postgres.connect import Conn

_LIVE = (
    "FROM sessions s JOIN editors e ON e.id = s.editor_id AND e.token_hash = s.token_hash "
    "AND e.revoked_at IS NULL"
)


def _count(status: str) -> int:
    """The row count of a command tag such as 'DELETE 3'."""
    return int(status.rsplit(" ", 1)[-1])


async def start(conn: Conn, session_hash: str, token_hash: str, now_us: int) -> bool:
    status = await conn.execute(
        "INSERT INTO sessions (id_hash, editor_id, token_hash, created_us, used_us) "
        "SELECT $1, id, token_hash, $2, $2 FROM editors "
        "WHERE token_hash = $3 AND revoked_at IS NULL",
        session_hash,
        now_us,
        token_hash,
    )
    return _count(status) == 1


async def find(conn: Conn, session_hash: str, since_us: int) -> tuple[EditorRecord, int] | None:
    row = await conn.fetchrow(
        f"SELECT e.name, e.role, e.created_at, e.revoked_at, e.token_hash, e.langs, s.used_us "
        f"{_LIVE} "
        "WHERE s.id_hash = $1 AND s.used_us > $2",
        session_hash,
        since_us,
    )
    if row is None:
        return None
    record = EditorRecord(row[0], Role(row[1]), row[2], row[3], row[4], split_langs(row[5]))
    return record, int(row[6])


async def touch(conn: Conn, session_hash: str, now_us: int) -> None:
    await conn.execute(
        "UPDATE sessions SET used_us = $1 WHERE id_hash = $2 AND used_us < $1",
        now_us,
        session_hash,
    )


async def end(conn: Conn, session_hash: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = $1", session_hash)


async def sweep(conn: Conn, before_us: int) -> int:
    status = await conn.execute(
        "DELETE FROM sessions WHERE used_us <= $1 OR NOT EXISTS (SELECT 1 FROM editors e "
        "WHERE e.id = sessions.editor_id AND e.token_hash = sessions.token_hash "
        "AND e.revoked_at IS NULL)",
        before_us,
    )
    return _count(status)

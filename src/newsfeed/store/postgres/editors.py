"""PostgreSQL editors: tokens stored only as hashes; names unique by constraint.

Each change is one statement (its own transaction): two instances adding the same name
at once get one row and one `EditorExists`, from the unique constraint.
"""

from __future__ import annotations

import asyncpg

from newsfeed.model import EditorRecord, Role, split_langs
from newsfeed.store import EditorExists
from newsfeed.store.postgres.connect import Conn


async def by_token(conn: Conn, token_hash: str) -> EditorRecord | None:
    row = await conn.fetchrow(
        "SELECT name, role, created_at, revoked_at, langs FROM editors "
        "WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    if row is None:
        return None
    return EditorRecord(row[0], Role(row[1]), row[2], row[3], token_hash, split_langs(row[4]))


async def add(
    conn: Conn, name: str, role: str, token_hash: str, at: str, langs: str | None = None
) -> None:
    try:
        await conn.execute(
            "INSERT INTO editors (name, role, token_hash, created_at, langs) "
            "VALUES ($1, $2, $3, $4, $5)",
            name,
            role,
            token_hash,
            at,
            langs,
        )
    except asyncpg.UniqueViolationError:
        raise EditorExists(name) from None


async def listed(conn: Conn) -> list[EditorRecord]:
    rows = await conn.fetch(
        'SELECT name, role, created_at, revoked_at, langs FROM editors ORDER BY name COLLATE "C"'
    )
    return [EditorRecord(r[0], Role(r[1]), r[2], r[3], langs=split_langs(r[4])) for r in rows]


def _one(status: str) -> bool:
    """Whether a command tag such as 'UPDATE 1' says exactly one row."""
    return status.rsplit(" ", 1)[-1] == "1"


async def revoke(conn: Conn, name: str, at: str) -> bool:
    status = await conn.execute(
        "UPDATE editors SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL", at, name
    )
    return _one(status)


async def rotate(conn: Conn, name: str, token_hash: str) -> bool:
    status = await conn.execute(
        "UPDATE editors SET token_hash = $1 WHERE name = $2 AND revoked_at IS NULL",
        token_hash,
        name,
    )
    return _one(status)

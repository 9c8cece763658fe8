"""SQLite editors: tokens stored only as hashes."""

from __future__ import annotations

import sqlite3

import aiosqlite

from newsfeed.model import EditorRecord, Role, split_langs
from newsfeed.store import EditorExists


async def by_token(conn: aiosqlite.Connection, token_hash: str) -> EditorRecord | None:
    rows = await conn.execute_fetchall(
        "SELECT name, role, created_at, revoked_at, langs FROM editors "
        "WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    )
    row = next(iter(rows), None)
    if row is None:
        return None
    return EditorRecord(row[0], Role(row[1]), row[2], row[3], token_hash, split_langs(row[4]))


async def add(
    conn: aiosqlite.Connection,
    name: str,
    role: str,
    token_hash: str,
    at: str,
    langs: str | None = None,
) -> None:
    try:
        await conn.execute(
            "INSERT INTO editors (name, role, token_hash, created_at, langs) "
            "VALUES (?, ?, ?, ?, ?)",
            (name, role, token_hash, at, langs),
        )
    except sqlite3.IntegrityError:
        raise EditorExists(name) from None


async def listed(conn: aiosqlite.Connection) -> list[EditorRecord]:
    rows = await conn.execute_fetchall(
        "SELECT name, role, created_at, revoked_at, langs FROM editors ORDER BY name"
    )
    return [EditorRecord(r[0], Role(r[1]), r[2], r[3], langs=split_langs(r[4])) for r in rows]


async def revoke(conn: aiosqlite.Connection, name: str, at: str) -> bool:
    cur = await conn.execute(
        "UPDATE editors SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (at, name)
    )
    return cur.rowcount == 1


async def rotate(conn: aiosqlite.Connection, name: str, token_hash: str) -> bool:
    cur = await conn.execute(
        "UPDATE editors SET token_hash = ? WHERE name = ? AND revoked_at IS NULL",
        (token_hash, name),
    )
    return cur.rowcount == 1

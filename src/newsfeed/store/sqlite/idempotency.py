"""SQLite Idempotency-Key records of POST /api/v1/articles.

A request reserves its (editor, key) in a transaction of its own, committed before the
create starts, so a concurrent retry finds it in progress; the create's own transaction
completes it with the answer, so the article and its kept answer commit together.
"""

from __future__ import annotations

import aiosqlite

from newsfeed.workflow import IdempotencyRecord, KeptResponse


async def reserve(
    conn: aiosqlite.Connection,
    editor: str,
    key: str,
    fingerprint: str,
    now_us: int,
    expire_before_us: int,
    abandoned_before_us: int,
) -> IdempotencyRecord | None:
    await conn.execute("DELETE FROM idempotency_keys WHERE created_us < ?", (expire_before_us,))
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE editor = ? AND key = ? AND status IS NULL "
        "AND created_us < ?",
        (editor, key, abandoned_before_us),
    )
    cur = await conn.execute(
        "INSERT INTO idempotency_keys (editor, key, fingerprint, created_us) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (editor, key) DO NOTHING",
        (editor, key, fingerprint, now_us),
    )
    if cur.rowcount == 1:
        return None
    rows = await conn.execute_fetchall(
        "SELECT fingerprint, created_us, status, body, location, etag FROM idempotency_keys "
        "WHERE editor = ? AND key = ?",
        (editor, key),
    )
    row = next(iter(rows))
    response = None
    if row["status"] is not None:
        response = KeptResponse(row["status"], row["body"], row["location"], row["etag"])
    return IdempotencyRecord(row["fingerprint"], row["created_us"], response)


async def complete(
    conn: aiosqlite.Connection, editor: str, key: str, reserved_us: int, response: KeptResponse
) -> bool:
    cur = await conn.execute(
        "UPDATE idempotency_keys SET status = ?, body = ?, location = ?, etag = ? "
        "WHERE editor = ? AND key = ? AND created_us = ? AND status IS NULL",
        (
            response.status,
            response.body,
            response.location,
            response.etag,
            editor,
            key,
            reserved_us,
        ),
    )
    return cur.rowcount == 1


async def release(conn: aiosqlite.Connection, editor: str, key: str, reserved_us: int) -> None:
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE editor = ? AND key = ? AND created_us = ? "
        "AND status IS NULL",
        (editor, key, reserved_us),
    )

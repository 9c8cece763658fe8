"""PostgreSQL Idempotency-Key records; as `store/sqlite/idempotency.py`. The unique key
(editor, key) decides between concurrent first requests: `ON CONFLICT DO NOTHING` waits
for the other's commit, then the loser reads the row the winner committed."""

from __future__ import annotations

from newsfeed.store.postgres.connect import Conn
from newsfeed.workflow import IdempotencyRecord, KeptResponse


async def reserve(
    conn: Conn,
    editor: str,
    key: str,
    fingerprint: str,
    now_us: int,
    expire_before_us: int,
    abandoned_before_us: int,
) -> IdempotencyRecord | None:
    await conn.execute("DELETE FROM idempotency_keys WHERE created_us < $1", expire_before_us)
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE editor = $1 AND key = $2 AND status IS NULL "
        "AND created_us < $3",
        editor,
        key,
        abandoned_before_us,
    )
    inserted = await conn.fetchval(
        "INSERT INTO idempotency_keys (editor, key, fingerprint, created_us) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (editor, key) DO NOTHING RETURNING true",
        editor,
        key,
        fingerprint,
        now_us,
    )
    if inserted:
        return None
    row = await conn.fetchrow(
        "SELECT fingerprint, created_us, status, body, location, etag FROM idempotency_keys "
        "WHERE editor = $1 AND key = $2",
        editor,
        key,
    )
    if row is None:  # its request failed and dropped it meanwhile: retry (409)
        return IdempotencyRecord(fingerprint, now_us, None)
    response = None
    if row["status"] is not None:
        response = KeptResponse(row["status"], row["body"], row["location"], row["etag"])
    return IdempotencyRecord(row["fingerprint"], row["created_us"], response)


async def complete(
    conn: Conn, editor: str, key: str, reserved_us: int, response: KeptResponse
) -> bool:
    done = await conn.fetchval(
        "UPDATE idempotency_keys SET status = $1, body = $2, location = $3, etag = $4 "
        "WHERE editor = $5 AND key = $6 AND created_us = $7 AND status IS NULL RETURNING true",
        response.status,
        response.body,
        response.location,
        response.etag,
        editor,
        key,
        reserved_us,
    )
    return bool(done)


async def release(conn: Conn, editor: str, key: str, reserved_us: int) -> None:
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE editor = $1 AND key = $2 AND created_us = $3 "
        "AND status IS NULL",
        editor,
        key,
        reserved_us,
    )

"""SQLite records of the WebSub hub: subscriptions, announced versions, deliveries.

Every write is one `BEGIN IMMEDIATE` transaction on the store's writer, so a claim (an
UPDATE of due rows whose claim lapsed, RETURNING them) is atomic across every process on
the file: two workers never hold the same delivery (store rule 10).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiosqlite

from newsfeed.model import Delivery, HubStats, stamp
from newsfeed.store.sqlite import reads

Transaction = Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]
Read = Callable[..., Awaitable[Any]]
_ACTIVE = "expires_us > ?"


def _stamp_us(us: int) -> str:
    return stamp(reads.from_us(us))


class SQLiteHub:
    def __init__(self, transaction: Transaction, read: Read) -> None:
        self._transaction = transaction
        self._read = read

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        async def fetch(conn: aiosqlite.Connection) -> list[Any]:
            return list(await conn.execute_fetchall(sql, params))

        rows: list[Any] = await self._read(fetch)
        return rows

    async def subscribe(
        self,
        *,
        topic: str,
        callback: str,
        secret: str | None,
        lease_seconds: int,
        now_us: int,
        etag: str,
        cap: int,
    ) -> bool:
        expires = now_us + lease_seconds * 1_000_000
        async with self._transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO websub_subscriptions (topic, callback, secret, lease_seconds, "
                "created_at, expires_us, etag) SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) "
                f"FROM websub_subscriptions WHERE topic = ? AND callback <> ? AND {_ACTIVE}) < ? "
                "ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, "
                "lease_seconds = excluded.lease_seconds, expires_us = excluded.expires_us, "
                # a lapsed subscription starts afresh, from what its subscriber has now
                "etag = CASE WHEN websub_subscriptions.expires_us > ? THEN "
                "websub_subscriptions.etag ELSE excluded.etag END",
                (
                    topic,
                    callback,
                    secret,
                    lease_seconds,
                    _stamp_us(now_us),
                    expires,
                    etag,
                    topic,
                    callback,
                    now_us,
                    cap,
                    now_us,
                ),
            )
            return cur.rowcount > 0

    async def unsubscribe(self, topic: str, callback: str) -> bool:
        async with self._transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM websub_subscriptions WHERE topic = ? AND callback = ?",
                (topic, callback),
            )
            return cur.rowcount > 0

    async def active(self, topic: str, callback: str, now_us: int) -> bool:
        rows = await self._rows(
            f"SELECT 1 FROM websub_subscriptions WHERE topic = ? AND callback = ? AND {_ACTIVE}",
            (topic, callback, now_us),
        )
        return bool(rows)

    async def count(self, topic: str, now_us: int) -> int:
        rows = await self._rows(
            f"SELECT count(*) FROM websub_subscriptions WHERE topic = ? AND {_ACTIVE}",
            (topic, now_us),
        )
        return int(rows[0][0])

    async def active_topics(self, now_us: int) -> dict[str, str | None]:
        rows = await self._rows(
            "SELECT s.topic, t.etag FROM (SELECT DISTINCT topic FROM websub_subscriptions "
            f"WHERE {_ACTIVE}) s LEFT JOIN websub_topics t ON t.topic = s.topic ORDER BY s.topic",
            (now_us,),
        )
        return {row[0]: row[1] for row in rows}

    async def announce(self, topic: str, etag: str, seq: int, now_us: int) -> int | None:
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT etag, seq FROM websub_topics WHERE topic = ?", (topic,)
            )
            known = next(iter(rows), None)
            if known is not None and known[1] > seq:
                return None  # built from caches behind the last announcement's
            await conn.execute(
                "INSERT INTO websub_topics (topic, etag, seq) VALUES (?, ?, ?) "
                "ON CONFLICT (topic) DO UPDATE SET etag = excluded.etag, seq = excluded.seq",
                (topic, etag, seq),
            )
            cur = await conn.execute(
                "INSERT INTO websub_deliveries (subscription_id, etag, due_us, queued_us) "
                "SELECT id, ?, ?, ? FROM websub_subscriptions "
                f"WHERE topic = ? AND {_ACTIVE} AND etag <> ? "
                "ON CONFLICT (subscription_id) DO UPDATE SET etag = excluded.etag",
                (etag, now_us, now_us, topic, now_us, etag),
            )
            await conn.execute(
                f"UPDATE websub_subscriptions SET etag = ? WHERE topic = ? AND {_ACTIVE} "
                "AND etag <> ?",
                (etag, topic, now_us, etag),
            )
            return max(cur.rowcount, 0)

    async def next_due(self) -> int | None:
        rows = await self._rows(
            "SELECT min(max(due_us, claimed_until_us)) FROM websub_deliveries", ()
        )
        value = rows[0][0]
        return None if value is None else int(value)

    async def claim(self, now_us: int, lease_us: int, limit: int, claim: str) -> list[Delivery]:
        async with self._transaction() as conn:
            taken = await conn.execute_fetchall(
                "UPDATE websub_deliveries SET claim = ?, claimed_until_us = ? "
                "WHERE subscription_id IN (SELECT subscription_id FROM websub_deliveries "
                "WHERE due_us <= ? AND claimed_until_us <= ? ORDER BY due_us LIMIT ?) "
                "RETURNING subscription_id",
                (claim, now_us + lease_us, now_us, now_us, limit),
            )
            ids = [row[0] for row in taken]
            if not ids:
                return []
            rows = await conn.execute_fetchall(
                "SELECT d.subscription_id, s.topic, s.callback, s.secret, d.etag, d.attempts, "
                "d.queued_us FROM websub_deliveries d JOIN websub_subscriptions s "
                f"ON s.id = d.subscription_id WHERE d.subscription_id IN "
                f"({','.join('?' * len(ids))}) ORDER BY d.due_us",
                ids,
            )
        return [
            Delivery(
                subscription_id=row[0],
                topic=row[1],
                callback=row[2],
                secret=row[3],
                etag=row[4],
                attempts=row[5],
                queued_us=row[6],
                claim=claim,
            )
            for row in rows
        ]

    async def delivered(self, subscription_id: int, claim: str, etags: Sequence[str]) -> None:
        async with self._transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM websub_deliveries WHERE subscription_id = ? AND claim = ? "
                f"AND etag IN ({','.join('?' * len(etags))})",
                (subscription_id, claim, *etags),
            )
            if cur.rowcount == 0:  # a newer version came meanwhile: send it too
                await conn.execute(
                    "UPDATE websub_deliveries SET claim = NULL, claimed_until_us = 0, "
                    "attempts = 0, due_us = 0 WHERE subscription_id = ? AND claim = ?",
                    (subscription_id, claim),
                )

    async def retry(self, subscription_id: int, claim: str, due_us: int, error: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE websub_deliveries SET attempts = attempts + 1, due_us = ?, "
                "claim = NULL, claimed_until_us = 0, last_error = ? "
                "WHERE subscription_id = ? AND claim = ?",
                (due_us, error[:500], subscription_id, claim),
            )

    async def give_up(self, subscription_id: int, claim: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "DELETE FROM websub_deliveries WHERE subscription_id = ? AND claim = ?",
                (subscription_id, claim),
            )

    async def release(self, subscription_id: int, claim: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE websub_deliveries SET claim = NULL, claimed_until_us = 0 "
                "WHERE subscription_id = ? AND claim = ?",
                (subscription_id, claim),
            )

    async def end(self, subscription_id: int) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM websub_subscriptions WHERE id = ?", (subscription_id,))

    async def expire(self, now_us: int) -> int:
        lapsed = await self._rows(
            "SELECT 1 FROM websub_subscriptions WHERE expires_us <= ? LIMIT 1", (now_us,)
        )
        if not lapsed:  # the usual case: no write at all
            return 0
        async with self._transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM websub_subscriptions WHERE expires_us <= ?", (now_us,)
            )
            return max(cur.rowcount, 0)

    async def stats(self, now_us: int) -> HubStats:
        rows = await self._rows(
            f"SELECT (SELECT count(*) FROM websub_subscriptions WHERE {_ACTIVE}), "
            "(SELECT count(*) FROM websub_deliveries), "
            "(SELECT min(queued_us) FROM websub_deliveries)",
            (now_us,),
        )
        subscriptions, pending, oldest = rows[0]
        return HubStats(int(subscriptions), int(pending), oldest)

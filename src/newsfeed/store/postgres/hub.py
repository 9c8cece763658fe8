"""PostgreSQL records of the WebSub hub: subscriptions, announced versions, deliveries.

Many instances share them. A claim is one UPDATE of rows picked `FOR UPDATE SKIP LOCKED`
among those due whose claim has lapsed, so two instances never hold the same delivery
(store rule 10). Subscribing (the cap is a count, then an insert) and announcing (a compare,
then inserts) take one transaction-scoped advisory lock first: both are rare, and under it
they are as atomic as on SQLite's single writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg

from newsfeed.model import Delivery, HubStats, stamp
from newsfeed.store.postgres import connect, reads
from newsfeed.store.postgres.connect import Conn

HUB_LOCK = 0x6E66_7773  # pg_advisory_xact_lock key of subscribing and announcing ("nfws")
_ACTIVE = "expires_us > $1"  # now_us is always the first parameter where it is used
T = TypeVar("T")


def _count(status: str) -> int:
    """The row count of a command tag such as `INSERT 0 3` or `DELETE 1`."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class PostgresHub:
    def __init__(self, pool: asyncpg.Pool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout

    async def _read(self, call: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await connect.retrying(self._pool, self._timeout, call, *args)

    @asynccontextmanager
    async def _transaction(self, locked: bool = False) -> AsyncIterator[Conn]:
        async with connect.acquired(self._pool, self._timeout) as conn, conn.transaction():
            if locked:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", HUB_LOCK)
            yield conn

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
        async with self._transaction(locked=True) as conn:
            status = await conn.execute(
                "INSERT INTO websub_subscriptions (topic, callback, secret, lease_seconds, "
                "created_at, expires_us, etag) SELECT $2, $3, $4, $5, $6, $7, $8 "
                "WHERE (SELECT count(*) FROM websub_subscriptions "
                f"WHERE topic = $2 AND callback <> $3 AND {_ACTIVE}) < $9 "
                "ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, "
                "lease_seconds = excluded.lease_seconds, expires_us = excluded.expires_us, "
                # a lapsed subscription starts afresh, from what its subscriber has now
                "etag = CASE WHEN websub_subscriptions.expires_us > $1 THEN "
                "websub_subscriptions.etag ELSE excluded.etag END",
                now_us,
                topic,
                callback,
                secret,
                lease_seconds,
                stamp(reads.from_us(now_us)),
                now_us + lease_seconds * 1_000_000,
                etag,
                cap,
            )
            return _count(status) > 0

    async def unsubscribe(self, topic: str, callback: str) -> bool:
        async with self._transaction() as conn:
            status = await conn.execute(
                "DELETE FROM websub_subscriptions WHERE topic = $1 AND callback = $2",
                topic,
                callback,
            )
            return _count(status) > 0

    async def active(self, topic: str, callback: str, now_us: int) -> bool:
        found = await self._read(
            _fetchval,
            f"SELECT 1 FROM websub_subscriptions WHERE {_ACTIVE} AND topic = $2 AND callback = $3",
            now_us,
            topic,
            callback,
        )
        return found is not None

    async def count(self, topic: str, now_us: int) -> int:
        found = await self._read(
            _fetchval,
            f"SELECT count(*) FROM websub_subscriptions WHERE {_ACTIVE} AND topic = $2",
            now_us,
            topic,
        )
        return int(found)

    async def active_topics(self, now_us: int) -> dict[str, str | None]:
        rows = await self._read(
            _fetch,
            "SELECT s.topic, t.etag FROM (SELECT DISTINCT topic FROM websub_subscriptions "
            f"WHERE {_ACTIVE}) s LEFT JOIN websub_topics t ON t.topic = s.topic "
            'ORDER BY s.topic COLLATE "C"',
            now_us,
        )
        return {row[0]: row[1] for row in rows}

    async def announce(self, topic: str, etag: str, seq: int, now_us: int) -> int | None:
        async with self._transaction(locked=True) as conn:
            known = await conn.fetchval("SELECT seq FROM websub_topics WHERE topic = $1", topic)
            if known is not None and known > seq:
                return None  # built from caches behind the last announcement's
            await conn.execute(
                "INSERT INTO websub_topics (topic, etag, seq) VALUES ($1, $2, $3) "
                "ON CONFLICT (topic) DO UPDATE SET etag = excluded.etag, seq = excluded.seq",
                topic,
                etag,
                seq,
            )
            status = await conn.execute(
                "INSERT INTO websub_deliveries (subscription_id, etag, due_us, queued_us) "
                "SELECT id, $3, $1, $1 FROM websub_subscriptions "
                f"WHERE {_ACTIVE} AND topic = $2 AND etag <> $3 "
                "ON CONFLICT (subscription_id) DO UPDATE SET etag = excluded.etag",
                now_us,
                topic,
                etag,
            )
            await conn.execute(
                "UPDATE websub_subscriptions SET etag = $3 "
                f"WHERE {_ACTIVE} AND topic = $2 AND etag <> $3",
                now_us,
                topic,
                etag,
            )
            return _count(status)

    async def next_due(self) -> int | None:
        value = await self._read(
            _fetchval, "SELECT min(greatest(due_us, claimed_until_us)) FROM websub_deliveries"
        )
        return None if value is None else int(value)

    async def claim(self, now_us: int, lease_us: int, limit: int, claim: str) -> list[Delivery]:
        async with self._transaction() as conn:
            taken = await conn.fetch(
                "UPDATE websub_deliveries SET claim = $1, claimed_until_us = $2 "
                "WHERE subscription_id IN (SELECT subscription_id FROM websub_deliveries "
                "WHERE due_us <= $3 AND claimed_until_us <= $3 ORDER BY due_us LIMIT $4 "
                "FOR UPDATE SKIP LOCKED) RETURNING subscription_id",
                claim,
                now_us + lease_us,
                now_us,
                limit,
            )
            if not taken:
                return []
            rows = await conn.fetch(
                "SELECT d.subscription_id, s.topic, s.callback, s.secret, d.etag, d.attempts, "
                "d.queued_us FROM websub_deliveries d JOIN websub_subscriptions s "
                "ON s.id = d.subscription_id WHERE d.subscription_id = ANY($1::bigint[]) "
                "ORDER BY d.due_us",
                [row[0] for row in taken],
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
            status = await conn.execute(
                "DELETE FROM websub_deliveries WHERE subscription_id = $1 AND claim = $2 "
                "AND etag = ANY($3::text[])",
                subscription_id,
                claim,
                list(etags),
            )
            if _count(status) == 0:  # a newer version came meanwhile: send it too
                await conn.execute(
                    "UPDATE websub_deliveries SET claim = NULL, claimed_until_us = 0, "
                    "attempts = 0, due_us = 0 WHERE subscription_id = $1 AND claim = $2",
                    subscription_id,
                    claim,
                )

    async def retry(self, subscription_id: int, claim: str, due_us: int, error: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE websub_deliveries SET attempts = attempts + 1, due_us = $3, "
                "claim = NULL, claimed_until_us = 0, last_error = $4 "
                "WHERE subscription_id = $1 AND claim = $2",
                subscription_id,
                claim,
                due_us,
                error[:500],
            )

    async def give_up(self, subscription_id: int, claim: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "DELETE FROM websub_deliveries WHERE subscription_id = $1 AND claim = $2",
                subscription_id,
                claim,
            )

    async def release(self, subscription_id: int, claim: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE websub_deliveries SET claim = NULL, claimed_until_us = 0 "
                "WHERE subscription_id = $1 AND claim = $2",
                subscription_id,
                claim,
            )

    async def end(self, subscription_id: int) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM websub_subscriptions WHERE id = $1", subscription_id)

    async def expire(self, now_us: int) -> int:
        lapsed = await self._read(
            _fetchval, "SELECT 1 FROM websub_subscriptions WHERE expires_us <= $1 LIMIT 1", now_us
        )
        if lapsed is None:  # the usual case: no write at all
            return 0
        async with self._transaction() as conn:
            status = await conn.execute(
                "DELETE FROM websub_subscriptions WHERE expires_us <= $1", now_us
            )
            return _count(status)

    async def stats(self, now_us: int) -> HubStats:
        row = await self._read(
            _fetchrow,
            f"SELECT (SELECT count(*) FROM websub_subscriptions WHERE {_ACTIVE}), "
            "(SELECT count(*) FROM websub_deliveries), "
            "(SELECT min(queued_us) FROM websub_deliveries)",
            now_us,
        )
        return HubStats(int(row[0]), int(row[1]), row[2])


async def _fetchval(conn: Conn, sql: str, *args: Any) -> Any:
    return await conn.fetchval(sql, *args)


async def _fetch(conn: Conn, sql: str, *args: Any) -> list[Any]:
    return list(await conn.fetch(sql, *args))


async def _fetchrow(conn: Conn, sql: str, *args: Any) -> Any:
    return await conn.fetchrow(sql, *args)

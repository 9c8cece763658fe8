"""PostgreSQL hit counts: stored counts read with the flush marker, and the batched flush.

A flush is one short transaction: it first locks the batch's rows in id order
(`ORDER BY id FOR UPDATE`), then, in one statement, adds the counts (`unnest` of two
arrays) and records the batch's number in `hit_flushes`. Locking first is what keeps
two processes flushing at once out of deadlocks: the UPDATE alone locks rows in whatever
order its plan visits them, which on a small table is the heap's, and that changes with
every update (measured here: deadlocks within seconds even with sorted ids).

Other instances are not told of a flush: they read counts from the table.

A read takes the counts and this process's marker in one statement, so from one
snapshot: the marker tells which of the process's batches the counts hold (rule 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from newsfeed.model import to_us
from newsfeed.store.postgres.connect import Conn

_MARKER = "(SELECT f.batch FROM hit_flushes f WHERE f.process = $1)"


async def counts(conn: Conn, ids: Sequence[int], process: str) -> list[tuple[int, int, int | None]]:
    rows = await conn.fetch(
        f"SELECT a.id, a.hits, {_MARKER} FROM articles a WHERE a.id = ANY($2::bigint[])",
        process,
        list(ids),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def public(
    conn: Conn, article_id: int, now: datetime, process: str
) -> tuple[int, int | None] | None:
    row = await conn.fetchrow(
        f"SELECT a.hits, {_MARKER} FROM articles a WHERE a.id = $2 "
        "AND a.status = 'published' AND a.published_us <= $3",
        process,
        article_id,
        to_us(now),
    )
    return None if row is None else (row[0], row[1])


async def add(conn: Conn, batch: Mapping[int, int], process: str, number: int) -> None:
    """Add a batch of views and record its number, in one transaction."""
    ordered = sorted(batch.items())  # one entry per id (a mapping), in id order
    ids, views = [i for i, _ in ordered], [n for _, n in ordered]
    async with conn.transaction():
        await conn.execute(
            "SELECT 1 FROM articles WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", ids
        )
        await conn.execute(
            "WITH added AS (UPDATE articles SET hits = articles.hits + d.n "
            "FROM unnest($1::bigint[], $2::bigint[]) AS d(id, n) WHERE articles.id = d.id) "
            "INSERT INTO hit_flushes (process, batch) VALUES ($3, $4) "
            "ON CONFLICT (process) DO UPDATE SET batch = excluded.batch",
            ids,
            views,
            process,
            number,
        )


async def forget(conn: Conn, process: str) -> None:
    await conn.execute("DELETE FROM hit_flushes WHERE process = $1", process)

"""The hit counter's SQL: stored counts read with the flush marker, and the batched flush.

Reads run on a connection of their own, synchronously on the event loop, one statement
at a time and each read to its end, so no snapshot stays open between them (see
`hits.py` for why). Flushes run inside the caller's write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiosqlite

from newsfeed.store.sqlite.schema import Database

READ_TIMEOUT = 2.0  # seconds a read may wait on a lock (WAL readers practically never do)
# The batch number this process last committed, read in the same statement as the counts.
_MARKER = "SELECT f.batch FROM hit_flushes f WHERE f.process = ?"


class StoredCounts:
    """Stored hit counts, each read together with the process's flush marker."""

    def __init__(self, path: Path, process: str) -> None:
        self._process = process
        self._conn = sqlite3.connect(path, isolation_level=None, timeout=READ_TIMEOUT)
        self._conn.execute("PRAGMA query_only=ON")

    def of(self, ids: Sequence[int]) -> list[tuple[int, int, int | None]]:
        """(id, stored hits, marker) for each id that exists."""
        marks = ",".join("?" * len(ids))
        return self._conn.execute(
            f"SELECT a.id, a.hits, ({_MARKER}) FROM articles a WHERE a.id IN ({marks})",
            [self._process, *ids],
        ).fetchall()  # to the end: the statement resets and its snapshot ends

    def of_public(self, article_id: int, now_us: int) -> tuple[int, int | None] | None:
        """(stored hits, marker) of a public article, or None."""
        rows = self._conn.execute(
            f"SELECT a.hits, ({_MARKER}) FROM articles a WHERE a.id = ? "
            "AND a.status = 'published' AND a.published_us <= ?",
            (self._process, article_id, now_us),
        ).fetchall()
        return rows[0] if rows else None

    def close(self) -> None:
        self._conn.close()


async def add(
    conn: aiosqlite.Connection, batch: Mapping[int, int], process: str, number: int
) -> None:
    """Add a batch of views and record its number, in the caller's transaction."""
    await conn.executemany(
        "UPDATE articles SET hits = hits + ? WHERE id = ?",
        [(n, article_id) for article_id, n in batch.items()],
    )
    await conn.execute(
        "INSERT INTO hit_flushes (process, batch) VALUES (?, ?) "
        "ON CONFLICT (process) DO UPDATE SET batch = excluded.batch",
        (process, number),
    )


async def forget(db: Database, process: str) -> None:
    """Drop the process's marker once everything it counted is stored."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM hit_flushes WHERE process = ?", (process,))

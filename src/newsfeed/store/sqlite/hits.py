"""SQLite hit counts: stored counts read with the flush marker, and the batched flush.

Reads run on a connection of their own, synchronously on the event loop: a primary-key
lookup takes microseconds, less than one hop to a database thread, and each statement is
read to its end, so no snapshot stays open between reads. A connection that several
requests share through aiosqlite keeps its read transaction (an old snapshot) open while
any of their cursors is unfinished, which under load can be indefinitely.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiosqlite

READ_TIMEOUT = 2.0  # seconds a read may wait on a lock (WAL readers practically never do)
# The batch number the process last committed, read in the same statement as the counts.
_MARKER = "SELECT f.batch FROM hit_flushes f WHERE f.process = ?"


class StoredCounts:
    """Stored hit counts, each read together with a process's flush marker."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(
            path, isolation_level=None, timeout=READ_TIMEOUT, check_same_thread=False
        )
        self._conn.execute("PRAGMA query_only=ON")

    def of(self, ids: Sequence[int], process: str) -> list[tuple[int, int, int | None]]:
        marks = ",".join("?" * len(ids))
        return self._conn.execute(
            f"SELECT a.id, a.hits, ({_MARKER}) FROM articles a WHERE a.id IN ({marks})",
            [process, *ids],
        ).fetchall()  # to the end: the statement resets and its snapshot ends

    def of_public(
        self, article_id: int, now_us: int, process: str
    ) -> tuple[int, int | None] | None:
        rows = self._conn.execute(
            f"SELECT a.hits, ({_MARKER}) FROM articles a WHERE a.id = ? "
            "AND a.status = 'published' AND a.published_us <= ?",
            (process, article_id, now_us),
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
        [(n, article_id) for article_id, n in sorted(batch.items())],
    )
    await conn.execute(
        "INSERT INTO hit_flushes (process, batch) VALUES (?, ?) "
        "ON CONFLICT (process) DO UPDATE SET batch = excluded.batch",
        (process, number),
    )

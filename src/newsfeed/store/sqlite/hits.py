"""SQLite hit counts: stored counts read with the flush marker, and the batched flush.

Reads run on a connection of their own, synchronously on the event loop: a primary-key
lookup takes microseconds, less than one hop to a database thread, and each statement is
read to its end, so no snapshot stays open between reads. A connection that several
requests share through aiosqlite keeps its read transaction (an old snapshot) open while
any of their cursors is unfinished, which under load can be indefinitely.

Rows read are kept until `PRAGMA data_version` says another connection committed (this
one only reads, so every write, of any process, moves it): a board of twenty counts is
then one pragma instead of a twenty-row statement. Each kept row carries the marker of the
snapshot it was read in, so an answer that mixes rows read at different moments is still
exact row by row (the counter adds, per row, what that row's snapshot lacked).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiosqlite

READ_TIMEOUT = 2.0  # seconds a read may wait on a lock (WAL readers practically never do)
MAX_KEPT = 10_000  # rows kept between commits (a board page holds 20)
# The batch number the process last committed, read in the same statement as the counts.
_MARKER = "SELECT f.batch FROM hit_flushes f WHERE f.process = ?"
_ONE = f"SELECT a.id, a.hits, ({_MARKER}) FROM articles a WHERE a.id = ?"


class StoredCounts:
    """Stored hit counts, each read together with a process's flush marker."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(
            path, isolation_level=None, timeout=READ_TIMEOUT, check_same_thread=False
        )
        self._conn.execute("PRAGMA query_only=ON")
        self._version = -1  # data_version the kept rows were read at (or after)
        self._process = ""  # whose marker the kept rows carry
        self._kept: dict[int, tuple[int, int, int | None]] = {}

    def of(self, ids: Sequence[int], process: str) -> list[tuple[int, int, int | None]]:
        """(id, hits, marker) of the ids that exist. One id (an article page, the API)
        is read as it is: a random article is rarely kept, and the pragma would double
        the statements."""
        if len(ids) == 1:
            return self._conn.execute(_ONE, [process, ids[0]]).fetchall()
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        kept = self._kept
        if version != self._version or process != self._process or len(kept) > MAX_KEPT:
            kept.clear()
            self._version, self._process = version, process
        found = [row for row in map(kept.get, ids) if row is not None]
        if len(found) == len(ids):
            return found
        missing = [i for i in ids if i not in kept]
        marks = ",".join("?" * len(missing))
        rows = self._conn.execute(
            f"SELECT a.id, a.hits, ({_MARKER}) FROM articles a WHERE a.id IN ({marks})",
            [process, *missing],
        ).fetchall()  # to the end: the statement resets and its snapshot ends
        for row in rows:
            kept[row[0]] = row
        return [kept[i] for i in ids if i in kept]

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

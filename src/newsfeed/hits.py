"""The hit counter: exact view counts without a database write per view.

Each worker process keeps the views it has acknowledged as in-memory deltas and adds them
to the database in ONE transaction at least once a second
(`UPDATE articles SET hits = hits + ? WHERE id = ?`). SQLite applies each addition
atomically, so neither concurrent requests nor several processes on one file can lose a
view, as a read-modify-write in Python would. A clean shutdown flushes what is left; a
SIGKILL loses at most the views acknowledged since the last flush (one interval's worth).

The count shown is the stored value plus this process's unflushed views: the batch being
written (kept apart until its commit returns) and those counted since. Two things keep
that sum exact while flushes commit under concurrent reads:

- The stored value is read on the counter's own connection, synchronously, on the event
  loop: a primary-key lookup takes microseconds, less than one hop to a database thread.
  A connection that several requests use at once through aiosqlite keeps its read
  transaction, and so an old snapshot, open for as long as any of their cursors is
  unfinished, which under load can be indefinitely (a stress run showed counts missing
  a flushed batch); this one sees the database as of the moment it reads.
- Each flush numbers its batch and writes the number into `hit_flushes` (one row per
  process) in the same transaction. A read takes that number in the same statement, so
  from the same snapshot, as the counts: it knows whether the batch being committed is
  in what it read, and adds it only if not. No reader ever waits for a commit, which can
  take tens of milliseconds when SQLite checkpoints its WAL inside it.

`read()` serves a fetch that cannot read the marker (a cached page): `_seq` is odd while
a flush commits; the fetch runs when it is even and again if it moved (a seqlock).

Usage (the article fetch itself may use any connection; the hits come from here):

    article = await counter.article(articles.get, db, article_id)       # JSON read
    article = await counter.view(articles.get, db, article_id)          # page: counts one
    hits = await counter.counts([a.id for a in rows])                   # a list's counts
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from newsfeed.model import Article, to_us, utcnow
from newsfeed.store.sqlite import hits as hitstore
from newsfeed.store.sqlite.schema import Database

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds between flushes; other processes see a view within this
STOP_ATTEMPTS = 3  # final flushes tried at shutdown before giving the views up

T = TypeVar("T")


class Counter:
    """This process's unflushed views and the task that writes them to the database."""

    def __init__(self, db: Database, interval: float | None = None) -> None:
        self._db = db
        self._interval = FLUSH_INTERVAL if interval is None else interval
        self._pending: dict[int, int] = {}  # counted since the last flush started
        self._inflight: dict[int, int] = {}  # the batch being written, until its commit returns
        self._seq = 0  # odd while a flush is committing (a seqlock, for read())
        self._token = secrets.token_hex(8)  # this process's row in hit_flushes
        self._batches = 0  # number of the latest batch handed to the database
        self._inflight_no = 0  # the in-flight batch's number (0: none)
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stored: hitstore.StoredCounts | None = None
        self.counted = 0  # views acknowledged by this process since it started
        self.flushed = 0  # of those, views committed to the database

    # --- reads ----------------------------------------------------------------------

    def delta(self, article_id: int) -> int:
        """Views of the article this process acknowledged that the database may not hold."""
        return self._inflight.get(article_id, 0) + self._pending.get(article_id, 0)

    async def read(self, fetch: Callable[..., Awaitable[T]], *args: object, **kwargs: object) -> T:
        """`fetch(*args, **kwargs)` run so that no flush of this process committed meanwhile.

        Prefer `counts()` for hit counts: it reads them where the snapshot is current.
        """
        return await self._consistent(lambda: fetch(*args, **kwargs))

    async def counts(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Current counts as readers should see them; ids that no longer exist are left out."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        return self._shown(ids)

    async def article(
        self, fetch: Callable[..., Awaitable[Article | None]], *args: object, **kwargs: object
    ) -> Article | None:
        """One article from `fetch(*args, **kwargs)`, with its current hit count."""
        found = await fetch(*args, **kwargs)
        if found is None:
            return None
        return self._with_hits(found, await self.counts([found.id]))

    async def articles(
        self, fetch: Callable[..., Awaitable[list[Article]]], *args: object, **kwargs: object
    ) -> list[Article]:
        """Articles from `fetch(*args, **kwargs)`, each with its current hit count."""
        found = await fetch(*args, **kwargs)
        counts = await self.counts([a.id for a in found])
        return [self._with_hits(a, counts) for a in found]

    @staticmethod
    def _with_hits(article: Article, counts: dict[int, int]) -> Article:
        hits = counts.get(article.id, article.hits)
        return article if hits == article.hits else dataclasses.replace(article, hits=hits)

    # --- counting -------------------------------------------------------------------

    async def view(
        self, fetch: Callable[..., Awaitable[Article | None]], *args: object, **kwargs: object
    ) -> Article | None:
        """Count one view of the public article `fetch(*args)` finds; None counts nothing.

        For the article page: `fetch` must return only public articles (`articles.get`
        does by default). The count returned includes this view.
        """
        found = await fetch(*args, **kwargs)
        if found is None:
            return None
        self._count(found.id)
        shown = self._shown([found.id])
        if found.id not in shown:  # deleted meanwhile: take the view back
            self._uncount(found.id)
            return None
        return dataclasses.replace(found, hits=shown[found.id])

    async def hit(self, article_id: int, now: datetime | None = None) -> int | None:
        """Count one view of a public article; its new count, or None (nothing counted)."""
        shown = self._public_shown(article_id, to_us(now or utcnow()))
        if shown is None:
            return None
        self._count(article_id)
        return shown + 1

    def _count(self, article_id: int) -> None:
        self._pending[article_id] = self._pending.get(article_id, 0) + 1
        self.counted += 1

    def _uncount(self, article_id: int) -> None:
        left = self._pending[article_id] - 1
        if left:
            self._pending[article_id] = left
        else:
            del self._pending[article_id]
        self.counted -= 1

    def _unseen(self, article_id: int, marker: int | None) -> int:
        """Views the snapshot that read `marker` from hit_flushes does not hold."""
        unseen = self._pending.get(article_id, 0)
        if self._inflight_no > (marker or 0):
            unseen += self._inflight.get(article_id, 0)
        return unseen

    async def _settled(self) -> None:
        """Return (in the same step as the caller's read) when no flush is open."""
        while self._seq % 2:
            await self._idle.wait()

    async def _consistent(self, read: Callable[[], Awaitable[T]]) -> T:
        """`read()` such that no flush of this process committed while it ran."""
        while True:
            await self._settled()
            seq = self._seq
            result = await read()
            if self._seq == seq:
                return result

    def _shown(self, ids: list[int]) -> dict[int, int]:
        """Stored counts plus what their snapshot lacks; one statement, so one snapshot."""
        rows = self._store().of(ids)
        return {int(i): int(n) + self._unseen(int(i), marker) for i, n, marker in rows}

    def _public_shown(self, article_id: int, now_us: int) -> int | None:
        found = self._store().of_public(article_id, now_us)
        if found is None:
            return None
        hits, marker = found
        return int(hits) + self._unseen(article_id, marker)

    def _store(self) -> hitstore.StoredCounts:
        if self._stored is None:
            raise RuntimeError("the hit counter is not started")
        return self._stored

    # --- flushing -------------------------------------------------------------------

    async def flush(self) -> int:
        """Add the pending views to the database in one transaction; how many were added.

        On failure the batch goes back to pending, so the next flush retries it.
        """
        async with self._flush_lock:
            if not self._pending:
                return 0
            batch, self._pending = self._pending, {}
            self._batches += 1
            self._inflight, self._inflight_no = batch, self._batches
            committing = False
            try:
                async with self._db.transaction() as conn:
                    # The batch number is committed with the batch: a reader's snapshot
                    # tells by it whether the batch is in, so no reader waits for the commit.
                    await hitstore.add(conn, batch, self._token, self._batches)
                    # Until here the updates are invisible to other connections, so
                    # readers went on; only the commit itself is ambiguous to them.
                    self._seq += 1
                    self._idle.clear()
                    committing = True
            except BaseException:
                for article_id, n in batch.items():
                    self._pending[article_id] = self._pending.get(article_id, 0) + n
                raise
            finally:
                # Same step as the commit returning: readers see the batch in the
                # database or in memory, never both, never neither.
                self._inflight, self._inflight_no = {}, 0
                if committing:
                    self._seq += 1
                    self._idle.set()
            added = sum(batch.values())
            self.flushed += added
            return added

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                # Shielded: cancelling the task mid-commit must not make us believe the
                # batch failed (and count it again); stop() waits for it via the lock.
                await asyncio.shield(self.flush())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hit flush failed; %d views kept for the next one", self.unflushed)

    @property
    def unflushed(self) -> int:
        return sum(self._pending.values()) + sum(self._inflight.values())

    async def start(self, path: Path) -> None:
        """Open the counter's read connection and start the periodic flush (cleanup_ctx)."""
        self._stored = hitstore.StoredCounts(path, self._token)
        self._task = asyncio.create_task(self._flush_forever(), name="hit-flusher")

    async def stop(self) -> None:
        """Stop the periodic flush and write every view still in memory."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for attempt in range(1, STOP_ATTEMPTS + 1):
            try:
                await self.flush()
                break
            except sqlite3.Error:  # e.g. another process held the write lock too long
                log.exception("final hit flush, attempt %d of %d", attempt, STOP_ATTEMPTS)
                if attempt == STOP_ATTEMPTS:
                    log.error("%d views could not be stored", self.unflushed)
        if self._batches and not self.unflushed:
            await hitstore.forget(self._db, self._token)
        if self._stored is not None:
            self._stored.close()
            self._stored = None
        log.info(
            "hit counter of process %d stopped: %d views counted, %d flushed",
            os.getpid(),
            self.counted,
            self.flushed,
        )

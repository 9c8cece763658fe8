"""The hit counter: exact view counts without a database write per view.

Each worker process keeps the views it has acknowledged as in-memory deltas and adds them
to the database in ONE transaction at least once a second
(`UPDATE articles SET hits = hits + ? WHERE id = ?`). SQLite applies each addition
atomically, so neither concurrent requests nor several processes on one file can lose a
view, as a read-modify-write in Python would. A clean shutdown flushes what is left; a
SIGKILL loses at most the views acknowledged since the last flush (one interval's worth).

The count shown is the stored value plus this process's unflushed views: the batch being
written (kept apart until its commit returns) and those counted since. A read of the
stored value must not straddle a flush's commit, or the batch would be counted twice or
not at all. The counter is therefore a seqlock: `_seq` is odd while a flush transaction
is open; a read that started on an even value and ends on the same value saw the
database either before or after every commit the process made, consistently with the
deltas in memory at that instant. A read that overlaps a flush waits for it and runs again.

Usage, always adding the deltas in the same step as the read returns (no `await` between):

    article = await counter.article(articles.get, db, article_id)       # JSON read
    article = await counter.view(articles.get, db, article_id)          # page: counts one
    found, total = await counter.read(articles.board, db, offset=0)     # any other read
    shown = [counter.shown(a) for a in found]
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from newsfeed.articles import Article, to_us, utcnow
from newsfeed.db import Database

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds between flushes; other processes see a view within this

T = TypeVar("T")


class Counter:
    """This process's unflushed views and the task that writes them to the database."""

    def __init__(self, db: Database, interval: float = FLUSH_INTERVAL) -> None:
        self._db = db
        self._interval = interval
        self._pending: dict[int, int] = {}  # counted since the last flush started
        self._inflight: dict[int, int] = {}  # the batch being written, until its commit returns
        self._seq = 0  # odd while a flush transaction is open (a seqlock)
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.counted = 0  # views acknowledged by this process since it started
        self.flushed = 0  # of those, views committed to the database

    # --- reads ----------------------------------------------------------------------

    async def read(self, fetch: Callable[..., Awaitable[T]], *args: object, **kwargs: object) -> T:
        """Run `fetch(*args)`, a database read that no commit of this process's hits overlapped.

        Add the deltas (`shown`, `delta`) right after it returns, before any other `await`.
        """
        return await self._consistent(fetch, args, kwargs)

    def delta(self, article_id: int) -> int:
        """Views of the article this process acknowledged that the database may not hold."""
        return self._inflight.get(article_id, 0) + self._pending.get(article_id, 0)

    def shown(self, article: Article) -> Article:
        """The article with its hit count as readers should see it."""
        extra = self.delta(article.id)
        return dataclasses.replace(article, hits=article.hits + extra) if extra else article

    async def article(
        self,
        fetch: Callable[..., Awaitable[Article | None]],
        *args: object,
        **kwargs: object,
    ) -> Article | None:
        """One article from `fetch(*args)`, its hits including this process's pending ones."""
        found = await self._consistent(fetch, args, kwargs)
        return None if found is None else self.shown(found)

    async def articles(
        self,
        fetch: Callable[..., Awaitable[list[Article]]],
        *args: object,
        **kwargs: object,
    ) -> list[Article]:
        """A list of articles from `fetch(*args)`, each with its pending hits."""
        found = await self._consistent(fetch, args, kwargs)
        return [self.shown(a) for a in found]

    # --- counting -------------------------------------------------------------------

    async def view(
        self,
        fetch: Callable[..., Awaitable[Article | None]],
        *args: object,
        **kwargs: object,
    ) -> Article | None:
        """Count one view of the public article `fetch(*args)` finds; None counts nothing.

        For the article page: `fetch` must return only public articles (`articles.get`
        does by default). The count returned includes this view.
        """
        found = await self._consistent(fetch, args, kwargs)
        if found is None:
            return None
        self._count(found.id)
        return self.shown(found)

    async def hit(self, article_id: int, now: datetime | None = None) -> int | None:
        """Count one view of a public article; its new count, or None (nothing counted)."""
        stored = await self._consistent(_public_hits, (self._db, article_id, now), {})
        if stored is None:
            return None
        self._count(article_id)
        return stored + self.delta(article_id)

    def _count(self, article_id: int) -> None:
        self._pending[article_id] = self._pending.get(article_id, 0) + 1
        self.counted += 1

    async def _consistent(
        self, fetch: Callable[..., Awaitable[T]], args: tuple[object, ...], kwargs: dict[str, Any]
    ) -> T:
        while True:
            await self._idle.wait()  # returns at once (no suspension) when no flush is open
            seq = self._seq
            result = await fetch(*args, **kwargs)
            if self._seq == seq:
                return result

    # --- flushing -------------------------------------------------------------------

    async def flush(self) -> int:
        """Add the pending views to the database in one transaction; how many were added.

        On failure the batch goes back to pending, so the next flush retries it.
        """
        async with self._flush_lock:
            if not self._pending:
                return 0
            batch, self._pending = self._pending, {}
            self._inflight = batch
            self._seq += 1
            self._idle.clear()
            try:
                async with self._db.transaction() as conn:
                    await conn.executemany(
                        "UPDATE articles SET hits = hits + ? WHERE id = ?",
                        [(n, article_id) for article_id, n in batch.items()],
                    )
            except BaseException:
                for article_id, n in batch.items():
                    self._pending[article_id] = self._pending.get(article_id, 0) + n
                raise
            finally:
                # Same step as the commit returning: readers see the batch in the
                # database or in memory, never both, never neither.
                self._inflight = {}
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

    def start(self) -> None:
        """Start the periodic flush (in the app's cleanup_ctx)."""
        self._task = asyncio.create_task(self._flush_forever(), name="hit-flusher")

    async def stop(self) -> None:
        """Stop the periodic flush and write every view still in memory."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
        log.info(
            "hit counter of process %d stopped: %d views counted, %d flushed",
            os.getpid(),
            self.counted,
            self.flushed,
        )


async def _public_hits(db: Database, article_id: int, now: datetime | None) -> int | None:
    """The stored count of a public article; None when it is missing, draft or scheduled."""
    async with db.reader.execute(
        "SELECT hits FROM articles WHERE id = ? AND status = 'published' AND published_us <= ?",
        (article_id, to_us(now or utcnow())),
    ) as cur:
        row = await cur.fetchone()
    return None if row is None else int(row[0])

"""The hit counter: exact view counts without a database write per view.

Each process keeps the views it has acknowledged as in-memory deltas and adds them to the
database in one transaction every `FLUSH_INTERVAL` (`Store.add_hits`: an atomic
`hits = hits + n` per article, so neither concurrent requests nor several processes or
machines on one database can lose a view, as a read-modify-write would). A clean
shutdown flushes what is left; a SIGKILL loses at most the views acknowledged since the
last flush.

The count shown is the stored value plus what of this process's views the stored value
does not hold yet. Each flush numbers its batch, and the store commits the number with
the batch (`hit_flushes`) and answers every read of counts with the number it saw, from
the same snapshot (store rule 2). So a read knows exactly which of this process's batches
its snapshot holds: it adds the pending views and every batch numbered above what it
saw — those being committed, those whose commit is in doubt, and those committed while
the read was on its way (kept for `RETAIN_SECONDS`, longer than any statement may run).
No reader waits for a commit, and no batch is counted twice or missed.

A flush that fails may still have committed (a connection lost during COMMIT). Its batch
is kept "in doubt" and the next flush asks the store for the number it holds: the batch
goes back to pending only if it is not in.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from newsfeed.model import Article, utcnow
from newsfeed.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.5  # seconds between flushes; other processes see a view within this
STOP_ATTEMPTS = 3  # final flushes tried at shutdown before giving the views up
RETAIN_SECONDS = 30.0  # committed batches kept for reads still on their way

Batch = dict[int, int]


class Counter:
    """This process's unflushed views and the task that writes them to the store."""

    def __init__(self, store: Store, interval: float | None = None) -> None:
        self._store = store
        self._interval = FLUSH_INTERVAL if interval is None else interval
        self._pending: Batch = {}  # counted since the last flush started
        self._inflight: dict[int, Batch] = {}  # batch number -> batch being committed
        self._doubt: tuple[int, Batch] | None = None  # a failed flush that may be in
        self._recent: deque[tuple[int, Batch, float]] = deque()  # committed lately
        self._token = secrets.token_hex(8)  # this process's row in hit_flushes
        self._batches = 0  # number of the latest batch handed to the store
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.counted = 0  # views acknowledged by this process since it started
        self.flushed = 0  # of those, views committed to the database

    # --- reads ----------------------------------------------------------------------

    async def counts(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Current counts as readers should see them; ids that no longer exist are left out."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        rows = await self._store.hit_counts(ids, self._token)
        pending = self._pending
        if not self._inflight and self._doubt is None and not self._recent:
            if not pending:
                return {i: n for i, n, _ in rows}
            return {i: n + pending.get(i, 0) for i, n, _ in rows}
        late: dict[int | None, list[Batch]] = {}  # per marker (one per snapshot read)
        shown = {}
        for article_id, n, marker in rows:
            batches = late.get(marker)
            if batches is None:
                batches = late[marker] = self._unseen_batches(marker)
            extra = pending.get(article_id, 0)
            for batch in batches:
                extra += batch.get(article_id, 0)
            shown[article_id] = n + extra
        return shown

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

    def _unseen(self, article_id: int, marker: int | None) -> int:
        """Views of this process that a snapshot which saw `marker` does not hold."""
        return self._pending.get(article_id, 0) + sum(
            batch.get(article_id, 0) for batch in self._unseen_batches(marker)
        )

    def _unseen_batches(self, marker: int | None) -> list[Batch]:
        """The batches handed to the store that a snapshot which saw `marker` lacks:
        numbered above it (in flight, in doubt, or committed after it was read)."""
        seen = marker or 0
        found = [batch for number, batch in self._inflight.items() if number > seen]
        if self._doubt is not None and self._doubt[0] > seen:
            found.append(self._doubt[1])
        # Numbers grow along _recent (flushes take turns under the lock), so a snapshot
        # lacks a suffix of it: usually nothing, as it saw the latest commit.
        for number, batch, _ in reversed(self._recent):
            if number <= seen:
                break
            found.append(batch)
        return found

    # --- counting -------------------------------------------------------------------

    async def view(
        self, fetch: Callable[..., Awaitable[Article | None]], *args: object, **kwargs: object
    ) -> Article | None:
        """Count one view of the public article `fetch(*args)` finds; None counts nothing.

        For the article page: `fetch` must return only public articles. The count
        returned includes this view.
        """
        found = await fetch(*args, **kwargs)
        if found is None:
            return None
        self._count(found.id)
        shown = await self.counts([found.id])
        if found.id not in shown:  # deleted meanwhile: take the view back
            self._uncount(found.id)
            return None
        return dataclasses.replace(found, hits=shown[found.id])

    async def hit(self, article_id: int, now: datetime | None = None) -> int | None:
        """Count one view of a public article; its new count, or None (nothing counted)."""
        found = await self._store.public_hits(article_id, now or utcnow(), self._token)
        if found is None:
            return None
        hits, marker = found
        shown = int(hits) + self._unseen(article_id, marker)
        self._count(article_id)
        return shown + 1

    def _count(self, article_id: int) -> None:
        self._pending[article_id] = self._pending.get(article_id, 0) + 1
        self.counted += 1

    def _uncount(self, article_id: int) -> None:
        left = self._pending.get(article_id, 0) - 1
        if left > 0:
            self._pending[article_id] = left
        else:
            self._pending.pop(article_id, None)
        self.counted -= 1

    def _restore(self, batch: Batch) -> None:
        for article_id, n in batch.items():
            self._pending[article_id] = self._pending.get(article_id, 0) + n

    # --- flushing -------------------------------------------------------------------

    async def flush(self) -> int:
        """Add the pending views to the database in one transaction; how many were added.

        On failure the batch is kept in doubt, and settled by the next flush.
        """
        async with self._flush_lock:
            added = await self._settle_doubt()
            if not self._pending:
                return added
            batch, self._pending = self._pending, {}
            self._batches += 1
            number = self._batches
            self._inflight[number] = batch
            try:
                await self._store.add_hits(batch, self._token, number)
            except BaseException:
                self._doubt = (number, batch)
                raise
            finally:
                del self._inflight[number]  # same step as the doubt or the commit is kept
            self._committed(number, batch)
            return added + sum(batch.values())

    async def _settle_doubt(self) -> int:
        """Whether the last failed flush committed after all; its views if it did."""
        if self._doubt is None:
            return 0
        number, batch = self._doubt
        marker = await self._store.hit_marker(self._token)
        self._doubt = None
        if (marker or 0) >= number:
            self._committed(number, batch)
            return sum(batch.values())
        self._restore(batch)
        return 0

    def _committed(self, number: int, batch: Batch) -> None:
        now = time.monotonic()
        self._recent.append((number, batch, now))
        while self._recent and now - self._recent[0][2] > RETAIN_SECONDS:
            self._recent.popleft()
        self.flushed += sum(batch.values())

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                # Shielded: cancelling the task mid-commit must not make us believe the
                # batch failed; stop() waits for it via the lock.
                await asyncio.shield(self.flush())
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as exc:
                log.warning("hit flush failed (%s); %d views kept", exc, self.unflushed)
            except Exception:
                log.exception("hit flush failed; %d views kept for the next one", self.unflushed)

    @property
    def unflushed(self) -> int:
        doubt = sum(self._doubt[1].values()) if self._doubt else 0
        inflight = sum(sum(b.values()) for b in self._inflight.values())
        return sum(self._pending.values()) + inflight + doubt

    async def start(self) -> None:
        """Start the periodic flush (from the app's cleanup_ctx)."""
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
                if not self.unflushed:
                    break
            except StoreUnavailable:  # e.g. another process held the write lock too long
                log.exception("final hit flush, attempt %d of %d", attempt, STOP_ATTEMPTS)
                if attempt < STOP_ATTEMPTS:
                    await asyncio.sleep(0.5 * attempt)
        if self.unflushed:
            log.error("%d views could not be stored", self.unflushed)
        elif self._batches:
            with contextlib.suppress(StoreUnavailable):
                await self._store.forget_hits(self._token)
        log.info(
            "hit counter of process %d stopped: %d views counted, %d flushed",
            os.getpid(),
            self.counted,
            self.flushed,
        )

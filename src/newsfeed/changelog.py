"""Following the change log, so that every process drops exactly what any write changed.

Every editorial write, in any process on any machine, adds a row to the store's change
log naming the languages and categories it touched, and the rows commit in sequence
order (store rule 1). The follower reads the rows past the last one it applied and hands
each to its listeners (the feed cache drops those feeds); its `seq` is the version the
page cache keeps pages by. It reads:
- right after a write in this process (`sync()`, before the write answers), so the
  writer's next read already sees it;
- whenever the store says another process may have written (`wait_for_change`: a short
  poll on SQLite, LISTEN/NOTIFY on PostgreSQL), and at least every `POLL_SECONDS`, which
  also covers notifications lost while a connection was down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from newsfeed.model import Change
from newsfeed.store import Store

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5

Listener = Callable[[Change], None]


class Follower:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self.seq = 0  # the last change applied

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def sync(self) -> None:
        """Apply every change logged since the last sync, by any process."""
        async with self._lock:
            for change in await self._store.changes_since(self.seq):
                for listener in self._listeners:
                    listener(change)
                self.seq = change.seq

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Follower]:
        """Start from the log's end (nothing is cached yet) and follow until exit."""
        self.seq = await self._store.last_seq()
        task = asyncio.create_task(self._follow(), name="change-follower")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self) -> None:
        while True:
            try:
                await self._store.wait_for_change(POLL_SECONDS)
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy, closing or restarting database: next round
                log.warning("reading the change log failed", exc_info=True)
                await asyncio.sleep(POLL_SECONDS)

"""Following other instances' writes: LISTEN on a connection of its own (rule 3).

Editorial writes notify `newsfeed_changes` at commit (payload: the last seq they logged);
each notification wakes `wait_for_change`, whose callers then re-read the change log with
`changes_since`. Hit flushes notify nothing: they do not touch the change log.

A notification sent while the listening connection is down is lost, so a lost connection
is reopened in the background (with growing pauses while the server is away) and every
waiter woken as if it had heard a change: the caller re-reads the change log, and nothing
is missed. A connection that dies without a word (no FIN from a vanished host) is found
by a `SELECT 1` every `KEEPALIVE` seconds.

The connection is not from the pool: LISTEN is session state, and a pooled connection
goes back to other uses. (Behind PgBouncer in transaction mode LISTEN hears nothing: this
connection must go to the server directly.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from newsfeed.store.postgres.connect import unavailable
from newsfeed.store.postgres.writes import CHANGES_CHANNEL

log = logging.getLogger(__name__)

KEEPALIVE = 10.0  # seconds between checks that the quiet connection still answers
RETRY_FIRST, RETRY_MAX = 0.1, 2.0  # pauses between attempts to reconnect


class Follower:
    """A way to wait for the next write of another instance (or of this one)."""

    def __init__(
        self, connect: Callable[[], Awaitable[asyncpg.Connection]], timeout: float
    ) -> None:
        self._connect = connect
        self._timeout = timeout
        self.reconnects = 0
        self._woken = asyncio.Event()  # set by news, cleared by the waiter it wakes
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen now (so that a write made after `open` returns is heard), then keep
        listening in the background."""
        conn = await self._listen()
        self._task = asyncio.create_task(self._follow(conn), name="newsfeed-pg-follower")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    async def wait(self, seconds: float) -> None:
        """Return when news arrives (or arrived since the last waiter woke), or after
        `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), seconds)
            self._woken.clear()

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    # --- the connection -------------------------------------------------------------

    async def _listen(self) -> asyncpg.Connection:
        conn = await self._connect()
        try:
            await conn.add_listener(CHANGES_CHANNEL, self._on_change)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        return conn

    async def _close(self) -> None:
        """Drop the connection; nothing on it is worth a graceful goodbye."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def _follow(self, conn: asyncpg.Connection) -> None:
        while True:
            try:
                await self._hold(conn)
            except Exception:  # never let the follower die: start over on a new connection
                log.exception("PostgreSQL LISTEN connection failed")
            await self._close()
            conn = await self._reconnect()
            self.reconnects += 1
            self._woken.set()  # whatever was sent meanwhile is lost: treat it as news

    async def _hold(self, conn: asyncpg.Connection) -> None:
        """Return when the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), KEEPALIVE)
                return
            try:
                await conn.fetchval("SELECT 1", timeout=self._timeout)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                log.warning("PostgreSQL LISTEN connection lost: %s", exc)
                return

    async def _reconnect(self) -> asyncpg.Connection:
        pause = RETRY_FIRST
        while True:
            try:
                return await self._listen()
            except Exception as exc:
                log.info("PostgreSQL LISTEN connection: %s; again in %.1f s", exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MAX)

    # --- notifications (called by asyncpg on the event loop) ------------------------

    def _on_change(self, _conn: object, _pid: int, _channel: str, _payload: object) -> None:
        self._woken.set()

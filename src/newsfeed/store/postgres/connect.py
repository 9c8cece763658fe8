"""Connections to PostgreSQL, and what their failures mean (store rule 4).

Every failure that means "the database is not answering" becomes `StoreUnavailable`,
quickly: the server cancels any statement after `timeout` (`statement_timeout`, sent as a
connection setting so it holds on every pooled connection), asyncpg gives up waiting as
well (`command_timeout`), and taking a connection from a busy pool waits at most as long.
After a server restart the pool needs nothing from us: asyncpg notices the closed
connections and opens new ones on the next acquire; a read that meets a connection the
restart killed before asyncpg noticed is tried once more on a fresh one (`retrying`).

Pooled connections are not reset when released (`reset=_keep_session`): the store never
changes session state on them (no SET, no LISTEN, only transaction-scoped advisory locks),
so asyncpg's reset query (`RESET ALL; UNLISTEN *; ...`) would be a round trip for nothing
on every query. asyncpg still rolls back a transaction left open.

Prepared statements are cached per connection (asyncpg's default). Behind PgBouncer in
transaction mode that cache must be off (`statement_cache_size=0`) and LISTEN needs a
direct connection: neither is supported here yet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from newsfeed.store import StoreUnavailable

T = TypeVar("T")
# What the store's queries run on: a pooled connection, or one of its own.
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

APPLICATION_NAME = "newsfeed"
# A transaction idle this many `timeout`s (a process stuck between two statements while
# holding the editorial lock) is ended by the server, so it cannot hold up every writer.
IDLE_IN_TRANSACTION_TIMEOUTS = 6

# SQLSTATE classes and codes that mean the server is not answering, not that a query is
# wrong: 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutdown, cannot connect now, statement_timeout's
# query_canceled), 25006 read-only transaction (a standby after a failover).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_CODES = ("25006",)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database does not answer (rather than a bug or a conflict)."""
    if dropped(exc) or isinstance(
        exc,
        OSError
        | TimeoutError
        | asyncio.TimeoutError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError,
    ):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        code = str(exc.sqlstate or "")
        return code[:2] in _UNAVAILABLE_CLASSES or code in _UNAVAILABLE_CODES
    return False


def dropped(exc: BaseException) -> bool:
    """Whether `exc` is a connection that died under us (worth one retry on a new one),
    as opposed to a server that is down or slow (where retrying only doubles the wait).

    `InternalClientError` is what asyncpg raises, now and then, for a query sent on a
    connection whose server process has just said goodbye (57P01) but whose socket has
    not been seen closing yet: "cannot switch to state 12; another operation (2) is in
    progress".
    """
    if isinstance(
        exc,
        asyncpg.ConnectionDoesNotExistError
        | asyncpg.exceptions.InternalClientError
        | ConnectionResetError,
    ):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return str(exc.sqlstate or "") in ("57P01", "57P02")  # admin / crash shutdown
    return False


def as_unavailable(exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}".rstrip(": "))


def server_settings(timeout: float, *, statements: bool = True) -> dict[str, str]:
    """Per-connection settings; `statements=False` for connections that may wait long on
    purpose (migrations behind their lock, the LISTEN connection)."""
    settings = {"application_name": APPLICATION_NAME}
    if statements:
        ms = str(max(1, round(timeout * 1000)))
        settings["statement_timeout"] = ms
        settings["idle_in_transaction_session_timeout"] = str(
            round(timeout * 1000 * IDLE_IN_TRANSACTION_TIMEOUTS)
        )
    return settings


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset hook: nothing to undo (see the module docstring)."""


async def create_pool(url: str, *, size: int, seconds: float) -> asyncpg.Pool:
    """A pool of 1..`size` connections (at least one is opened now: a dead URL fails here)."""
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min(2, max(1, size)),
            max_size=max(1, size),
            timeout=seconds,  # to connect
            command_timeout=seconds,
            max_inactive_connection_lifetime=60.0,
            reset=_keep_session,
            server_settings=server_settings(seconds),
        )
    except Exception as exc:
        if unavailable(exc) or isinstance(exc, asyncpg.PostgresError):
            raise as_unavailable(exc) from exc
        raise
    assert pool is not None
    return pool


async def connect(url: str, *, seconds: float) -> asyncpg.Connection:
    """One connection outside the pool, without statement timeouts (migrations, LISTEN)."""
    try:
        return await asyncpg.connect(
            url, timeout=seconds, server_settings=server_settings(seconds, statements=False)
        )
    except Exception as exc:
        if unavailable(exc) or isinstance(exc, asyncpg.PostgresError):
            raise as_unavailable(exc) from exc
        raise


@asynccontextmanager
async def acquired(pool: asyncpg.Pool, seconds: float) -> AsyncIterator[Conn]:
    """A pooled connection; failures to get or use it raise `StoreUnavailable`.

    A connection that died under its user is closed at once, and the pool's other
    connections are replaced as they are next taken: one connection dying means the
    server most likely restarted, which killed them all, and handing them out one by
    one would fail a request for each.
    """
    try:
        async with pool.acquire(timeout=seconds) as conn:
            try:
                yield conn
            except Exception as exc:
                if dropped(exc):
                    await pool.expire_connections()
                    with contextlib.suppress(asyncpg.InterfaceError):  # released already
                        conn.terminate()
                raise
    except StoreUnavailable:
        raise
    except Exception as exc:
        if unavailable(exc):
            raise as_unavailable(exc) from exc
        raise


async def retrying(
    pool: asyncpg.Pool, seconds: float, call: Callable[..., Awaitable[T]], *args: Any
) -> T:
    """`call(conn, *args)` on a pooled connection, once more on a fresh one if the first
    had died (a server restart): for reads, which are safe to repeat."""
    for attempt in (1, 2):
        try:
            async with acquired(pool, seconds) as conn:
                return await call(conn, *args)
        except StoreUnavailable as exc:
            if attempt == 2 or exc.__cause__ is None or not dropped(exc.__cause__):
                raise
    raise AssertionError("unreachable")


async def close_within(closing: Awaitable[None], seconds: float, abort: Callable[[], None]) -> None:
    """Await a graceful close for at most `seconds`, else `abort()` (terminate) instead.

    Not `wait_for`: on timeout it cancels the close and then waits for it to end, which a
    close stuck on a dead connection may never do.
    """
    task = asyncio.ensure_future(closing)
    await asyncio.wait({task}, timeout=seconds)
    if not task.done():
        abort()
        await asyncio.wait({task}, timeout=seconds)  # terminating should end it at once
        task.cancel()
    elif task.cancelled() or task.exception() is not None:
        abort()

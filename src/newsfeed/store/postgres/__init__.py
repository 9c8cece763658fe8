"""The PostgreSQL store: any number of newsfeed instances on one database.

`NEWSFEED_DB=postgresql://user:password@host:5432/db`. The database must have a UTF-8
LC_CTYPE (pg_trgm sees no Hangul otherwise; `open` refuses it, saying how to create one)
and pg_trgm available (created by the first migration; a trusted extension, so the
database's owner may). Modules, each owning one thing:

- `connect`: the pool, timeouts, and which failures mean "unavailable" (rule 4);
- `schema`: migrations under an advisory lock, and the LC_CTYPE check;
- `reads`, `search`, `editors`, `hits`, `tables`: the questions, one statement each
  where one snapshot matters;
- `writes`: the editorial `WriteTx`, serialized by an advisory lock (rule 1);
- `follow`: LISTEN/NOTIFY on a connection of its own, for `wait_for_change` (rule 3).

Every method that touches the database raises `StoreUnavailable` when it does not answer;
reads are retried once when the connection they got had died (a server restart).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from newsfeed.model import (
    Article,
    BoardRow,
    Change,
    Cursor,
    EditorRecord,
    SearchHit,
    SitemapRow,
)
from newsfeed.store import StoreUnavailable
from newsfeed.store.postgres import (
    archives,
    audit,
    connect,
    editors,
    hits,
    idempotency,
    reads,
    revisions,
    schema,
    search,
    sessions,
    status,
    tables,
)
from newsfeed.store.postgres.follow import Follower
from newsfeed.store.postgres.hub import PostgresHub
from newsfeed.store.postgres.writes import PostgresWriteTx, begin
from newsfeed.workflow import AuditEntry, IdempotencyRecord, Position, Revision, StatusRow

T = TypeVar("T")


class PostgresStore:
    kind = "postgres"

    def __init__(self, pool: asyncpg.Pool, follower: Follower, timeout: float) -> None:
        self._pool = pool
        self._follower = follower
        self._timeout = timeout
        self.hub = PostgresHub(pool, timeout)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        pool: int = 10,
        timeout: float = 5.0,  # noqa: ASYNC109 - every statement's limit, not this call's
        migrate: bool = True,
    ) -> PostgresStore:
        """Check the database, migrate it unless told not to, and open the pool and the
        LISTEN connection. Raises `StoreUnavailable`, saying why, when it cannot."""
        await _prepare(url, timeout, migrate)
        opened = await connect.create_pool(url, size=pool, seconds=timeout)
        follower = Follower(lambda: connect.connect(url, seconds=timeout), timeout)
        try:
            await follower.start()
        except BaseException as exc:
            opened.terminate()
            if isinstance(exc, Exception) and connect.unavailable(exc):
                raise connect.as_unavailable(exc) from exc
            raise
        return cls(opened, follower, timeout)

    async def close(self) -> None:
        await self._follower.stop()
        await connect.close_within(self._pool.close(), self._timeout, self._pool.terminate)

    async def _read(self, call: Callable[..., Awaitable[T]], *args: Any) -> T:
        return await connect.retrying(self._pool, self._timeout, call, *args)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[connect.Conn]:
        """One transaction on a pooled connection."""
        async with connect.acquired(self._pool, self._timeout) as conn, conn.transaction():
            yield conn

    async def ping(self) -> bool:
        return bool(await self._read(_fetchval, "SELECT 1"))

    # --- articles ---------------------------------------------------------------------

    async def article(
        self, article_id: int, *, public_only: bool = True, now: datetime | None = None
    ) -> Article | None:
        found = await self._read(reads.fetch, article_id)
        if found is None or (public_only and not found.is_public(now)):
            return None
        return found

    async def latest(
        self,
        *,
        lang: str | None = None,
        category: str | None = None,
        limit: int = 20,
        after: Cursor | None = None,
        public_only: bool = True,
        now: datetime | None = None,
    ) -> list[Article]:
        async def call(conn: connect.Conn) -> list[Article]:
            return await reads.latest(
                conn,
                lang=lang,
                category=category,
                limit=limit,
                after=after,
                public_only=public_only,
                now=now,
            )

        return await self._read(call)

    async def board_page(
        self, *, category: str | None, offset: int, limit: int, now: datetime
    ) -> tuple[list[BoardRow], int]:
        return await self._read(reads.board_page, category, offset, limit, now)

    async def count_public(self, category: str | None, now: datetime) -> int:
        return await self._read(reads.count_public, category, now)

    async def count_articles(self) -> int:
        return int(await self._read(_fetchval, "SELECT count(*) FROM articles"))

    async def next_due(
        self, now: datetime, lang: str | None = None, category: str | None = None
    ) -> datetime | None:
        return await self._read(reads.next_due, now, lang, category)

    async def search(
        self, lang: str, words: Sequence[str], *, offset: int, limit: int, now: datetime
    ) -> tuple[list[SearchHit], bool]:
        async def call(conn: connect.Conn) -> tuple[list[SearchHit], bool]:
            return await search.search(conn, lang, words, offset=offset, limit=limit, now=now)

        return await self._read(call)

    # --- archives and the sitemap -----------------------------------------------------

    async def public_between(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> list[Article]:
        return await self._read(archives.public_between, lang, start, end, now)

    async def public_edges(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> tuple[datetime | None, datetime | None]:
        return await self._read(archives.public_edges, lang, start, end, now)

    async def last_changed_within(
        self, lang: str, start: datetime | None, end: datetime | None
    ) -> datetime | None:
        return await self._read(archives.last_changed_within, lang, start, end)

    async def sitemap_rows(self, now: datetime) -> list[SitemapRow]:
        return await self._read(archives.sitemap_rows, now)

    # --- the translation workflow -----------------------------------------------------

    async def revisions(self, article_id: int, lang: str) -> list[Revision]:
        return await self._read(revisions.listed, article_id, lang)

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None:
        return await self._read(revisions.one, article_id, lang, version)

    async def translation_status(
        self,
        lang: str,
        *,
        state: str | None,
        category: str | None,
        order: str,
        limit: int,
        after: Position | None,
    ) -> list[StatusRow]:
        return await self._read(status.board, lang, state, category, order, limit, after)

    async def translation_counts(self, lang: str, category: str | None) -> dict[str, int]:
        return await self._read(status.counts, lang, category)

    async def audit(
        self, *, article_id: int | None, editor: str | None, limit: int, before: int | None
    ) -> list[AuditEntry]:
        return await self._read(audit.listed, article_id, editor, limit, before)

    async def reserve_idempotency(
        self,
        editor: str,
        key: str,
        fingerprint: str,
        now_us: int,
        *,
        expire_before_us: int,
        abandoned_before_us: int,
    ) -> IdempotencyRecord | None:
        async with self._transaction() as conn:
            return await idempotency.reserve(
                conn, editor, key, fingerprint, now_us, expire_before_us, abandoned_before_us
            )

    async def release_idempotency(self, editor: str, key: str, reserved_us: int) -> None:
        async with self._transaction() as conn:
            await idempotency.release(conn, editor, key, reserved_us)

    # --- editorial writes (rule 1) ----------------------------------------------------

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[PostgresWriteTx]:
        """One serialized editorial transaction: commits if the block returns, rolls
        back if it raises; the commit notifies every instance (rule 3)."""
        async with connect.acquired(self._pool, self._timeout) as conn:
            tx = conn.transaction()
            await tx.start()
            try:
                await begin(conn)
                write = PostgresWriteTx(conn)
                yield write
                await write.notify()
            except BaseException:
                with contextlib.suppress(Exception):  # a dead connection rolls back anyway
                    await tx.rollback()
                raise
            await tx.commit()

    # --- the change log (rule 3) ------------------------------------------------------

    async def last_seq(self) -> int:
        return await self._read(reads.last_seq)

    async def changes_since(self, seq: int) -> list[Change]:
        return await self._read(reads.changes_since, seq)

    async def last_changed(self, lang: str, category: str | None) -> datetime | None:
        return await self._read(reads.last_changed, lang, category)

    async def wait_for_change(self, within: float) -> None:
        await self._follower.wait(within)

    # --- hits (rule 2) ----------------------------------------------------------------

    async def hit_counts(
        self, ids: Sequence[int], process: str
    ) -> list[tuple[int, int, int | None]]:
        if not ids:
            return []
        return await self._read(hits.counts, ids, process)

    async def public_hits(
        self, article_id: int, now: datetime, process: str
    ) -> tuple[int, int | None] | None:
        return await self._read(hits.public, article_id, now, process)

    async def add_hits(self, batch: Mapping[int, int], process: str, number: int) -> None:
        async with connect.acquired(self._pool, self._timeout) as conn:
            await hits.add(conn, batch, process, number)

    async def hit_marker(self, process: str) -> int | None:
        value = await self._read(
            _fetchval, "SELECT batch FROM hit_flushes WHERE process = $1", process
        )
        return None if value is None else int(value)

    async def forget_hits(self, process: str) -> None:
        async with self._transaction() as conn:
            await hits.forget(conn, process)

    # --- editors ----------------------------------------------------------------------

    async def editor_by_token(self, token_hash: str) -> EditorRecord | None:
        return await self._read(editors.by_token, token_hash)

    async def add_editor(
        self, name: str, role: str, token_hash: str, at: str, langs: str | None = None
    ) -> None:
        async with self._transaction() as conn:
            await editors.add(conn, name, role, token_hash, at, langs)

    async def list_editors(self) -> list[EditorRecord]:
        return await self._read(editors.listed)

    async def revoke_editor(self, name: str, at: str) -> bool:
        async with self._transaction() as conn:
            return await editors.revoke(conn, name, at)

    async def rotate_editor(self, name: str, token_hash: str) -> bool:
        async with self._transaction() as conn:
            return await editors.rotate(conn, name, token_hash)

    # --- desk sessions (rule 9) -------------------------------------------------------
    # Each is one statement, so none needs a transaction of its own.

    async def start_session(self, session_hash: str, token_hash: str, now_us: int) -> bool:
        async with connect.acquired(self._pool, self._timeout) as conn:
            return await sessions.start(conn, session_hash, token_hash, now_us)

    async def session(self, session_hash: str, since_us: int) -> tuple[EditorRecord, int] | None:
        return await self._read(sessions.find, session_hash, since_us)

    async def touch_session(self, session_hash: str, now_us: int) -> None:
        async with connect.acquired(self._pool, self._timeout) as conn:
            await sessions.touch(conn, session_hash, now_us)

    async def end_session(self, session_hash: str) -> None:
        async with connect.acquired(self._pool, self._timeout) as conn:
            await sessions.end(conn, session_hash)

    async def sweep_sessions(self, before_us: int) -> int:
        async with connect.acquired(self._pool, self._timeout) as conn:
            return await sessions.sweep(conn, before_us)

    # --- the site and whole-database operations ---------------------------------------

    async def site_value(self, key: str) -> str | None:
        return await self._read(reads.site_value, key)

    async def set_site_value(self, key: str, value: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO site_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                key,
                value,
            )

    async def fill_bodies(self, render: Callable[[str], str]) -> int:
        async with connect.acquired(self._pool, self._timeout) as conn:
            return await tables.fill_bodies(conn, render)

    async def dump(self, table: str) -> list[dict[str, Any]]:
        return await self._read(tables.dump, table)

    async def load(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert dumped rows in one transaction, under the editorial lock (a loaded
        change log must not interleave with new writes' seqs), and tell every instance."""
        async with connect.acquired(self._pool, self._timeout) as conn, conn.transaction():
            await begin(conn)
            await tables.load(conn, table, rows)
            write = PostgresWriteTx(conn)
            write.last_seq = await reads.last_seq(conn)
            await write.notify()


async def _fetchval(conn: connect.Conn, sql: str, *args: Any) -> Any:
    return await conn.fetchval(sql, *args)


async def _prepare(url: str, seconds: float, migrate: bool) -> None:
    """Refuse a database that cannot search Korean; bring the schema up to date (or check
    that it is); on a connection of its own, since migrations may take long."""
    conn = await connect.connect(url, seconds=seconds)
    try:
        await schema.check_korean(conn)
        if migrate:
            await schema.migrate(conn)
        else:
            have = await schema.version(conn)
            if have < len(schema.MIGRATIONS):
                raise StoreUnavailable(
                    f"PostgreSQL: the schema is at version {have}, newsfeed needs "
                    f"{len(schema.MIGRATIONS)}: start it once with migrations on"
                )
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        raise connect.as_unavailable(exc) from exc
    finally:
        await connect.close_within(conn.close(), seconds, conn.terminate)

"""The SQLite store: one file, nothing to install (the default `NEWSFEED_DB`).

Connections, each for one job:
- the writer (aiosqlite), held under an asyncio lock for a whole `BEGIN IMMEDIATE`
  transaction: SQLite has one writer, and a request's failure must never roll back
  another request's statements;
- the reader (aiosqlite), shared by reads, each one statement (`reads.py`);
- the search reader (aiosqlite), so a long search never holds up pages;
- a plain sqlite3 connection on the event loop for hit counts and `data_version`, both
  microsecond lookups (`hits.py`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from newsfeed.model import (
    Article,
    BoardRow,
    Change,
    Cursor,
    EditorRecord,
    SearchHit,
    SitemapRow,
    to_us,
)
from newsfeed.store import TABLES, StoreUnavailable
from newsfeed.store.sqlite import (
    archives,
    audit,
    editors,
    hits,
    idempotency,
    reads,
    revisions,
    schema,
    search,
    sessions,
    status,
)
from newsfeed.store.sqlite.hub import SQLiteHub
from newsfeed.store.sqlite.schema import BUSY_TIMEOUT_MS
from newsfeed.store.sqlite.writes import SQLiteWriteTx
from newsfeed.workflow import AuditEntry, IdempotencyRecord, Position, Revision, StatusRow

POLL_SECONDS = 0.5  # how often a follower looks for other processes' writes
T = TypeVar("T")


def path_of(url: str) -> Path:
    """`sqlite:///abs/path`, `sqlite:///./rel` or a plain path."""
    return Path(url.removeprefix("sqlite://") if url.startswith("sqlite://") else url)


async def _connect(path: Path, *, query_only: bool = False) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    if query_only:
        await conn.execute("PRAGMA query_only=ON")
    return conn


class SQLiteStore:
    kind = "sqlite"

    def __init__(
        self,
        path: Path,
        reader: aiosqlite.Connection,
        writer: aiosqlite.Connection,
        searcher: aiosqlite.Connection,
    ) -> None:
        self.path = path
        self._reader = reader
        self._writer = writer
        self._searcher = searcher
        self._lock = asyncio.Lock()
        self._counts = hits.StoredCounts(path)
        self.hub = SQLiteHub(self._transaction, self._read)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> SQLiteStore:
        path = path_of(url)
        opened: list[aiosqlite.Connection] = []
        try:
            if migrate:
                await asyncio.to_thread(schema.migrate, path)
            for query_only in (False, False, True):
                opened.append(await _connect(path, query_only=query_only))
            return cls(path, *opened)
        except BaseException as exc:
            for conn in opened:
                await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"{path}: {exc}") from exc
            raise

    async def close(self) -> None:
        for conn in (self._reader, self._writer, self._searcher):
            await conn.close()
        self._counts.close()

    async def _read(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await call(self._reader, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def ping(self) -> bool:
        return bool(await self._read(reads.scalar, "SELECT 1"))

    # --- articles ---------------------------------------------------------------------

    async def article(
        self, article_id: int, *, public_only: bool = True, now: datetime | None = None
    ) -> Article | None:
        found: Article | None = await self._read(reads.fetch, article_id)
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
        found: list[Article] = await self._read(
            reads.latest,
            lang=lang,
            category=category,
            limit=limit,
            after=after,
            public_only=public_only,
            now=now,
        )
        return found

    async def board_page(
        self, *, category: str | None, offset: int, limit: int, now: datetime
    ) -> tuple[list[BoardRow], int]:
        page: tuple[list[BoardRow], int] = await self._read(
            reads.board_page, category, offset, limit, now
        )
        return page

    async def count_public(self, category: str | None, now: datetime) -> int:
        return int(await self._read(reads.count_public, category, now))

    async def count_articles(self) -> int:
        return int(await self._read(reads.scalar, "SELECT count(*) FROM articles"))

    async def next_due(
        self, now: datetime, lang: str | None = None, category: str | None = None
    ) -> datetime | None:
        due: datetime | None = await self._read(reads.next_due, now, lang, category)
        return due

    async def search(
        self, lang: str, words: Sequence[str], *, offset: int, limit: int, now: datetime
    ) -> tuple[list[SearchHit], bool]:
        try:
            return await search.search(
                self._searcher, lang, words, offset=offset, limit=limit, now=now
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from exc

    # --- archives and the sitemap -----------------------------------------------------

    async def public_between(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> list[Article]:
        found: list[Article] = await self._read(archives.public_between, lang, start, end, now)
        return found

    async def public_edges(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> tuple[datetime | None, datetime | None]:
        edges: tuple[datetime | None, datetime | None] = await self._read(
            archives.public_edges, lang, start, end, now
        )
        return edges

    async def last_changed_within(
        self, lang: str, start: datetime | None, end: datetime | None
    ) -> datetime | None:
        at: datetime | None = await self._read(archives.last_changed_within, lang, start, end)
        return at

    async def sitemap_rows(self, now: datetime) -> list[SitemapRow]:
        found: list[SitemapRow] = await self._read(archives.sitemap_rows, now)
        return found

    # --- the translation workflow -----------------------------------------------------

    async def revisions(self, article_id: int, lang: str) -> list[Revision]:
        found: list[Revision] = await self._read(revisions.listed, article_id, lang)
        return found

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None:
        found: Revision | None = await self._read(revisions.one, article_id, lang, version)
        return found

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
        found: list[StatusRow] = await self._read(
            status.board,
            lang,
            state=state,
            category=category,
            order=order,
            limit=limit,
            after=after,
        )
        return found

    async def translation_counts(self, lang: str, category: str | None) -> dict[str, int]:
        found: dict[str, int] = await self._read(status.counts, lang, category)
        return found

    async def audit(
        self, *, article_id: int | None, editor: str | None, limit: int, before: int | None
    ) -> list[AuditEntry]:
        found: list[AuditEntry] = await self._read(
            audit.listed, article_id=article_id, editor=editor, limit=limit, before=before
        )
        return found

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

    # --- writes -----------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A whole write unit: commits on success, rolls back on any exception."""
        async with self._lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreUnavailable(str(exc)) from exc
            except BaseException:
                # Cancelled while BEGIN ran on the connection's thread, where it goes on:
                # undo it, or every later write meets "a transaction within a transaction".
                await asyncio.shield(self._writer.rollback())
                raise
            try:
                yield self._writer
            except BaseException:
                await asyncio.shield(self._writer.rollback())
                raise
            try:
                await self._writer.commit()
            except sqlite3.Error as exc:
                raise StoreUnavailable(str(exc)) from exc
            except BaseException:  # cancelled: the commit happens anyway, or never did
                await asyncio.shield(self._writer.rollback())
                raise

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[SQLiteWriteTx]:
        async with self._transaction() as conn:
            yield SQLiteWriteTx(conn)

    # --- the change log ---------------------------------------------------------------

    async def last_seq(self) -> int:
        return int(await self._read(reads.last_seq))

    async def changes_since(self, seq: int) -> list[Change]:
        found: list[Change] = await self._read(reads.changes_since, seq)
        return found

    async def last_changed(self, lang: str, category: str | None) -> datetime | None:
        at: datetime | None = await self._read(reads.last_changed, lang, category)
        return at

    async def wait_for_change(self, within: float) -> None:
        await asyncio.sleep(min(within, POLL_SECONDS))

    # --- hits -------------------------------------------------------------------------

    async def hit_counts(
        self, ids: Sequence[int], process: str
    ) -> list[tuple[int, int, int | None]]:
        return self._counts.of(ids, process)  # no await: read in the caller's loop step

    async def public_hits(
        self, article_id: int, now: datetime, process: str
    ) -> tuple[int, int | None] | None:
        return self._counts.of_public(article_id, to_us(now), process)

    async def add_hits(self, batch: Mapping[int, int], process: str, number: int) -> None:
        async with self._transaction() as conn:
            await hits.add(conn, batch, process, number)

    async def hit_marker(self, process: str) -> int | None:
        value = await self._read(
            reads.scalar, "SELECT batch FROM hit_flushes WHERE process = ?", [process]
        )
        return None if value is None else int(value)

    async def forget_hits(self, process: str) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM hit_flushes WHERE process = ?", (process,))

    # --- editors ----------------------------------------------------------------------

    async def editor_by_token(self, token_hash: str) -> EditorRecord | None:
        found: EditorRecord | None = await self._read(editors.by_token, token_hash)
        return found

    async def add_editor(
        self, name: str, role: str, token_hash: str, at: str, langs: str | None = None
    ) -> None:
        async with self._transaction() as conn:
            await editors.add(conn, name, role, token_hash, at, langs)

    async def list_editors(self) -> list[EditorRecord]:
        found: list[EditorRecord] = await self._read(editors.listed)
        return found

    async def revoke_editor(self, name: str, at: str) -> bool:
        async with self._transaction() as conn:
            return await editors.revoke(conn, name, at)

    async def rotate_editor(self, name: str, token_hash: str) -> bool:
        async with self._transaction() as conn:
            return await editors.rotate(conn, name, token_hash)

    # --- desk sessions ----------------------------------------------------------------

    async def start_session(self, session_hash: str, token_hash: str, now_us: int) -> bool:
        async with self._transaction() as conn:
            return await sessions.start(conn, session_hash, token_hash, now_us)

    async def session(self, session_hash: str, since_us: int) -> tuple[EditorRecord, int] | None:
        found: tuple[EditorRecord, int] | None = await self._read(
            sessions.find, session_hash, since_us
        )
        return found

    async def touch_session(self, session_hash: str, now_us: int) -> None:
        async with self._transaction() as conn:
            await sessions.touch(conn, session_hash, now_us)

    async def end_session(self, session_hash: str) -> None:
        async with self._transaction() as conn:
            await sessions.end(conn, session_hash)

    async def sweep_sessions(self, before_us: int) -> int:
        async with self._transaction() as conn:
            return await sessions.sweep(conn, before_us)

    # --- the site and whole-database operations ---------------------------------------

    async def site_value(self, key: str) -> str | None:
        value = await self._read(reads.scalar, "SELECT value FROM site_meta WHERE key = ?", [key])
        return None if value is None else str(value)

    async def set_site_value(self, key: str, value: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO site_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )

    async def fill_bodies(self, render: Callable[[str], str]) -> int:
        from newsfeed.store.sqlite import bodies

        return await asyncio.to_thread(bodies.fill, self.path, render)

    async def dump(self, table: str) -> list[dict[str, Any]]:
        assert table in TABLES, table
        rows = await self._read(_select_all, table)
        return [dict(row) for row in rows]

    async def load(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        assert table in TABLES, table
        if not rows:
            return
        columns = list(rows[0])
        async with self._transaction() as conn:
            await conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [[row[c] for c in columns] for row in rows],
            )
            if table == "changes":
                await _skip_deleted_numbers(conn)


_ORDER = {
    "site_meta": "key",
    "translations": "article_id, lang",
    "changes": "seq",
    "text_revisions": "article_id, lang, version",
    "idempotency_keys": "editor, key",
}


async def _select_all(conn: aiosqlite.Connection, table: str) -> Iterable[Any]:
    return await conn.execute_fetchall(f"SELECT * FROM {table} ORDER BY {_ORDER.get(table, 'id')}")


async def _skip_deleted_numbers(conn: aiosqlite.Connection) -> None:
    """Move the articles' AUTOINCREMENT counter past every number the change log names.

    Inserting with explicit ids moves it only to the largest id loaded, so a copy would
    give a deleted article's number (part of its feed ids) to the next new article.
    """
    await conn.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'articles', 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'articles')"
    )
    await conn.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, "
        "(SELECT coalesce(max(article_id), 0) FROM changes)) WHERE name = 'articles'"
    )

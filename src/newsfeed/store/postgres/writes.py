"""PostgreSQL editorial writes: the `WriteTx` of one transaction, serialized (rule 1).

Many instances write to one database, so serializing writes is the database's job:
`begin` takes one transaction-scoped advisory lock before anything else, held until
commit or rollback. Hence no two editorial writes overlap anywhere: the article a write
read (`article`, also row-locked for good measure) is what it changes, so `If-Match`
checked on it holds until commit; and the `changes` rows commit in `seq` order, so a
follower reading `seq > last` never skips one (two concurrent writers without the lock
were seen to commit their rows out of order here).

The commit notifies `newsfeed_changes` with the last seq the write logged: `pg_notify`
runs inside the transaction, so the notification goes out only if and when it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from newsfeed.model import Article, Source, Text
from newsfeed.store import SlugTaken
from newsfeed.store.postgres import audit, idempotency, reads, revisions, search
from newsfeed.store.postgres.connect import Conn
from newsfeed.workflow import KeptResponse, Revision, TextWrite

WRITE_LOCK = 0x6E66_7772  # pg_advisory_xact_lock key of editorial writes ("nfwr")
CHANGES_CHANNEL = "newsfeed_changes"

_COLUMNS = frozenset(
    {"slug", "category", "status", "published_at", "published_us", "original_lang", "updated_at"}
)


async def begin(conn: Conn) -> None:
    """Wait for the editorial lock, first thing in the transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)


class PostgresWriteTx:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn
        self.last_seq: int | None = None  # the change this write logged last, if any

    async def article(self, article_id: int) -> Article | None:
        return await reads.fetch(self._conn, article_id, lock=True)

    async def slug_taken(self, slug: str, other_than: int | None) -> bool:
        found = await self._conn.fetchval(
            "SELECT 1 FROM articles WHERE slug = $1 AND id IS DISTINCT FROM $2",
            slug,
            other_than,
        )
        return found is not None

    async def insert_article(
        self,
        *,
        slug: str | None,
        category: str,
        status: str,
        published_at: str,
        published_us: int,
        at: str,
        original_lang: str,
    ) -> int:
        sql = (
            "INSERT INTO articles (slug, category, status, published_at, published_us, "
            "created_at, updated_at, original_lang) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) "
            "RETURNING id"
        )
        args = (slug, category, status, published_at, published_us, at, original_lang)
        if slug is None:
            return int(await self._conn.fetchval(sql, *args))
        try:
            # A savepoint: after the unique violation the transaction stays usable, as
            # SQLite's does, whatever the caller does with `SlugTaken`.
            async with self._conn.transaction():
                return int(await self._conn.fetchval(sql, *args))
        except asyncpg.UniqueViolationError:
            raise SlugTaken(slug) from None

    async def update_article(self, article_id: int, sets: Mapping[str, Any]) -> None:
        unknown = set(sets) - _COLUMNS
        assert not unknown, unknown  # column names are never from a client
        assignments = "".join(f"{column} = ${n}, " for n, column in enumerate(sets, start=2))
        sql = f"UPDATE articles SET {assignments}version = version + 1 WHERE id = $1"
        if "slug" not in sets or sets["slug"] is None:
            await self._conn.execute(sql, article_id, *sets.values())
            return
        try:
            async with self._conn.transaction():  # a savepoint, as in insert_article
                await self._conn.execute(sql, article_id, *sets.values())
        except asyncpg.UniqueViolationError:
            raise SlugTaken(str(sets["slug"])) from None

    async def upsert_text(
        self, article_id: int, lang: str, text: Text, body_html: str, at: str, write: TextWrite
    ) -> None:
        search_text, pieces = search.columns(text.title, text.summary, text.body)
        source = write.source
        # A minor write keeps the text's major version (and its time): translations made
        # from an earlier version stay as stale, or as current, as they were.
        await self._conn.execute(
            "INSERT INTO translations (article_id, lang, title, summary, body, author, "
            "updated_at, body_html, search_text, pieces, version, source_lang, "
            "source_version, major_version, major_at, updated_by) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11, $7, $14) "
            "ON CONFLICT (article_id, lang) DO UPDATE SET title = excluded.title, "
            "summary = excluded.summary, body = excluded.body, author = excluded.author, "
            "updated_at = excluded.updated_at, body_html = excluded.body_html, "
            "search_text = excluded.search_text, pieces = excluded.pieces, "
            "version = excluded.version, source_lang = excluded.source_lang, "
            "source_version = excluded.source_version, updated_by = excluded.updated_by, "
            "major_version = CASE WHEN $15 THEN translations.major_version "
            "ELSE excluded.major_version END, "
            "major_at = CASE WHEN $15 THEN translations.major_at ELSE excluded.major_at END",
            article_id,
            lang,
            text.title,
            text.summary,
            text.body,
            text.author,
            at,
            body_html,
            search_text,
            pieces,
            write.version,
            None if source is None else source.lang,
            None if source is None else source.version,
            write.editor,
            write.minor,
        )
        await revisions.add(self._conn, article_id, lang, text, at, write)

    async def last_version(self, article_id: int, lang: str) -> int:
        return await revisions.last_version(self._conn, article_id, lang)

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None:
        return await revisions.one(self._conn, article_id, lang, version)

    async def set_source(self, article_id: int, lang: str, source: Source | None) -> None:
        await self._conn.execute(
            "UPDATE translations SET source_lang = $3, source_version = $4 "
            "WHERE article_id = $1 AND lang = $2",
            article_id,
            lang,
            None if source is None else source.lang,
            None if source is None else source.version,
        )

    async def delete_text(self, article_id: int, lang: str) -> None:
        await self._conn.execute(
            "DELETE FROM translations WHERE article_id = $1 AND lang = $2", article_id, lang
        )

    async def delete_article(self, article_id: int) -> None:
        await self._conn.execute("DELETE FROM articles WHERE id = $1", article_id)

    async def record_change(
        self, article_id: int, langs: Iterable[str], categories: Iterable[str], at: str
    ) -> None:
        self.last_seq = int(
            await self._conn.fetchval(
                "INSERT INTO changes (article_id, langs, categories, changed_at) "
                "VALUES ($1, $2, $3, $4) RETURNING seq",
                article_id,
                ",".join(sorted(set(langs))),
                ",".join(sorted(set(categories))),
                at,
            )
        )

    async def record_audit(
        self,
        *,
        at: str,
        editor: str | None,
        action: str,
        article_id: int,
        lang: str | None,
        version: int | None,
    ) -> None:
        await audit.add(
            self._conn,
            at=at,
            editor=editor,
            action=action,
            article_id=article_id,
            lang=lang,
            version=version,
        )

    async def complete_idempotency(
        self, editor: str, key: str, reserved_us: int, response: KeptResponse
    ) -> bool:
        return await idempotency.complete(self._conn, editor, key, reserved_us, response)

    async def notify(self) -> None:
        """Tell every instance's follower, at commit, that the log grew (if it did)."""
        if self.last_seq is not None:
            await self._conn.execute(
                "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, str(self.last_seq)
            )

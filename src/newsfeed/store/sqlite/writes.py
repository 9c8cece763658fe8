"""SQLite editorial writes: the `WriteTx` of one `BEGIN IMMEDIATE` transaction.

SQLite has one writer; `SQLiteStore.writing()` holds the writer connection under an
asyncio lock for the whole transaction, so a request's failure never rolls back another
request's statements, and the lock plus `BEGIN IMMEDIATE` serialize every editorial write
of every process (store rule 1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

import aiosqlite

from newsfeed.model import Article, Source, Text
from newsfeed.store import SlugTaken
from newsfeed.store.sqlite import audit, idempotency, reads, revisions
from newsfeed.workflow import KeptResponse, Revision, TextWrite

_COLUMNS = frozenset(
    {"slug", "category", "status", "published_at", "published_us", "original_lang", "updated_at"}
)


class SQLiteWriteTx:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def article(self, article_id: int) -> Article | None:
        return await reads.fetch(self._conn, article_id)

    async def slug_taken(self, slug: str, other_than: int | None) -> bool:
        rows = await self._conn.execute_fetchall(
            "SELECT 1 FROM articles WHERE slug = ? AND id IS NOT ?", (slug, other_than)
        )
        return bool(rows)

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
        try:
            cur = await self._conn.execute(
                "INSERT INTO articles (slug, category, status, published_at, published_us, "
                "created_at, updated_at, original_lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (slug, category, status, published_at, published_us, at, at, original_lang),
            )
        except sqlite3.IntegrityError:
            raise SlugTaken(slug or "") from None
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def update_article(self, article_id: int, sets: Mapping[str, Any]) -> None:
        unknown = set(sets) - _COLUMNS
        assert not unknown, unknown  # column names are never from a client
        assignments = "".join(f"{column} = ?, " for column in sets)
        try:
            await self._conn.execute(
                f"UPDATE articles SET {assignments}version = version + 1 WHERE id = ?",
                [*sets.values(), article_id],
            )
        except sqlite3.IntegrityError:
            raise SlugTaken(str(sets.get("slug"))) from None

    async def upsert_text(
        self, article_id: int, lang: str, text: Text, body_html: str, at: str, write: TextWrite
    ) -> None:
        source = write.source
        # A minor write keeps the text's major version (and its time): translations made
        # from an earlier version stay as stale, or as current, as they were.
        await self._conn.execute(
            "INSERT INTO translations (article_id, lang, title, summary, body, author, "
            "updated_at, body_html, version, source_lang, source_version, major_version, "
            "major_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (article_id, lang) DO UPDATE SET title = excluded.title, "
            "summary = excluded.summary, body = excluded.body, author = excluded.author, "
            "updated_at = excluded.updated_at, body_html = excluded.body_html, "
            "version = excluded.version, source_lang = excluded.source_lang, "
            "source_version = excluded.source_version, updated_by = excluded.updated_by, "
            "major_version = iif(?, major_version, excluded.major_version), "
            "major_at = iif(?, major_at, excluded.major_at)",
            (
                article_id,
                lang,
                text.title,
                text.summary,
                text.body,
                text.author,
                at,
                body_html,
                write.version,
                None if source is None else source.lang,
                None if source is None else source.version,
                write.version,
                at,
                write.editor,
                int(write.minor),
                int(write.minor),
            ),
        )
        await revisions.add(self._conn, article_id, lang, text, at, write)

    async def last_version(self, article_id: int, lang: str) -> int:
        return await revisions.last_version(self._conn, article_id, lang)

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None:
        return await revisions.one(self._conn, article_id, lang, version)

    async def set_source(self, article_id: int, lang: str, source: Source | None) -> None:
        await self._conn.execute(
            "UPDATE translations SET source_lang = ?, source_version = ? "
            "WHERE article_id = ? AND lang = ?",
            (
                None if source is None else source.lang,
                None if source is None else source.version,
                article_id,
                lang,
            ),
        )

    async def delete_text(self, article_id: int, lang: str) -> None:
        await self._conn.execute(
            "DELETE FROM translations WHERE article_id = ? AND lang = ?", (article_id, lang)
        )

    async def delete_article(self, article_id: int) -> None:
        await self._conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    async def record_change(
        self, article_id: int, langs: Iterable[str], categories: Iterable[str], at: str
    ) -> None:
        await self._conn.execute(
            "INSERT INTO changes (article_id, langs, categories, changed_at) VALUES (?, ?, ?, ?)",
            (article_id, ",".join(sorted(set(langs))), ",".join(sorted(set(categories))), at),
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

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

from newsfeed.model import Article, Text
from newsfeed.store import SlugTaken
from newsfeed.store.sqlite import reads

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
        self, article_id: int, lang: str, text: Text, body_html: str, at: str
    ) -> None:
        await self._conn.execute(
            "INSERT INTO translations (article_id, lang, title, summary, body, author, "
            "updated_at, body_html) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (article_id, lang) DO UPDATE SET title = excluded.title, "
            "summary = excluded.summary, body = excluded.body, author = excluded.author, "
            "updated_at = excluded.updated_at, body_html = excluded.body_html",
            (article_id, lang, text.title, text.summary, text.body, text.author, at, body_html),
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

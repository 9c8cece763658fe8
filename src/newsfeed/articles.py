"""Articles and their translations: the data model and the SQL that reads them.

Returns plain dataclasses; no HTTP here. Editorial writes live in `editing.py`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import aiosqlite

from newsfeed.db import Database

INT64_MAX = 2**63 - 1  # SQLite's largest INTEGER

IfMatch = Literal["*"] | frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Text:
    """One language's text of an article, as an editor writes it."""

    title: str
    summary: str = ""
    body: str = ""
    author: str = ""


@dataclass(frozen=True, slots=True)
class Translation:
    lang: str
    title: str
    summary: str
    body: str
    author: str
    updated_at: str
    body_html: str | None = None  # the body rendered at write time; None: not yet


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    slug: str | None
    category: str
    status: str
    published_at: str
    published_us: int
    created_at: str
    updated_at: str
    original_lang: str
    hits: int
    version: int
    translations: dict[str, Translation]

    @property
    def etag(self) -> str:
        """Strong validator of everything an editor can change (not the hit count)."""
        return f'"{self.id}.{self.version}"'

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)

    def is_public(self, now: datetime | None = None) -> bool:
        return self.status == "published" and self.published_us <= to_us(now or utcnow())

    def text_for(self, lang: str, preference: Sequence[str] = ()) -> Translation:
        """The text in `lang`, else the original, else the first by `preference`."""
        if lang in self.translations:
            return self.translations[lang]
        if self.original_lang in self.translations:
            return self.translations[self.original_lang]
        for other in preference:
            if other in self.translations:
                return self.translations[other]
        return next(iter(self.translations.values()))

    def as_dict(self, langs: Sequence[str] = ()) -> dict[str, Any]:
        order = [lang for lang in langs if lang in self.translations] + sorted(
            lang for lang in self.translations if lang not in langs
        )
        return {
            "id": self.id,
            "slug": self.slug,
            "category": self.category,
            "status": self.status,
            "published_at": self.published_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "original_lang": self.original_lang,
            "hits": self.hits,
            "translations": {
                lang: {
                    "title": t.title,
                    "summary": t.summary,
                    "body": t.body,
                    "author": t.author,
                    "updated_at": t.updated_at,
                }
                for lang in order
                for t in (self.translations[lang],)
            },
        }


@dataclass(frozen=True, slots=True)
class NewArticle:
    category: str
    texts: dict[str, Text]
    slug: str | None = None
    status: str = "draft"
    published_at: datetime | None = None
    original_lang: str | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position after the last item of a page: stable when newer articles arrive."""

    published_us: int
    id: int

    def encode(self) -> str:
        raw = f"{self.published_us}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            us, _, ident = raw.partition(".")
            cursor = cls(int(us), int(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        # Only the exact text this API gives out: base64 decoding skips characters outside
        # its alphabet ("…\n"), and int() takes spaces, signs and underscores.
        if cursor.id < 1 or cursor.encode() != token:
            return None
        if cursor.id > INT64_MAX or abs(cursor.published_us) > INT64_MAX:
            return None  # SQLite cannot even bind it: not a cursor this API gave out
        return cursor


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def stamp(moment: datetime) -> str:
    """RFC 3339 text for a stored time, whole seconds."""
    return moment.replace(microsecond=0).isoformat()


_ARTICLE_COLUMNS = (
    "a.id, a.slug, a.category, a.status, a.published_at, a.published_us, a.created_at, "
    "a.updated_at, a.original_lang, a.hits, a.version"
)


async def _with_translations(
    conn: aiosqlite.Connection, rows: Iterable[aiosqlite.Row]
) -> list[Article]:
    rows = list(rows)
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    texts: dict[int, dict[str, Translation]] = {i: {} for i in ids}
    marks = ",".join("?" * len(ids))
    # execute_fetchall: one trip to the connection's thread, and no cursor left open to
    # hold the connection's read snapshot while other requests use it.
    found = await conn.execute_fetchall(
        "SELECT article_id, lang, title, summary, body, author, updated_at, body_html "
        "FROM translations "
        f"WHERE article_id IN ({marks}) ORDER BY article_id, lang",
        ids,
    )
    for t in found:
        texts[t["article_id"]][t["lang"]] = Translation(
            t["lang"],
            t["title"],
            t["summary"],
            t["body"],
            t["author"],
            t["updated_at"],
            t["body_html"],
        )
    return [_article(row, texts[row["id"]]) for row in rows]


def _article(row: aiosqlite.Row, texts: dict[str, Translation]) -> Article:
    return Article(
        id=row["id"],
        slug=row["slug"],
        category=row["category"],
        status=row["status"],
        published_at=row["published_at"],
        published_us=row["published_us"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        original_lang=row["original_lang"],
        hits=row["hits"],
        version=row["version"],
        translations=texts,
    )


async def fetch(conn: aiosqlite.Connection, article_id: int) -> Article | None:
    """The article as stored, visible or not: for writers inside their transaction.

    One statement (the article's columns repeated on each of its texts), so one trip
    to the connection's thread: on a busy event loop each trip costs more than the SQL.
    """
    rows = list(
        await conn.execute_fetchall(
            f"SELECT {_ARTICLE_COLUMNS}, t.lang, t.title, t.summary, t.body, t.author, "
            "t.updated_at AS text_updated_at, t.body_html FROM articles a "
            "LEFT JOIN translations t ON t.article_id = a.id WHERE a.id = ? ORDER BY t.lang",
            (article_id,),
        )
    )
    if not rows:
        return None
    texts = {
        t["lang"]: Translation(
            t["lang"],
            t["title"],
            t["summary"],
            t["body"],
            t["author"],
            t["text_updated_at"],
            t["body_html"],
        )
        for t in rows
        if t["lang"] is not None
    }
    return _article(rows[0], texts)


async def get(
    db: Database, article_id: int, *, public_only: bool = True, now: datetime | None = None
) -> Article | None:
    """The article, or None when it does not exist or (for the public) is not visible."""
    article = await fetch(db.reader, article_id)
    if article is None or (public_only and not article.is_public(now)):
        return None
    return article


def _visibility(public_only: bool, now: datetime | None) -> tuple[str, list[Any]]:
    if not public_only:
        return "1", []
    return "a.status = 'published' AND a.published_us <= ?", [to_us(now or utcnow())]


async def latest(
    db: Database,
    *,
    lang: str | None = None,
    category: str | None = None,
    limit: int = 20,
    after: Cursor | None = None,
    public_only: bool = True,
    now: datetime | None = None,
) -> list[Article]:
    """Newest first (published_at, then id, descending), keyset-paginated by `after`."""
    where, params = _visibility(public_only, now)
    clauses = [where]
    if lang is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = ?)"
        )
        params.append(lang)
    if category is not None:
        clauses.append("a.category = ?")
        params.append(category)
    if after is not None:
        clauses.append("(a.published_us < ? OR (a.published_us = ? AND a.id < ?))")
        params += [after.published_us, after.published_us, after.id]
    params.append(limit)
    rows = await db.reader.execute_fetchall(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE {' AND '.join(clauses)} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT ?",
        params,
    )
    return await _with_translations(db.reader, rows)


async def board(
    db: Database,
    *,
    category: str | None = None,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> tuple[list[Article], int]:
    """One page of the public board and the number of public articles it pages through."""
    where, params = _visibility(True, now)
    if category is not None:
        where += " AND a.category = ?"
        params.append(category)
    counted = await db.reader.execute_fetchall(
        f"SELECT count(*) FROM articles a WHERE {where}", params
    )
    total = next(iter(counted))[0]
    rows = await db.reader.execute_fetchall(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE {where} "
        "ORDER BY a.published_us DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return await _with_translations(db.reader, rows), total


async def count(db: Database) -> int:
    rows = await db.reader.execute_fetchall("SELECT count(*) FROM articles")
    return int(next(iter(rows))[0])

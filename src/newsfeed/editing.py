"""Editorial writes: create, patch, translations, delete. No HTTP here.

Every write runs inside `Database.transaction()` (BEGIN IMMEDIATE), checks the caller's
`If-Match` against the stored version in that same transaction, bumps the version (the
ETag), and records which languages and categories it touched in `changes`, from which
every worker process learns what cached feeds and pages to drop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import aiosqlite

from newsfeed import problems
from newsfeed.model import Article, IfMatch, NewArticle, Text, fetch, stamp, to_us, utcnow
from newsfeed.render import markdown_html
from newsfeed.store.sqlite.schema import Database


def _check_precondition(article: Article | None, if_match: IfMatch, article_id: int) -> Article:
    if article is None:
        raise problems.not_found(f"Article {article_id} does not exist.")
    if if_match is None or if_match == "*":
        return article
    if article.etag not in if_match:
        raise problems.precondition_failed(
            f"Article {article_id} has changed: its current ETag is {article.etag}."
        )
    return article


@asynccontextmanager
async def _revising(
    db: Database, article_id: int, if_match: IfMatch
) -> AsyncIterator[tuple[aiosqlite.Connection, Article]]:
    """A write transaction on an existing article whose ETag satisfies `If-Match`."""
    async with db.transaction() as conn:
        yield conn, _check_precondition(await fetch(conn, article_id), if_match, article_id)


async def _reread(conn: aiosqlite.Connection, article_id: int) -> Article:
    """The article as this transaction left it, to answer the write with."""
    article = await fetch(conn, article_id)
    assert article is not None  # written in this very transaction
    return article


async def _record_change(
    conn: aiosqlite.Connection,
    article_id: int,
    langs: Iterable[str],
    categories: Iterable[str],
    at: str,
) -> None:
    await conn.execute(
        "INSERT INTO changes (article_id, langs, categories, changed_at) VALUES (?, ?, ?, ?)",
        (article_id, ",".join(sorted(set(langs))), ",".join(sorted(set(categories))), at),
    )


async def _slug_taken(conn: aiosqlite.Connection, slug: str, other_than: int | None) -> bool:
    async with conn.execute(
        "SELECT 1 FROM articles WHERE slug = ? AND id IS NOT ?", (slug, other_than)
    ) as cur:
        return await cur.fetchone() is not None


def _slug_conflict(slug: str) -> problems.Problem:
    return problems.conflict(
        f"The slug {slug!r} is already used by another article.",
        [problems.FieldError("slug", "already used by another article")],
    )


async def _upsert_text(
    conn: aiosqlite.Connection, article_id: int, lang: str, text: Text, at: str
) -> None:
    html = markdown_html(text.body)  # stored with the text: views only read it
    await conn.execute(
        "INSERT INTO translations (article_id, lang, title, summary, body, author, updated_at, "
        "body_html) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id, lang) DO UPDATE SET "
        "title = excluded.title, summary = excluded.summary, body = excluded.body, "
        "author = excluded.author, updated_at = excluded.updated_at, "
        "body_html = excluded.body_html",
        (article_id, lang, text.title, text.summary, text.body, text.author, at, html),
    )


async def create(
    db: Database, new: NewArticle, langs: Sequence[str], now: datetime | None = None
) -> Article:
    """Store a new article; `langs` is the configured order, for picking `original_lang`."""
    now = now or utcnow()
    at = stamp(now)
    published = new.published_at or now
    original = new.original_lang or (
        langs[0] if langs and langs[0] in new.texts else next(iter(new.texts))
    )
    async with db.transaction() as conn:
        if new.slug is not None and await _slug_taken(conn, new.slug, None):
            raise _slug_conflict(new.slug)
        cur = await conn.execute(
            "INSERT INTO articles (slug, category, status, published_at, published_us, "
            "created_at, updated_at, original_lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.slug,
                new.category,
                new.status,
                stamp(published) if new.published_at is None else published.isoformat(),
                to_us(published),
                at,
                at,
                original,
            ),
        )
        article_id = cur.lastrowid
        assert article_id is not None
        for lang, text in new.texts.items():
            await _upsert_text(conn, article_id, lang, text, at)
        await _record_change(conn, article_id, new.texts, [new.category], at)
        return await _reread(conn, article_id)


async def patch(
    db: Database,
    article_id: int,
    changes: dict[str, Any],
    if_match: IfMatch,
    now: datetime | None = None,
) -> Article:
    """Change slug, category, status, published_at or original_lang."""
    at = stamp(now or utcnow())
    async with _revising(db, article_id, if_match) as (conn, current):
        sets: dict[str, Any] = {}
        if "slug" in changes:
            slug = changes["slug"]
            if slug is not None and await _slug_taken(conn, slug, article_id):
                raise _slug_conflict(slug)
            sets["slug"] = slug
        if "category" in changes:
            sets["category"] = changes["category"]
        if "status" in changes:
            sets["status"] = changes["status"]
        if "published_at" in changes:
            moment: datetime = changes["published_at"]
            sets["published_at"] = moment.isoformat()
            sets["published_us"] = to_us(moment)
        if "original_lang" in changes:
            lang = changes["original_lang"]
            if lang not in current.translations:
                raise problems.conflict(
                    f"Article {article_id} has no text in {lang!r} to be its original.",
                    [problems.FieldError("original_lang", "the article has no text in it")],
                )
            sets["original_lang"] = lang
        sets["updated_at"] = at
        assignments = ", ".join(f"{column} = ?" for column in sets)
        await conn.execute(
            f"UPDATE articles SET {assignments}, version = version + 1 WHERE id = ?",
            [*sets.values(), article_id],
        )
        await _record_change(
            conn,
            article_id,
            current.translations,
            {current.category, sets.get("category", current.category)},
            at,
        )
        return await _reread(conn, article_id)


async def put_translation(
    db: Database,
    article_id: int,
    lang: str,
    text: Text,
    if_match: IfMatch,
    now: datetime | None = None,
) -> tuple[Article, bool]:
    """Create or replace one language's text; True when it was created."""
    at = stamp(now or utcnow())
    async with _revising(db, article_id, if_match) as (conn, current):
        created = lang not in current.translations
        await _upsert_text(conn, article_id, lang, text, at)
        await conn.execute(
            "UPDATE articles SET updated_at = ?, version = version + 1 WHERE id = ?",
            (at, article_id),
        )
        # A new language changes every language's alternate links; an edit only its own.
        touched = [*current.translations, lang] if created else [lang]
        await _record_change(conn, article_id, touched, [current.category], at)
        return await _reread(conn, article_id), created


async def delete_translation(
    db: Database,
    article_id: int,
    lang: str,
    if_match: IfMatch,
    langs: Sequence[str],
    now: datetime | None = None,
) -> Article:
    """Remove one language's text; the last one cannot go."""
    at = stamp(now or utcnow())
    async with _revising(db, article_id, if_match) as (conn, current):
        if lang not in current.translations:
            raise problems.not_found(f"Article {article_id} has no text in {lang!r}.")
        if len(current.translations) == 1:
            raise problems.conflict(
                f"{lang!r} is the last text of article {article_id}; delete the article instead."
            )
        original = current.original_lang
        if original == lang:
            remaining = [x for x in langs if x in current.translations and x != lang]
            original = (remaining or sorted(set(current.translations) - {lang}))[0]
        await conn.execute(
            "DELETE FROM translations WHERE article_id = ? AND lang = ?", (article_id, lang)
        )
        await conn.execute(
            "UPDATE articles SET original_lang = ?, updated_at = ?, version = version + 1 "
            "WHERE id = ?",
            (original, at, article_id),
        )
        # The remaining languages lose an alternate link, so their feeds change too.
        await _record_change(conn, article_id, current.translations, [current.category], at)
        return await _reread(conn, article_id)


async def delete(
    db: Database, article_id: int, if_match: IfMatch, now: datetime | None = None
) -> None:
    at = stamp(now or utcnow())
    async with _revising(db, article_id, if_match) as (conn, current):
        await conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        await _record_change(conn, article_id, current.translations, [current.category], at)

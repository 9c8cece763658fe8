"""Editorial writes: create, patch, translations, delete. The rules, without SQL or HTTP.

Every write runs inside one `store.writing()` transaction, which no other editorial
write overlaps in any process or on any machine (store rule 1). Inside it the caller's
`If-Match` is checked against the stored version, so the check holds until commit; the
store bumps the version (the ETag), and the write records which languages and categories
it touched in the change log, from which every process learns what to drop from its
caches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from newsfeed import problems
from newsfeed.model import Article, IfMatch, NewArticle, Text, stamp, to_us, utcnow
from newsfeed.render import markdown_html
from newsfeed.store import SlugTaken, Store, WriteTx


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


def _slug_conflict(slug: str) -> problems.Problem:
    return problems.conflict(
        f"The slug {slug!r} is already used by another article.",
        [problems.FieldError("slug", "already used by another article")],
    )


@asynccontextmanager
async def _writing(store: Store) -> AsyncIterator[WriteTx]:
    """A write transaction; a slug another write took meanwhile is the same 409 as one
    found taken by the check (the database's unique constraint decides in the end)."""
    try:
        async with store.writing() as tx:
            yield tx
    except SlugTaken as exc:
        raise _slug_conflict(exc.slug) from None


@asynccontextmanager
async def _revising(
    store: Store, article_id: int, if_match: IfMatch
) -> AsyncIterator[tuple[WriteTx, Article]]:
    """A write transaction on an existing article whose ETag satisfies `If-Match`."""
    async with _writing(store) as tx:
        yield tx, _check_precondition(await tx.article(article_id), if_match, article_id)


async def _reread(tx: WriteTx, article_id: int) -> Article:
    """The article as this transaction left it, to answer the write with."""
    article = await tx.article(article_id)
    assert article is not None  # written in this very transaction
    return article


async def _put_text(tx: WriteTx, article_id: int, lang: str, text: Text, at: str) -> None:
    # The body is stored rendered and sanitized with its text: views only read it.
    await tx.upsert_text(article_id, lang, text, markdown_html(text.body), at)


async def create(
    store: Store, new: NewArticle, langs: Sequence[str], now: datetime | None = None
) -> Article:
    """Store a new article; `langs` is the configured order, for picking `original_lang`."""
    now = now or utcnow()
    at = stamp(now)
    published = new.published_at or now
    original = new.original_lang or (
        langs[0] if langs and langs[0] in new.texts else next(iter(new.texts))
    )
    async with _writing(store) as tx:
        if new.slug is not None and await tx.slug_taken(new.slug, None):
            raise _slug_conflict(new.slug)
        article_id = await tx.insert_article(
            slug=new.slug,
            category=new.category,
            status=new.status,
            published_at=stamp(published) if new.published_at is None else published.isoformat(),
            published_us=to_us(published),
            at=at,
            original_lang=original,
        )
        for lang, text in new.texts.items():
            await _put_text(tx, article_id, lang, text, at)
        await tx.record_change(article_id, new.texts, [new.category], at)
        return await _reread(tx, article_id)


async def patch(
    store: Store,
    article_id: int,
    changes: dict[str, Any],
    if_match: IfMatch,
    now: datetime | None = None,
) -> Article:
    """Change slug, category, status, published_at or original_lang."""
    at = stamp(now or utcnow())
    async with _revising(store, article_id, if_match) as (tx, current):
        sets: dict[str, Any] = {}
        if "slug" in changes:
            slug = changes["slug"]
            if slug is not None and await tx.slug_taken(slug, article_id):
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
        await tx.update_article(article_id, sets)
        await tx.record_change(
            article_id,
            current.translations,
            {current.category, sets.get("category", current.category)},
            at,
        )
        return await _reread(tx, article_id)


async def put_translation(
    store: Store,
    article_id: int,
    lang: str,
    text: Text,
    if_match: IfMatch,
    now: datetime | None = None,
) -> tuple[Article, bool]:
    """Create or replace one language's text; True when it was created."""
    at = stamp(now or utcnow())
    async with _revising(store, article_id, if_match) as (tx, current):
        created = lang not in current.translations
        await _put_text(tx, article_id, lang, text, at)
        await tx.update_article(article_id, {"updated_at": at})
        # A new language changes every language's alternate links; an edit only its own.
        touched = [*current.translations, lang] if created else [lang]
        await tx.record_change(article_id, touched, [current.category], at)
        return await _reread(tx, article_id), created


async def delete_translation(
    store: Store,
    article_id: int,
    lang: str,
    if_match: IfMatch,
    langs: Sequence[str],
    now: datetime | None = None,
) -> Article:
    """Remove one language's text; the last one cannot go."""
    at = stamp(now or utcnow())
    async with _revising(store, article_id, if_match) as (tx, current):
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
        await tx.delete_text(article_id, lang)
        await tx.update_article(article_id, {"original_lang": original, "updated_at": at})
        # The remaining languages lose an alternate link, so their feeds change too.
        await tx.record_change(article_id, current.translations, [current.category], at)
        return await _reread(tx, article_id)


async def delete(
    store: Store, article_id: int, if_match: IfMatch, now: datetime | None = None
) -> None:
    at = stamp(now or utcnow())
    async with _revising(store, article_id, if_match) as (tx, current):
        await tx.delete_article(article_id)
        await tx.record_change(article_id, current.translations, [current.category], at)

"""Editorial writes on whole articles: create, patch, delete; and the rules every write
shares. The rules, without SQL or HTTP (the texts' writes are in `translating.py`).

Every write runs inside one `store.writing()` transaction, which no other editorial
write overlaps in any process or on any machine (store rule 1). Inside it the caller's
`If-Match` is checked against the stored version, so the check holds until commit; the
store bumps the version (the ETag), the write records which languages and categories it
touched in the change log, from which every process learns what to drop from its
caches, and it adds its entry to the audit trail.

Sources follow the original: when `original_lang` moves (a PATCH, or the original's text
deleted), the new original has no source and every other text is taken as translated
from the new original's current version, so none is stale right after the move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from newsfeed import problems
from newsfeed.idempotency import Pending
from newsfeed.model import (
    Article,
    IfMatch,
    NewArticle,
    Source,
    Text,
    Translation,
    stamp,
    to_us,
    utcnow,
)
from newsfeed.render import markdown_html
from newsfeed.store import SlugTaken, Store, WriteTx
from newsfeed.workflow import TEXT_FIELDS, TextWrite


def _check_precondition(
    article: Article | None, if_match: IfMatch, article_id: int, lang: str | None
) -> Article:
    """`If-Match` holds the article's ETag or, for a write of the text in `lang`, that
    text's own: then a write to another language meanwhile is no conflict."""
    if article is None:
        raise problems.not_found(f"Article {article_id} does not exist.")
    if if_match is None or if_match == "*" or article.etag in if_match:
        return article
    text = article.translations.get(lang) if lang is not None else None
    if text is not None and text.etag(article_id) in if_match:
        return article
    current = article.etag
    if text is not None:
        current += f" (the {lang} text's: {text.etag(article_id)})"
    raise problems.precondition_failed(
        f"Article {article_id} has changed: its current ETag is {current}."
    )


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
async def revising(
    store: Store, article_id: int, if_match: IfMatch, lang: str | None = None
) -> AsyncIterator[tuple[WriteTx, Article]]:
    """A write transaction on an existing article whose ETag (or, given `lang`, whose
    text's ETag) satisfies `If-Match`."""
    async with _writing(store) as tx:
        yield tx, _check_precondition(await tx.article(article_id), if_match, article_id, lang)


async def reread(tx: WriteTx, article_id: int) -> Article:
    """The article as this transaction left it, to answer the write with."""
    article = await tx.article(article_id)
    assert article is not None  # written in this very transaction
    return article


def changed_fields(before: Translation | None, after: Text) -> tuple[str, ...]:
    """What a write changed; for a new text, every field it fills."""
    if before is None:
        return tuple(f for f in TEXT_FIELDS if f == "title" or getattr(after, f))
    return tuple(f for f in TEXT_FIELDS if getattr(before, f) != getattr(after, f))


async def write_text(
    tx: WriteTx,
    article_id: int,
    lang: str,
    text: Text,
    at: str,
    *,
    before: Translation | None,
    source: Source | None,
    minor: bool,
    editor: str | None,
) -> int:
    """Store one text as its next version (kept as a revision); the version number.

    Versions go on past a deleted text's, so a version never names two contents."""
    version = await tx.last_version(article_id, lang) + 1
    write = TextWrite(version, source, minor, editor, changed_fields(before, text))
    # The body is stored rendered and sanitized with its text: views only read it.
    await tx.upsert_text(article_id, lang, text, markdown_html(text.body), at, write)
    return version


async def rebase_sources(tx: WriteTx, article: Article, original: str) -> None:
    """`original` is the original now: it has no source, and every other text of
    `article` (as read before this write) is taken as translated from its current
    version. Texts gone in this write are skipped by the store (no row to move)."""
    version = article.translations[original].version
    for lang in article.translations:
        source = None if lang == original else Source(original, version)
        await tx.set_source(article.id, lang, source)


async def create(
    store: Store,
    new: NewArticle,
    langs: Sequence[str],
    now: datetime | None = None,
    *,
    editor: str | None = None,
    pending: Pending | None = None,
) -> Article:
    """Store a new article; `langs` is the configured order, for picking `original_lang`.

    With `pending`, the answer is kept for the request's Idempotency-Key in the same
    transaction as the article."""
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
            source = None if lang == original else Source(original, 1)
            await write_text(
                tx,
                article_id,
                lang,
                text,
                at,
                before=None,
                source=source,
                minor=False,
                editor=editor,
            )
        await tx.record_change(article_id, new.texts, [new.category], at)
        article = await reread(tx, article_id)
        await tx.record_audit(
            at=at,
            editor=editor,
            action="create",
            article_id=article_id,
            lang=None,
            version=article.version,
        )
        if pending is not None:
            await pending.complete(tx, article)
        return article


async def patch(
    store: Store,
    article_id: int,
    changes: dict[str, Any],
    if_match: IfMatch,
    now: datetime | None = None,
    *,
    editor: str | None = None,
) -> Article:
    """Change slug, category, status, published_at or original_lang."""
    at = stamp(now or utcnow())
    async with revising(store, article_id, if_match) as (tx, current):
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
            if lang != current.original_lang:
                await rebase_sources(tx, current, lang)
        sets["updated_at"] = at
        await tx.update_article(article_id, sets)
        await tx.record_change(
            article_id,
            current.translations,
            {current.category, sets.get("category", current.category)},
            at,
        )
        article = await reread(tx, article_id)
        await tx.record_audit(
            at=at,
            editor=editor,
            action="patch",
            article_id=article_id,
            lang=None,
            version=article.version,
        )
        return article


async def delete(
    store: Store,
    article_id: int,
    if_match: IfMatch,
    now: datetime | None = None,
    *,
    editor: str | None = None,
) -> None:
    """Remove the article, its texts and their revisions; its audit entries stay."""
    at = stamp(now or utcnow())
    async with revising(store, article_id, if_match) as (tx, current):
        await tx.delete_article(article_id)
        await tx.record_change(article_id, current.translations, [current.category], at)
        await tx.record_audit(
            at=at,
            editor=editor,
            action="delete",
            article_id=article_id,
            lang=None,
            version=current.version,
        )

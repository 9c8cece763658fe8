"""Writes of one language's text, and the translation workflow's rules over them.

- Versions: every write of a text is its next version, kept as a revision (store rule 6).
- Sources: a text other than the original records the original's version it was
  translated from: the one the translator names (`source_version`, which must be a
  version the original had, not past its current one), else the original's current one.
- Staleness: a text is stale when its source has had a write past `source.version` that
  was not marked minor; the store reads it with the text (store rule 7). A minor write of
  the original leaves every translation as stale, or as current, as it was.
- Confirming a text moves its source without a new version; restoring a revision writes
  that content as a new version, with the source it was translated from (if the original
  is still in that language; else the original's current version).

Every write answers the whole article; `If-Match` may hold the article's ETag or the
written text's own (see `editing.revising`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from newsfeed import problems
from newsfeed.editing import rebase_sources, reread, revising, write_text
from newsfeed.model import Article, IfMatch, Source, Text, stamp, utcnow
from newsfeed.problems import FieldError
from newsfeed.store import Store, WriteTx


def _bad_source(message: str) -> problems.Problem:
    return problems.invalid([FieldError("source_version", message)])


async def _source_for(
    tx: WriteTx, article: Article, lang: str, requested: int | None
) -> Source | None:
    """The source a write of `lang` records (None for the original's own text)."""
    original = article.original_lang
    if lang == original:
        if requested is not None:
            raise _bad_source(f"{lang!r} is the original text: it has no source")
        return None
    current = article.translations[original].version
    if requested is None:
        return Source(original, current)
    if requested > current:
        raise _bad_source(f"is newer than the original's current version {current} ({original})")
    if await tx.revision(article.id, original, requested) is None:
        raise _bad_source(f"the original ({original}) has no version {requested}")
    return Source(original, requested)


def _touched(article: Article, lang: str) -> list[str]:
    """A new language changes every language's alternate links; an edit only its own."""
    return [*article.translations, lang] if lang not in article.translations else [lang]


async def _store_text(
    tx: WriteTx,
    current: Article,
    lang: str,
    text: Text,
    now: datetime,
    *,
    source: Source | None,
    minor: bool,
    editor: str | None,
    action: str,
) -> None:
    """What a put and a restore share: the text as its next version, the article's new
    ETag, the change (every language's links when the language is new) and the audit."""
    at = stamp(now)
    version = await write_text(
        tx,
        current.id,
        lang,
        text,
        at,
        before=current.translations.get(lang),
        source=source,
        minor=minor,
        editor=editor,
    )
    await tx.update_article(current.id, {"updated_at": at})
    await tx.record_change(
        current.id,
        _touched(current, lang),
        [current.category],
        at,
        [current.published_us],
        visible=current.is_public(now),
    )
    await tx.record_audit(
        at=at, editor=editor, action=action, article_id=current.id, lang=lang, version=version
    )


async def put(
    store: Store,
    article_id: int,
    lang: str,
    text: Text,
    if_match: IfMatch,
    *,
    editor: str | None = None,
    source_version: int | None = None,
    minor: bool = False,
    now: datetime | None = None,
) -> tuple[Article, bool]:
    """Create or replace one language's text; True when it was created. A new text is
    never minor: nothing was translated from it yet."""
    now = now or utcnow()
    async with revising(store, article_id, if_match, lang) as (tx, current):
        created = lang not in current.translations
        source = await _source_for(tx, current, lang, source_version)
        await _store_text(
            tx, current, lang, text, now, source=source, minor=minor and not created,
            editor=editor, action="put-text",
        )  # fmt: skip
        return await reread(tx, article_id), created


async def delete(
    store: Store,
    article_id: int,
    lang: str,
    if_match: IfMatch,
    langs: Sequence[str],
    *,
    editor: str | None = None,
    now: datetime | None = None,
) -> Article:
    """Remove one language's text (its revisions stay); the last one cannot go. Removing
    the original's moves `original_lang` to a remaining language, by `langs` order."""
    now = now or utcnow()
    at = stamp(now)
    async with revising(store, article_id, if_match, lang) as (tx, current):
        if lang not in current.translations:
            raise problems.not_found(f"Article {article_id} has no text in {lang!r}.")
        if len(current.translations) == 1:
            raise problems.conflict(
                f"{lang!r} is the last text of article {article_id}; delete the article instead."
            )
        original = current.original_lang
        await tx.delete_text(article_id, lang)
        if original == lang:
            remaining = [x for x in langs if x in current.translations and x != lang]
            original = (remaining or sorted(set(current.translations) - {lang}))[0]
            await rebase_sources(tx, current, original)
        await tx.update_article(article_id, {"original_lang": original, "updated_at": at})
        # The remaining languages lose an alternate link, so their feeds change too.
        await tx.record_change(
            article_id,
            current.translations,
            [current.category],
            at,
            [current.published_us],
            visible=current.is_public(now),
        )
        await tx.record_audit(
            at=at,
            editor=editor,
            action="delete-text",
            article_id=article_id,
            lang=lang,
            version=current.translations[lang].version,
        )
        return await reread(tx, article_id)


async def confirm(
    store: Store,
    article_id: int,
    lang: str,
    if_match: IfMatch,
    *,
    editor: str | None = None,
    source_version: int | None = None,
    now: datetime | None = None,
) -> Article:
    """Mark a translation as up to date with the original's `source_version` (default:
    its current one) without changing it: no new version, its source moves."""
    now = now or utcnow()
    at = stamp(now)
    async with revising(store, article_id, if_match, lang) as (tx, current):
        text = current.translations.get(lang)
        if text is None:
            raise problems.not_found(f"Article {article_id} has no text in {lang!r}.")
        if lang == current.original_lang:
            raise problems.conflict(
                f"{lang!r} is the original text of article {article_id}: it has no source "
                "to be up to date with."
            )
        await tx.set_source(article_id, lang, await _source_for(tx, current, lang, source_version))
        await tx.update_article(article_id, {})  # a new ETag: the article's sources moved
        # No feed shows a source, so no language's feeds change; pages (their stale
        # notice) follow every change in the log.
        await tx.record_change(article_id, [], [], at)
        await tx.record_audit(
            at=at,
            editor=editor,
            action="confirm",
            article_id=article_id,
            lang=lang,
            version=text.version,
        )
        return await reread(tx, article_id)


async def restore(
    store: Store,
    article_id: int,
    lang: str,
    version: int,
    if_match: IfMatch,
    *,
    editor: str | None = None,
    now: datetime | None = None,
) -> tuple[Article, bool]:
    """Write revision `version` of the text as its next version (re-creating a deleted
    text: True). 404 when the article has no such revision."""
    now = now or utcnow()
    async with revising(store, article_id, if_match, lang) as (tx, current):
        old = await tx.revision(article_id, lang, version)
        if old is None:
            raise problems.not_found(
                f"The {lang!r} text of article {article_id} has no version {version}."
            )
        original = current.original_lang
        source = None
        if lang != original:
            same = old.source is not None and old.source.lang == original
            source = (
                old.source if same else Source(original, current.translations[original].version)
            )
        created = lang not in current.translations
        text = Text(old.title, old.summary, old.body, old.author)
        await _store_text(
            tx, current, lang, text, now, source=source, minor=False, editor=editor,
            action="restore",
        )  # fmt: skip
        return await reread(tx, article_id), created


async def source_diff(store: Store, article: Article, lang: str) -> dict[str, Any]:
    """What changed in the original since the text's `source.version`: a unified diff
    (difflib's lines) per field; empty lists when the text is not stale."""
    text = article.translations[lang]
    answer: dict[str, Any] = {
        "lang": lang,
        "source": None if text.source is None else text.source.as_dict(),
        "stale": text.stale,
        "from_version": None,
        "to_version": None,
        "title": [],
        "summary": [],
        "body": [],
    }
    src = None if text.source is None else article.translations.get(text.source.lang)
    if text.source is None or src is None:
        return answer
    answer["from_version"], answer["to_version"] = text.source.version, src.version
    if not text.stale:
        return answer
    old = await store.revision(article.id, text.source.lang, text.source.version)
    if old is None:  # sources name kept versions only (store rule 6)
        return answer
    for field in ("title", "summary", "body"):
        answer[field] = list(
            difflib.unified_diff(
                getattr(old, field).splitlines(),
                getattr(src, field).splitlines(),
                fromfile=f"{field}@{text.source.lang}.v{old.version}",
                tofile=f"{field}@{text.source.lang}.v{src.version}",
                lineterm="",
            )
        )
    return answer

"""Rows to plain data, the same for both stores: their reads select the same columns
under the same names (each store's `reads.ARTICLE_COLUMNS` and `reads.TEXT_COLUMNS`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from newsfeed.model import Article, Source, Translation

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def article_of(row: Any, texts: dict[str, Translation]) -> Article:
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


def translation_of(t: Any) -> Translation:
    source = t["source_lang"]
    return Translation(
        t["lang"],
        t["title"],
        t["summary"],
        t["body"],
        t["author"],
        t["text_updated_at"],
        t["body_html"],
        version=t["text_version"],
        source=None if source is None else Source(source, t["source_version"]),
        stale=bool(t["stale"]),
        source_changed_at=t["source_changed_at"] if source is not None else None,
        updated_by=t["updated_by"],
    )

"""Rows to plain data, the same for both stores: their reads select the same columns
under the same names (each store's `reads.ARTICLE_COLUMNS` and `reads.TEXT_COLUMNS`, the
revisions' `REVISION_COLUMNS`, the status board's `status._BOARD`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from newsfeed.model import Article, Source, Translation
from newsfeed.workflow import Revision, StatusRow

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


# The columns of `text_revisions`, in the order both stores insert them.
REVISION_COLUMNS = (
    "article_id, lang, version, title, summary, body, author, created_at, editor, minor, "
    "source_lang, source_version, fields"
)


def revision_of(row: Any) -> Revision:
    source = row["source_lang"]
    return Revision(
        article_id=row["article_id"],
        lang=row["lang"],
        version=row["version"],
        title=row["title"],
        summary=row["summary"],
        body=row["body"],
        author=row["author"],
        created_at=row["created_at"],
        editor=row["editor"],
        minor=bool(row["minor"]),
        source=None if source is None else Source(source, row["source_version"]),
        fields=tuple(f for f in row["fields"].split(",") if f),
    )


def status_row_of(r: Any) -> StatusRow:
    """One row of the translation status board (each store's `status._BOARD`)."""
    source = r["source_lang"]
    return StatusRow(
        id=r["id"],
        category=r["category"],
        status=r["status"],
        published_at=r["published_at"],
        published_us=r["published_us"],
        original_lang=r["original_lang"],
        title=r["title"],
        hits=r["hits"],
        state=r["state"],
        version=r["text_version"],
        source=None if source is None else Source(source, r["source_version"]),
        source_changed_at=r["source_changed_at"],
    )

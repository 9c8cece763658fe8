"""The editorial write transaction both stores give `Store.writing()` (store rule 1:
serialized, ordered), with the questions a write asks inside it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from newsfeed.model import (
    Article,
    Source,
    Text,
)
from newsfeed.workflow import (
    KeptResponse,
    Revision,
    TextWrite,
)


class WriteTx(Protocol):
    """One editorial write transaction (rule 1). Only `editing.py` uses it."""

    async def article(self, article_id: int) -> Article | None:
        """The article as stored now, visible or not; stable until commit."""

    async def slug_taken(self, slug: str, other_than: int | None) -> bool: ...

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
        """The new article's number (raises `SlugTaken`)."""

    async def update_article(self, article_id: int, sets: Mapping[str, Any]) -> None:
        """Set columns (from slug, category, status, published_at, published_us,
        original_lang, updated_at) and bump the version, the article's ETag."""

    async def upsert_text(
        self, article_id: int, lang: str, text: Text, body_html: str, at: str, write: TextWrite
    ) -> None:
        """Store the text as `write.version` and keep it as that revision (rule 6).
        Unless `write.minor`, it becomes the text's major version, written at `at`."""

    async def last_version(self, article_id: int, lang: str) -> int:
        """The newest version this text ever had (0: never written), deleted or not."""

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None: ...

    async def set_source(self, article_id: int, lang: str, source: Source | None) -> None:
        """Move a text's source without a new version (confirm, original moved)."""

    async def delete_text(self, article_id: int, lang: str) -> None:
        """Remove the current text; its revisions stay."""

    async def delete_article(self, article_id: int) -> None: ...

    async def record_change(
        self,
        article_id: int,
        langs: Iterable[str],
        categories: Iterable[str],
        at: str,
        moments: Sequence[int] = (),
        *,
        visible: bool = True,
    ) -> None:
        """Log what the write touched, for every process's caches (rule 3): `moments` are
        the article's publication instants in microseconds, now and (when re-dated) before,
        at most two; `visible` whether the public saw the article before or after it (only
        such writes count for `last_changed`)."""

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
        """One entry of the audit trail (rule 8)."""

    async def complete_idempotency(
        self, editor: str, key: str, reserved_us: int, response: KeptResponse
    ) -> bool:
        """Keep the answer of an idempotent request, committed with its effect; False
        when the reservation made at `reserved_us` is no longer this request's."""

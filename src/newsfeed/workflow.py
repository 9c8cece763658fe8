"""The translation workflow's plain data: text writes, revisions, the status board, the
audit trail and kept idempotent responses. Frozen dataclasses, no I/O (like model.py)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal

from newsfeed.model import INT64_MAX, Source

TEXT_FIELDS = ("title", "summary", "body", "author")
STATES = ("missing", "stale", "current")
ORDERS = ("newest", "hits")
AUDIT_ACTIONS = ("create", "patch", "put-text", "delete-text", "confirm", "restore", "delete")

State = Literal["missing", "stale", "current"]


@dataclass(frozen=True, slots=True)
class TextWrite:
    """What the store records with one write of a text, besides the content: its new
    version, its source, whether it concerns translations, who wrote it and which
    fields changed. Every such write is kept as a revision."""

    version: int
    source: Source | None
    minor: bool
    editor: str | None
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of one text, as it was written."""

    article_id: int
    lang: str
    version: int
    title: str
    summary: str
    body: str
    author: str
    created_at: str
    editor: str | None
    minor: bool
    source: Source | None
    fields: tuple[str, ...]

    def summary_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "editor": self.editor,
            "fields": list(self.fields),
            "minor": self.minor,
            "source": None if self.source is None else self.source.as_dict(),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            **self.summary_dict(),
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "author": self.author,
        }


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One article on the translation status board, for one language."""

    id: int
    category: str
    status: str
    published_at: str
    published_us: int
    original_lang: str
    title: str  # in the original language
    hits: int
    state: State
    version: int | None  # the text's version in the board's language; None: missing
    source: Source | None
    source_changed_at: str | None  # the original's last major write (None: is the original)

    def as_dict(self, hits: int | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "status": self.status,
            "published_at": self.published_at,
            "original_lang": self.original_lang,
            "title": self.title,
            "state": self.state,
            "version": self.version,
            "source": None if self.source is None else self.source.as_dict(),
            "source_changed_at": self.source_changed_at,
            "hits": self.hits if hits is None else hits,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One editorial write. `version` is the text's version for text actions, the
    article's (what its ETag names) for create, patch and delete."""

    id: int
    at: str
    editor: str | None
    action: str
    article_id: int
    lang: str | None
    version: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "editor": self.editor,
            "action": self.action,
            "article": self.article_id,
            "lang": self.lang,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class KeptResponse:
    """The first answer to an idempotent request, replayed to its retries."""

    status: int
    body: str
    location: str | None
    etag: str | None


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A stored Idempotency-Key: the request's fingerprint and, once done, its answer."""

    fingerprint: str
    created_us: int
    response: KeptResponse | None  # None: still in progress


@dataclass(frozen=True, slots=True)
class Position:
    """A keyset position of a paged list: a sort key and an id, both descending.

    Encoded with the list's name so a cursor of one list (or order) is refused by
    another."""

    kind: str
    key: int
    id: int

    def encode(self) -> str:
        raw = f"{self.kind}.{self.key}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, kind: str) -> Position | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            name, key, ident = raw.split(".")
            found = cls(name, int(key), int(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if name != kind or raw != f"{found.kind}.{found.key}.{found.id}" or found.id < 1:
            return None
        if found.id > INT64_MAX or abs(found.key) > INT64_MAX or found.encode() != token:
            return None  # only the spelling this API gives out
        return found

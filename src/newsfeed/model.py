"""What newsfeed is about, as plain frozen dataclasses: articles, texts, board rows,
search hits, changes and editors. No I/O here; the store returns these."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

INT64_MAX = 2**63 - 1  # the largest integer both stores keep (SQLite INTEGER, bigint)

IfMatch = Literal["*"] | frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Text:
    """One language's text of an article, as an editor writes it."""

    title: str
    summary: str = ""
    body: str = ""
    author: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """The original-language text, and its version, that a translation was made from."""

    lang: str
    version: int

    def as_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "version": self.version}


@dataclass(frozen=True, slots=True)
class Translation:
    lang: str
    title: str
    summary: str
    body: str
    author: str
    updated_at: str
    body_html: str | None = None  # the body rendered at write time; None: not yet
    version: int = 1  # +1 on each write of this text
    source: Source | None = None  # None: the original's own text
    stale: bool = False  # the source has had a major write since `source.version`
    source_changed_at: str | None = None  # when the source last had a major write
    updated_by: str | None = None  # the editor of the last write (None: before names)

    @property
    def source_changed(self) -> datetime | None:
        """When the source last had a write that concerns translations (pages show it)."""
        return (
            None
            if self.source_changed_at is None
            else datetime.fromisoformat(self.source_changed_at)
        )

    def etag(self, article_id: int) -> str:
        """Strong validator of this text alone: its content (by version) and its source.

        Derived `stale` is not in it, so a write to another language (the original
        included) leaves it valid: that is what makes it useful in `If-Match`."""
        source = f"{self.source.lang}{self.source.version}" if self.source else "o"
        return f'"{article_id}-{self.lang}-{self.version}-{source}"'

    def as_dict(self, article_id: int) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "author": self.author,
            "updated_at": self.updated_at,
            "version": self.version,
            "etag": self.etag(article_id),
            "source": None if self.source is None else self.source.as_dict(),
            "stale": self.stale,
            "updated_by": self.updated_by,
        }


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
            "translations": {lang: self.translations[lang].as_dict(self.id) for lang in order},
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


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the board; `titles` holds every language's title."""

    id: int
    category: str
    published_at: str
    original_lang: str
    hits: int
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)

    def title_for(self, lang: str, preference: tuple[str, ...]) -> tuple[str, str]:
        """(language, title) in `lang`, else the original, else by `preference`."""
        for candidate in (lang, self.original_lang, *preference):
            if candidate in self.titles:
                return candidate, self.titles[candidate]
        return next(iter(self.titles.items()))


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int
    title: str
    summary: str
    body: str
    published_at: str
    hits: int

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)


@dataclass(frozen=True, slots=True)
class Change:
    """One editorial write, as the change log names it: what caches it affects."""

    seq: int
    langs: frozenset[str]
    categories: frozenset[str]


class Role(StrEnum):
    EDITOR = "editor"
    TRANSLATOR = "translator"


@dataclass(frozen=True, slots=True)
class Editor:
    name: str
    role: Role
    langs: frozenset[str] | None = None  # a translator's languages; None: all

    def may_write(self, lang: str) -> bool:
        """Editors write every language; a translator only those they were given."""
        return self.role is Role.EDITOR or self.langs is None or lang in self.langs


@dataclass(frozen=True, slots=True)
class EditorRecord:
    name: str
    role: Role
    created_at: str
    revoked_at: str | None
    token_hash: str = ""  # filled only by the lookup by token
    langs: frozenset[str] | None = None


def split_langs(value: str | None) -> frozenset[str] | None:
    """A stored comma-separated language list; NULL (or empty) means every language."""
    return frozenset(value.split(",")) if value else None

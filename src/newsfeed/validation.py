"""Request bodies and parameters -> typed commands, or a list of field errors.

The limits are the contract's: titles 1..300 characters, summaries ..1000, bodies
..200,000, authors ..200. Text is stored as NFC with LF line ends; control characters,
lone surrogates and U+FFFE/U+FFFF are refused because no XML feed could carry them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsfeed.model import Cursor, IfMatch, NewArticle, Text
from newsfeed.problems import FieldError, bad_request, invalid

# Identifier-like values must match over the whole string: always `fullmatch`, never
# `match` with `$`, which also accepts a trailing newline ("news\n"). The patterns carry
# no anchors; `anchored()` adds them for the OpenAPI document (JSON Schema `pattern`).
SLUG_RE = re.compile(r"[a-z0-9-]{1,80}")
CATEGORY_RE = re.compile(r"[a-z0-9-]{1,40}")
RFC3339_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
# C0 controls except tab and newline, DEL, lone surrogates, and the two noncharacters.
FORBIDDEN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
DEFAULT_LIMIT, MAX_LIMIT = 20, 100  # items a page of GET /api/v1/articles
TEXT_LIMITS = {"title": (1, 300), "summary": (0, 1000), "body": (0, 200_000), "author": (0, 200)}
STATUSES = ("draft", "published")
QVALUE_RE = re.compile(r"[0-9]{1,3}(\.[0-9]{0,6})?")  # RFC 9110's qvalue, read leniently
ETAG_RE = re.compile(r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')


def anchored(pattern: re.Pattern[str]) -> str:
    """The pattern as JSON Schema wants it (ECMA-262 `$` matches only at the very end)."""
    return f"^{pattern.pattern}$"


class Errors(list[FieldError]):
    def add(self, field: str, message: str) -> None:
        self.append(FieldError(field, message))


def clean_text(value: str) -> str | None:
    """NFC with LF line ends, or None when it holds a character no feed can carry."""
    value = value.replace("\r\n", "\n")  # a lone CR is a control character: refused below
    if FORBIDDEN_RE.search(value):
        return None
    return unicodedata.normalize("NFC", value)


def parse_text(data: Any, prefix: str, errors: Errors) -> Text | None:
    if not isinstance(data, dict):
        errors.add(prefix or "body", "must be an object with title, summary, body and author")
        return None
    dot = f"{prefix}." if prefix else ""
    for unknown in sorted(set(data) - set(TEXT_LIMITS)):
        errors.add(f"{dot}{unknown}", "unknown field")
    values: dict[str, str] = {}
    for name, (low, high) in TEXT_LIMITS.items():
        value = data.get(name, "" if name != "title" else None)
        if value is None and name == "title":
            errors.add(f"{dot}title", "is required")
            continue
        if not isinstance(value, str):
            errors.add(f"{dot}{name}", "must be a string")
            continue
        cleaned = clean_text(value)
        if cleaned is None:
            errors.add(
                f"{dot}{name}", "contains a control character, a lone surrogate or U+FFFE/U+FFFF"
            )
            continue
        if name == "title" and not cleaned.strip():
            errors.add(f"{dot}title", "must not be empty")
            continue
        if not low <= len(cleaned) <= high:
            errors.add(f"{dot}{name}", f"must be {low}..{high} characters long")
            continue
        values[name] = cleaned
    if len(values) != len(TEXT_LIMITS):
        return None
    return Text(**values)


def parse_datetime(value: Any, field: str, errors: Errors) -> datetime | None:
    if not isinstance(value, str) or not RFC3339_RE.fullmatch(value):
        errors.add(
            field, "must be an RFC 3339 date-time with an offset, e.g. 2020-09-15T10:00:00+09:00"
        )
        return None
    try:
        moment = datetime.fromisoformat(_six_digit_fraction(value.upper().replace(" ", "T")))
    except ValueError:
        errors.add(field, "is not a real date and time")
        return None
    if not 1000 <= moment.year <= 9998:
        errors.add(field, "year must be between 1000 and 9998")
        return None
    return moment


def _six_digit_fraction(value: str) -> str:
    """datetime keeps microseconds; RFC 3339 allows any number of fraction digits."""
    head, dot, rest = value.partition(".")
    if not dot:
        return value
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"


def _check_slug(data: dict[str, Any], errors: Errors) -> None:
    slug = data["slug"]
    if slug is not None and (not isinstance(slug, str) or not SLUG_RE.fullmatch(slug)):
        errors.add("slug", "must match [a-z0-9-]{1,80} or be null")


def _check_category(data: dict[str, Any], errors: Errors) -> None:
    category = data["category"]
    if not isinstance(category, str) or not CATEGORY_RE.fullmatch(category):
        errors.add("category", "must match [a-z0-9-]{1,40}")


def _check_status(data: dict[str, Any], errors: Errors) -> None:
    if data["status"] not in STATUSES:
        errors.add("status", "must be 'draft' or 'published'")


def _check_lang(value: Any, field: str, langs: Sequence[str], errors: Errors) -> None:
    if value not in langs:
        errors.add(field, f"must be one of {', '.join(langs)}")


def new_article(data: Any, langs: Sequence[str]) -> NewArticle:
    """POST /api/v1/articles body -> NewArticle, or raise 422 with every field's error."""
    if not isinstance(data, dict):
        raise invalid([FieldError("body", "must be a JSON object")])
    errors = Errors()
    allowed = {"slug", "category", "status", "published_at", "original_lang", "translations"}
    for unknown in sorted(set(data) - allowed):
        errors.add(unknown, "unknown field")
    if "category" not in data:
        errors.add("category", "is required")
    else:
        _check_category(data, errors)
    if "slug" in data:
        _check_slug(data, errors)
    if data.get("status") is not None:  # null means "the default", as for the other optionals
        _check_status(data, errors)
    published = None
    if data.get("published_at") is not None:
        published = parse_datetime(data["published_at"], "published_at", errors)
    texts: dict[str, Text] = {}
    translations = data.get("translations")
    if not isinstance(translations, dict) or not translations:
        errors.add("translations", "at least one language's text is required")
    else:
        for lang, body in translations.items():
            if lang not in langs:
                errors.add(
                    f"translations.{lang}", f"unknown language; use one of {', '.join(langs)}"
                )
                continue
            text = parse_text(body, f"translations.{lang}", errors)
            if text is not None:
                texts[lang] = text
    original = data.get("original_lang")
    if original is not None:
        _check_lang(original, "original_lang", langs, errors)
        if isinstance(translations, dict) and original in langs and original not in translations:
            errors.add("original_lang", "the article has no text in that language")
    if errors:
        raise invalid(errors)
    return NewArticle(
        category=data["category"],
        texts=texts,
        slug=data.get("slug"),
        status=data.get("status") or "draft",
        published_at=published,
        original_lang=original,
    )


def article_patch(data: Any, langs: Sequence[str]) -> dict[str, Any]:
    """PATCH body -> the fields to change."""
    if not isinstance(data, dict):
        raise invalid([FieldError("body", "must be a JSON object")])
    errors = Errors()
    allowed = {"slug", "category", "status", "published_at", "original_lang"}
    for unknown in sorted(set(data) - allowed):
        if unknown == "translations":
            errors.add(
                unknown, "unknown field (texts are changed with PUT .../translations/{lang})"
            )
        else:
            errors.add(unknown, "unknown field")
    changes: dict[str, Any] = {}
    if "slug" in data:
        _check_slug(data, errors)
        changes["slug"] = data["slug"]
    if "category" in data:
        _check_category(data, errors)
        changes["category"] = data["category"]
    if "status" in data:
        _check_status(data, errors)
        changes["status"] = data["status"]
    if "published_at" in data:
        changes["published_at"] = parse_datetime(data["published_at"], "published_at", errors)
    if "original_lang" in data:
        _check_lang(data["original_lang"], "original_lang", langs, errors)
        changes["original_lang"] = data["original_lang"]
    if not data:
        errors.add("body", "name at least one field to change")
    if errors:
        raise invalid(errors)
    return changes


def text(data: Any) -> Text:
    """PUT .../translations/{lang} body -> Text."""
    errors = Errors()
    parsed = parse_text(data, "", errors)
    if errors or parsed is None:
        raise invalid(errors)
    return parsed


def if_match(header: str | None) -> IfMatch:
    """`If-Match` -> "*", a set of strong ETags, or None; 400 when it is malformed."""
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return "*"
    tags = [part.strip() for part in header.split(",")]
    if not tags or any(not ETAG_RE.fullmatch(tag) for tag in tags):
        raise bad_request('If-Match must be "*" or a comma-separated list of quoted ETags.')
    # Weak tags never match under the strong comparison that If-Match requires.
    return frozenset(tag for tag in tags if not tag.startswith("W/"))


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The query of GET /api/v1/articles, checked."""

    lang: str | None
    category: str | None
    limit: int
    after: Cursor | None


def list_query(query: Mapping[str, str], langs: Sequence[str]) -> ListQuery:
    """`?lang=&category=&limit=&cursor=` -> ListQuery, or one 400 naming every bad one."""
    errors = Errors()
    lang = query.get("lang")
    if lang is not None and lang not in langs:
        errors.add("lang", f"must be one of {', '.join(langs)}")
    category = _category(query, errors)
    limit = positive_id(query.get("limit", str(DEFAULT_LIMIT)))
    if limit is None or limit > MAX_LIMIT:
        errors.add("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    after = None
    if "cursor" in query:
        after = Cursor.decode(query["cursor"])
        if after is None:
            errors.add("cursor", "is not a cursor this API gave out")
    if errors or limit is None:
        raise bad_request("Some query parameters are invalid.", errors)
    return ListQuery(lang, category, limit, after)


def category_param(query: Mapping[str, str]) -> str | None:
    """`?category=` of a board or feed: absent, or a valid category; else 400."""
    errors = Errors()
    category = _category(query, errors)
    if errors:
        raise bad_request("Some query parameters are invalid.", errors)
    return category


def _category(query: Mapping[str, str], errors: Errors) -> str | None:
    category = query.get("category")
    if category is not None and not CATEGORY_RE.fullmatch(category):
        errors.add("category", "must match [a-z0-9-]{1,40}")
    return category


def qvalue(params: str) -> float | None:
    """The `q` of a header element's parameters (`;q=0.5`): 1.0 when absent, at most 1.0
    (`q=2` counts as 1), None when it is no plain decimal (`q=1e3`, `q=nan`, `q=-1`),
    which callers treat as "not acceptable"."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            return min(1.0, float(value)) if QVALUE_RE.fullmatch(value) else None
    return 1.0


def positive_id(raw: str) -> int | None:
    """A path id as an int, or None when it cannot name an article (→ 404)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if value >= 1 else None

"""Request bodies and query parameters of the translation workflow -> typed values, or
a 422 (bodies) / 400 (parameters) naming every bad field, as `validation.py` does for
articles and whose rules (texts, limits, categories) it reuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from newsfeed.model import INT64_MAX, Text
from newsfeed.problems import FieldError, bad_request, invalid
from newsfeed.validation import (
    CATEGORY_RE,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Errors,
    parse_text,
    positive_id,
)
from newsfeed.workflow import ORDERS, STATES, Position


@dataclass(frozen=True, slots=True)
class TextPut:
    """The body of PUT .../translations/{lang}: the text and how it was made."""

    text: Text
    source_version: int | None
    minor: bool


def _version(value: Any, field: str, errors: Errors) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 1 <= value <= INT64_MAX:
        errors.add(field, "must be a whole number from 1 (a version of the original)")
        return None
    return value


def text_put(data: Any) -> TextPut:
    """PUT .../translations/{lang} body -> TextPut, or 422 with every field's error."""
    if not isinstance(data, dict):
        raise invalid([FieldError("body", "must be an object with title, summary, body, author")])
    errors = Errors()
    extra = {k: data[k] for k in ("source_version", "minor") if k in data}
    parsed = parse_text({k: v for k, v in data.items() if k not in extra}, "", errors)
    source_version = _version(extra.get("source_version"), "source_version", errors)
    minor = extra.get("minor")
    if minor is not None and not isinstance(minor, bool):
        errors.add("minor", "must be true or false")
    if errors or parsed is None:
        raise invalid(errors)
    return TextPut(parsed, source_version, minor is True)


def confirmation(data: Any) -> int | None:
    """POST .../confirm body (optional) -> the source version it names, or None."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise invalid([FieldError("body", 'must be an object, e.g. {"source_version": 3}')])
    errors = Errors()
    for unknown in sorted(set(data) - {"source_version"}):
        errors.add(unknown, "unknown field")
    version = _version(data.get("source_version"), "source_version", errors)
    if errors:
        raise invalid(errors)
    return version


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """The query of GET /api/v1/translations, checked."""

    lang: str
    state: str | None
    category: str | None
    order: str
    limit: int
    after: Position | None


def status_query(query: Mapping[str, str], langs: Sequence[str]) -> StatusQuery:
    """`?lang=&state=&category=&order=&limit=&cursor=` -> StatusQuery, or one 400."""
    errors = Errors()
    lang = query.get("lang")
    if lang not in langs:
        errors.add("lang", f"is required: one of {', '.join(langs)}")
    state = query.get("state")
    if state is not None and state not in STATES:
        errors.add("state", f"must be one of {', '.join(STATES)}")
    order = query.get("order", ORDERS[0])
    if order not in ORDERS:
        errors.add("order", f"must be one of {', '.join(ORDERS)}")
    category = query.get("category")
    if category is not None and not CATEGORY_RE.fullmatch(category):
        errors.add("category", "must match [a-z0-9-]{1,40}")
    limit = _limit(query, errors)
    after = _position(query, order, errors)
    if errors or limit is None or lang is None:
        raise bad_request("Some query parameters are invalid.", errors)
    return StatusQuery(lang, state, category, order, limit, after)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The query of GET /api/v1/audit, checked."""

    article_id: int | None
    editor: str | None
    limit: int
    before: int | None


def audit_query(query: Mapping[str, str]) -> AuditQuery:
    """`?article=&editor=&limit=&cursor=` -> AuditQuery, or one 400."""
    errors = Errors()
    article_id = None
    if "article" in query:
        article_id = positive_id(query["article"])
        if article_id is None:
            errors.add("article", "must be an article number")
    editor = query.get("editor")
    if editor is not None and not (0 < len(editor) <= 100 and editor.isprintable()):
        errors.add("editor", "must be an editor's name")
    limit = _limit(query, errors)
    after = _position(query, "audit", errors)
    if errors or limit is None:
        raise bad_request("Some query parameters are invalid.", errors)
    return AuditQuery(article_id, editor, limit, None if after is None else after.id)


def _limit(query: Mapping[str, str], errors: Errors) -> int | None:
    limit = positive_id(query.get("limit", str(DEFAULT_LIMIT)))
    if limit is None or limit > MAX_LIMIT:
        errors.add("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
        return None
    return limit


def _position(query: Mapping[str, str], kind: str, errors: Errors) -> Position | None:
    if "cursor" not in query:
        return None
    found = Position.decode(query["cursor"], kind)
    if found is None:
        errors.add("cursor", "is not a cursor this API gave out for this list and order")
    return found

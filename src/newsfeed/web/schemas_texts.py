"""JSON Schemas of texts and the translation workflow: the components that
`openapi_texts.py` refers to, built from the same limits and names the checks use."""

from __future__ import annotations

from typing import Any

from newsfeed import validation
from newsfeed.web.schemas import ref
from newsfeed.workflow import AUDIT_ACTIONS, STATES, TEXT_FIELDS


def schemas(langs: tuple[str, ...]) -> dict[str, Any]:
    lang = {"type": "string", "enum": list(langs)}
    version = {"type": "integer", "minimum": 1}
    when = {"type": "string", "format": "date-time"}
    lines = {
        "type": "array",
        "items": {"type": "string"},
        "description": "difflib.unified_diff lines",
    }
    page = lambda item: {  # noqa: E731 - a one-line schema template
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "next_cursor": {"type": ["string", "null"]},
        },
    }
    source = {"oneOf": [ref("Source"), {"type": "null"}]}
    text_input = {
        "type": "object",
        "additionalProperties": False,
        "required": ["title"],
        "properties": {
            name: {"type": "string", "minLength": low, "maxLength": high}
            for name, (low, high) in validation.TEXT_LIMITS.items()
        }
        | {
            "source_version": {
                **version,
                "description": "the original's version translated from "
                "(default: its current one); not for the original itself",
            },
            "minor": {
                "type": "boolean",
                "default": False,
                "description": "on the original: a change that does not concern translations",
            },
        },
    }
    return {
        "Source": {
            "type": "object",
            "required": ["lang", "version"],
            "properties": {"lang": lang, "version": version},
        },
        "TextPut": text_input,
        "Confirm": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"source_version": version},
        },
        "TextOut": {
            "allOf": [ref("Translation")],
            "type": "object",
            "required": ["article", "lang", "original_lang"],
            "properties": {"article": {"type": "integer"}, "lang": lang, "original_lang": lang},
        },
        "SourceDiff": {
            "type": "object",
            "required": [
                "lang",
                "source",
                "stale",
                "from_version",
                "to_version",
                "title",
                "summary",
                "body",
            ],
            "properties": {
                "lang": lang,
                "source": source,
                "stale": {"type": "boolean"},
                "from_version": {"type": ["integer", "null"], "description": "source.version"},
                "to_version": {
                    "type": ["integer", "null"],
                    "description": "the original's current version",
                },
                "title": lines,
                "summary": lines,
                "body": lines,
            },
        },
        "RevisionSummary": {
            "type": "object",
            "required": ["version", "created_at", "editor", "fields", "minor", "source"],
            "properties": {
                "version": version,
                "created_at": when,
                "editor": {"type": ["string", "null"]},
                "fields": {"type": "array", "items": {"type": "string", "enum": list(TEXT_FIELDS)}},
                "minor": {"type": "boolean"},
                "source": source,
            },
        },
        "RevisionList": {
            "type": "object",
            "required": ["article", "lang", "items"],
            "properties": {
                "article": {"type": "integer"},
                "lang": lang,
                "items": {"type": "array", "items": ref("RevisionSummary")},
            },
        },
        "Revision": {
            "allOf": [ref("RevisionSummary")],
            "type": "object",
            "required": ["article", "lang", "title", "summary", "body", "author"],
            "properties": {
                "article": {"type": "integer"},
                "lang": lang,
                **{name: {"type": "string"} for name in TEXT_FIELDS},
            },
        },
        "StatusItem": {
            "type": "object",
            "required": [
                "id",
                "category",
                "status",
                "published_at",
                "original_lang",
                "title",
                "state",
                "version",
                "source",
                "source_changed_at",
                "hits",
            ],
            "properties": {
                "id": {"type": "integer"},
                "category": {"type": "string"},
                "status": {"type": "string", "enum": list(validation.STATUSES)},
                "published_at": when,
                "original_lang": lang,
                "title": {"type": "string", "description": "in the original language"},
                "state": {"type": "string", "enum": list(STATES)},
                "version": {"type": ["integer", "null"], "description": "null when missing"},
                "source": source,
                "source_changed_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "the original's last write that concerns translations (null "
                    "for the original's own text)",
                },
                "hits": {"type": "integer", "minimum": 0},
            },
        },
        "StatusBoard": {
            "type": "object",
            "required": ["lang", "counts", "items", "next_cursor"],
            "properties": {
                "lang": lang,
                "counts": {
                    "type": "object",
                    "required": list(STATES),
                    "properties": {state: {"type": "integer", "minimum": 0} for state in STATES},
                    "description": "over lang and category, whatever state and cursor say",
                },
                "items": {"type": "array", "items": ref("StatusItem")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "AuditEntry": {
            "type": "object",
            "required": ["id", "at", "editor", "action", "article", "lang", "version"],
            "properties": {
                "id": {"type": "integer"},
                "at": when,
                "editor": {"type": ["string", "null"]},
                "action": {"type": "string", "enum": list(AUDIT_ACTIONS)},
                "article": {"type": "integer"},
                "lang": {"type": ["string", "null"], "description": "null for article actions"},
                "version": {
                    "type": ["integer", "null"],
                    "description": "the text's version (text actions) or the article's (create, "
                    "patch, delete)",
                },
            },
        },
        "AuditList": page("AuditEntry"),
    }

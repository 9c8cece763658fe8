"""JSON Schemas of what the API reads and writes: the `components` of its OpenAPI document.

Built from the same patterns and limits that `validation.py` enforces, so the document
cannot drift from the checks.
"""

from __future__ import annotations

from typing import Any

from newsfeed import problems, validation


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _text_schema() -> dict[str, Any]:
    limits = validation.TEXT_LIMITS
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["title"],
        "properties": {
            name: {
                "type": "string",
                "minLength": low,
                "maxLength": high,
                "description": "Markdown (CommonMark)" if name == "body" else name,
            }
            for name, (low, high) in limits.items()
        },
    }


def _schemas(langs: tuple[str, ...]) -> dict[str, Any]:
    text_out = {
        "type": "object",
        "required": [
            "title",
            "summary",
            "body",
            "author",
            "updated_at",
            "version",
            "etag",
            "source",
            "stale",
            "updated_by",
        ],
        "properties": {
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "body": {"type": "string"},
            "author": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
            "version": {"type": "integer", "minimum": 1, "description": "+1 on each write"},
            "etag": {
                "type": "string",
                "description": "strong ETag of this text alone, for If-Match on its writes",
            },
            "source": {
                "oneOf": [ref("Source"), {"type": "null"}],
                "description": "the original's version it was translated from; null for the "
                "original's own text",
            },
            "stale": {
                "type": "boolean",
                "description": "the original has had a write not marked minor since source",
            },
            "updated_by": {
                "type": ["string", "null"],
                "description": "who wrote this version (null: written before names were kept)",
            },
        },
    }
    lang_map = lambda schema: {  # noqa: E731 - a one-line schema template
        "type": "object",
        "properties": {lang: schema for lang in langs},
        "additionalProperties": False,
    }
    slug = {"type": ["string", "null"], "pattern": validation.anchored(validation.SLUG_RE)}
    category = {"type": "string", "pattern": validation.anchored(validation.CATEGORY_RE)}
    status = {"type": "string", "enum": list(validation.STATUSES)}
    lang = {"type": "string", "enum": list(langs)}
    when = {
        "type": "string",
        "format": "date-time",
        "description": "RFC 3339 with an offset; in the future = scheduled",
    }
    return {
        "Translation": text_out,
        "TextInput": _text_schema(),
        "Article": {
            "type": "object",
            "required": [
                "id",
                "slug",
                "category",
                "status",
                "published_at",
                "created_at",
                "updated_at",
                "original_lang",
                "hits",
                "translations",
            ],
            "properties": {
                "id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "the board number, assigned by the server",
                },
                "slug": slug,
                "category": category,
                "status": status,
                "published_at": when,
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "original_lang": lang,
                "hits": {"type": "integer", "minimum": 0},
                "translations": {**lang_map(ref("Translation")), "minProperties": 1},
            },
        },
        "ArticleList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("Article")},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "pass as ?cursor= for the next page; null at the end",
                },
            },
        },
        "NewArticle": {
            "type": "object",
            "additionalProperties": False,
            "required": ["category", "translations"],
            "properties": {
                "slug": slug,
                "category": category,
                "status": {**status, "default": "draft"},
                "published_at": {**when, "description": "default: the time of creation"},
                "original_lang": lang,
                "translations": {**lang_map(ref("TextInput")), "minProperties": 1},
            },
        },
        "ArticlePatch": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "slug": slug,
                "category": category,
                "status": status,
                "published_at": when,
                "original_lang": lang,
            },
        },
        "Hits": {
            "type": "object",
            "required": ["id", "hits"],
            "properties": {"id": {"type": "integer"}, "hits": {"type": "integer", "minimum": 0}},
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {
                    "type": "string",
                    "enum": list(problems.TYPES),
                    "description": "about:blank: the status and title say what went wrong",
                },
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        },
    }


def _parameters(langs: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
        "lang": {
            "name": "lang",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": list(langs)},
        },
        "IfMatch": {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": 'optional; "*" or the ETag from your last read (for a text\'s '
            "writes, the article's or that text's own). A stale one answers 412 and "
            "changes nothing.",
            "schema": {"type": "string"},
        },
    }


def components(langs: tuple[str, ...]) -> dict[str, Any]:
    return {
        "schemas": _schemas(langs),
        "parameters": _parameters(langs),
        "headers": {
            "ETag": {
                "description": "strong; covers what editors can change, not hits",
                "schema": {"type": "string"},
            },
            "Location": {
                "description": "absolute URL of the article",
                "schema": {"type": "string", "format": "uri"},
            },
            "TextETag": {
                "description": "strong; this text's own ETag, also in its `etag` field",
                "schema": {"type": "string"},
            },
        },
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "token from `newsfeed editor add`",
            }
        },
    }

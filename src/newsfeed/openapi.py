"""The OpenAPI 3.1 document of /api/v1, built from the settings (languages, base URL).

A test compares the app's routes with `paths` here, so a route cannot be added or
removed without the document following.
"""

from __future__ import annotations

from typing import Any

from newsfeed import problems, validation
from newsfeed.settings import Settings

PROBLEM = "application/problem+json"
JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


def _article_ok(description: str, status_headers: tuple[str, ...] = ("ETag",)) -> dict[str, Any]:
    headers = {name: {"$ref": f"#/components/headers/{name}"} for name in status_headers}
    return {
        "description": description,
        "headers": headers,
        "content": {JSON: {"schema": _ref("Article")}},
    }


_ERRORS = {
    "400": "Malformed JSON, a malformed If-Match, or bad query parameters",
    "401": "Missing or invalid token (WWW-Authenticate: Bearer)",
    "403": "The token's role may not do this",
    "404": "No such article, or not visible to the public",
    "405": "Method not allowed on this route",
    "408": "The body did not arrive within 10 s of the headers; the connection is closed",
    "409": "Conflict: slug already used, or the last text of an article",
    "412": "If-Match does not match the article's current ETag",
    "413": "Body over 1 MiB",
    "415": "Body is not application/json (UTF-8)",
    "422": "Invalid fields; see `errors`",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _problem(_ERRORS[code]) for code in codes}


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
        "required": ["title", "summary", "body", "author", "updated_at"],
        "properties": {
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "body": {"type": "string"},
            "author": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    }
    lang_map = lambda schema: {  # noqa: E731 - a one-line schema template
        "type": "object",
        "properties": {lang: schema for lang in langs},
        "additionalProperties": False,
    }
    slug = {"type": ["string", "null"], "pattern": validation.SLUG_RE.pattern}
    category = {"type": "string", "pattern": validation.CATEGORY_RE.pattern}
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
                "translations": {**lang_map(_ref("Translation")), "minProperties": 1},
            },
        },
        "ArticleList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("Article")},
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
                "translations": {**lang_map(_ref("TextInput")), "minProperties": 1},
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
            "description": 'optional; "*" or the ETag from your last read. '
            "A stale one answers 412 and changes nothing.",
            "schema": {"type": "string"},
        },
    }


def document(settings: Settings) -> dict[str, Any]:
    """The whole document; small enough to build per request."""
    langs = settings.langs
    p = lambda name: {"$ref": f"#/components/parameters/{name}"}  # noqa: E731
    editor: list[dict[str, list[str]]] = [{"bearer": []}]
    body = lambda name: {  # noqa: E731
        "required": True,
        "content": {JSON: {"schema": _ref(name)}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsfeed API",
            "version": "1",
            "description": "Bilingual news articles. Reads are public; writes need an editor "
            "(or, for translations, a translator) token from `newsfeed editor add`. Every "
            "error is application/problem+json.",
        },
        "servers": [{"url": settings.base_url}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        }
                    },
                },
            },
            "/api/v1/articles": {
                "get": {
                    "operationId": "listArticles",
                    "summary": "Articles, newest first (published_at, then id, descending)",
                    "description": "With a valid token, drafts and scheduled articles too.",
                    "parameters": [
                        {
                            "name": "lang",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(langs)},
                            "description": "keep articles that have a text in it "
                            "(all texts are returned)",
                        },
                        {
                            "name": "category",
                            "in": "query",
                            "schema": {"type": "string", "pattern": validation.CATEGORY_RE.pattern},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 20,
                            },
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "next_cursor of the previous page",
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of articles",
                            "content": {JSON: {"schema": _ref("ArticleList")}},
                        },
                        **_errors("400"),
                    },
                },
                "post": {
                    "operationId": "createArticle",
                    "summary": "Create an article (editor)",
                    "security": editor,
                    "requestBody": body("NewArticle"),
                    "responses": {
                        "201": _article_ok("Created", ("ETag", "Location")),
                        **_errors("400", "401", "403", "408", "409", "413", "415", "422"),
                    },
                },
            },
            "/api/v1/articles/{id}": {
                "parameters": [p("id")],
                "get": {
                    "operationId": "getArticle",
                    "summary": "One article with all its translations",
                    "responses": {
                        "200": _article_ok("The article"),
                        "304": {"description": "If-None-Match matched"},
                        **_errors("404"),
                    },
                },
                "patch": {
                    "operationId": "patchArticle",
                    "summary": "Change slug, category, status, published_at or "
                    "original_lang (editor)",
                    "security": editor,
                    "parameters": [p("IfMatch")],
                    "requestBody": body("ArticlePatch"),
                    "responses": {
                        "200": _article_ok("Changed"),
                        **_errors(
                            "400", "401", "403", "404", "408", "409", "412", "413", "415", "422"
                        ),
                    },
                },
                "delete": {
                    "operationId": "deleteArticle",
                    "summary": "Remove the article (editor)",
                    "security": editor,
                    "parameters": [p("IfMatch")],
                    "responses": {
                        "204": {"description": "Removed"},
                        **_errors("400", "401", "403", "404", "412"),
                    },
                },
            },
            "/api/v1/articles/{id}/hits": {
                "parameters": [p("id")],
                "post": {
                    "operationId": "countHit",
                    "summary": "Count one view",
                    "responses": {
                        "200": {
                            "description": "The new count",
                            "content": {JSON: {"schema": _ref("Hits")}},
                        },
                        **_errors("404"),
                    },
                },
            },
            "/api/v1/articles/{id}/translations/{lang}": {
                "parameters": [p("id"), p("lang")],
                "put": {
                    "operationId": "putTranslation",
                    "summary": "Create (201) or replace (200) one language's text "
                    "(editor or translator)",
                    "security": editor,
                    "parameters": [p("IfMatch")],
                    "requestBody": body("TextInput"),
                    "responses": {
                        "200": _article_ok("Replaced"),
                        "201": _article_ok("Created", ("ETag", "Location")),
                        **_errors("400", "401", "403", "404", "408", "412", "413", "415", "422"),
                    },
                },
                "delete": {
                    "operationId": "deleteTranslation",
                    "summary": "Remove one language's text (editor); the last one cannot go",
                    "security": editor,
                    "parameters": [p("IfMatch")],
                    "responses": {
                        "204": {"description": "Removed"},
                        **_errors("400", "401", "403", "404", "409", "412"),
                    },
                },
            },
        },
        "components": {
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
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "token from `newsfeed editor add`",
                }
            },
        },
    }

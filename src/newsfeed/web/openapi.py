"""The OpenAPI 3.1 document of /api/v1, built from the settings (languages, base URL).

The operations are here; the shapes of bodies and parameters are in `schemas.py`.
A test compares the app's routes with `paths` here, so a route cannot be added or
removed without the document following.
"""

from __future__ import annotations

from typing import Any

from newsfeed import validation
from newsfeed.settings import Settings
from newsfeed.web.schemas import components, ref

PROBLEM = "application/problem+json"
JSON = "application/json"


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}


def article_ok(description: str, status_headers: tuple[str, ...] = ("ETag",)) -> dict[str, Any]:
    headers = {name: {"$ref": f"#/components/headers/{name}"} for name in status_headers}
    return {
        "description": description,
        "headers": headers,
        "content": {JSON: {"schema": ref("Article")}},
    }


ERRORS = {
    "400": "Malformed JSON (also a repeated name in an object, a number out of range, or a "
    "body that does not decode from its Content-Encoding), a malformed If-Match or "
    "Idempotency-Key, or bad query parameters",
    "401": "Missing or invalid token (WWW-Authenticate: Bearer)",
    "403": "The token's role may not do this, or a translator's languages do not include it",
    "404": "No such article, text or revision, or not visible to the public",
    "405": "Method not allowed on this route",
    "408": "The body did not arrive within 10 s of the headers; the connection is closed",
    "409": "Conflict: slug already used, the last text of an article, confirming the "
    "original's own text, or a create with this Idempotency-Key still in progress",
    "412": "If-Match matches neither the article's current ETag nor (for a text) the text's",
    "413": "Body over 1 MiB, as sent or once decoded",
    "415": "Body is not application/json (UTF-8), or its Content-Encoding is not identity, "
    "gzip or deflate",
    "422": "Invalid fields; see `errors` (e.g. a source_version the original never had or "
    "newer than its current one, or an Idempotency-Key used before with another body)",
}


REMOVED = {"description": "Removed; no body"}


def errors(*codes: str) -> dict[str, Any]:
    return {code: problem(ERRORS[code]) for code in codes}


def editor_op(
    operation_id: str,
    summary: str,
    responses: dict[str, Any],
    body: str | None = None,
    if_match: bool = True,
) -> dict[str, Any]:
    """A write: needs a token, may carry If-Match, answers problem+json on failure."""
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": responses,
    }
    if if_match:
        op["parameters"] = [param("IfMatch")]
    if body is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    return op


def param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def document(settings: Settings) -> dict[str, Any]:
    """The whole document; small enough to build per request."""
    from newsfeed.web import openapi_texts, schemas_texts  # they build on the helpers above

    langs = settings.langs
    parts = components(langs)
    parts["schemas"].update(schemas_texts.schemas(langs))
    parts["parameters"].update(openapi_texts.parameters())
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
                            "schema": {
                                "type": "string",
                                "pattern": validation.anchored(validation.CATEGORY_RE),
                            },
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": validation.MAX_LIMIT,
                                "default": validation.DEFAULT_LIMIT,
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
                            "content": {JSON: {"schema": ref("ArticleList")}},
                        },
                        **errors("400"),
                    },
                },
                "post": {
                    **editor_op(
                        "createArticle",
                        "Create an article (editor)",
                        {
                            "201": article_ok(
                                "Created (or a retry's kept answer)", ("ETag", "Location")
                            ),
                            **errors("400", "401", "403", "408", "409", "413", "415", "422"),
                        },
                        body="NewArticle",
                        if_match=False,
                    ),
                    "parameters": [param("IdempotencyKey")],
                },
            },
            "/api/v1/articles/{id}": {
                "parameters": [param("id")],
                "get": {
                    "operationId": "getArticle",
                    "summary": "One article with all its translations",
                    "responses": {
                        "200": article_ok("The article"),
                        "304": {"description": "If-None-Match matched"},
                        **errors("404"),
                    },
                },
                "patch": editor_op(
                    "patchArticle",
                    "Change slug, category, status, published_at or original_lang (editor)",
                    {
                        "200": article_ok("Changed"),
                        **errors(
                            "400", "401", "403", "404", "408", "409", "412", "413", "415", "422"
                        ),
                    },
                    body="ArticlePatch",
                ),
                "delete": editor_op(
                    "deleteArticle",
                    "Remove the article (editor)",
                    {"204": REMOVED, **errors("400", "401", "403", "404", "412")},
                ),
            },
            **openapi_texts.paths(langs),
            "/api/v1/articles/{id}/hits": {
                "parameters": [param("id")],
                "post": {
                    "operationId": "countHit",
                    "summary": "Count one view",
                    "responses": {
                        "200": {
                            "description": "The new count",
                            "content": {JSON: {"schema": ref("Hits")}},
                        },
                        **errors("404"),
                    },
                },
            },
        },
        "components": parts,
    }

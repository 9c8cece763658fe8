"""The OpenAPI operations of texts and the translation workflow: a text's read and
writes, confirm, source diff, revisions, the status board and the audit (their schemas
are in `schemas_texts.py`). `openapi.document` merges them into the one document."""

from __future__ import annotations

from typing import Any

from newsfeed import idempotency, validation
from newsfeed.web.openapi import JSON, REMOVED, article_ok, editor_op, errors, param
from newsfeed.web.schemas import ref
from newsfeed.workflow import ORDERS, STATES

TEXT = "/api/v1/articles/{id}/translations/{lang}"
_TOKEN: list[dict[str, list[str]]] = [{"bearer": []}]


def _ok(description: str, schema: str, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": ref(schema)}},
    }
    if headers:
        answer["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    return answer


def _read(operation_id: str, summary: str, schema: str, *codes: str) -> dict[str, Any]:
    """A read that needs a token (editor or translator)."""
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": _TOKEN,
        "responses": {"200": _ok(summary, schema), **errors("401", *codes)},
    }


def _query(
    name: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _paging() -> list[dict[str, Any]]:
    return [
        _query(
            "limit",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": validation.MAX_LIMIT,
                "default": validation.DEFAULT_LIMIT,
            },
            "items a page",
        ),
        _query("cursor", {"type": "string"}, "next_cursor of the previous page (same order)"),
    ]


def paths(langs: tuple[str, ...]) -> dict[str, Any]:
    writes = ("400", "401", "403", "404", "408", "412", "413", "415", "422")
    return {
        TEXT: {
            "parameters": [param("id"), param("lang")],
            "get": {
                "operationId": "getTranslation",
                "summary": "One language's text with its own ETag (public for a public article; "
                "any valid token sees the others)",
                "security": [{}, *_TOKEN],
                "responses": {"200": _ok("The text", "TextOut", ("TextETag",)), **errors("404")},
            },
            "put": editor_op(
                "putTranslation",
                "Create (201) or replace (200) one language's text (editor, or translator of "
                "that language); If-Match takes the article's ETag or the text's",
                {
                    "200": article_ok("Replaced"),
                    "201": article_ok("Created", ("ETag", "Location")),
                    **errors(*writes),
                },
                body="TextPut",
            ),
            "delete": editor_op(
                "deleteTranslation",
                "Remove one language's text (editor); the last one cannot go; its revisions stay",
                {"204": REMOVED, **errors("400", "401", "403", "404", "409", "412")},
            ),
        },
        f"{TEXT}/confirm": {
            "parameters": [param("id"), param("lang")],
            "post": {
                **editor_op(
                    "confirmTranslation",
                    "Mark the text as up to date with the original's version source_version "
                    "(default: its current one), without a new version (editor, or translator "
                    "of that language)",
                    {"200": article_ok("Confirmed"), **errors(*writes, "409")},
                ),
                "requestBody": {"required": False, "content": {JSON: {"schema": ref("Confirm")}}},
            },
        },
        f"{TEXT}/source-diff": {
            "parameters": [param("id"), param("lang")],
            "get": _read(
                "getSourceDiff",
                "What changed in the original since the text's source version: a unified diff "
                "per field (empty when not stale)",
                "SourceDiff",
                "404",
            ),
        },
        f"{TEXT}/revisions": {
            "parameters": [param("id"), param("lang")],
            "get": _read(
                "listRevisions", "Every version of the text, newest first", "RevisionList", "404"
            ),
        },
        f"{TEXT}/revisions/{{version}}": {
            "parameters": [param("id"), param("lang"), param("version")],
            "get": _read("getRevision", "One version of the text", "Revision", "404"),
        },
        f"{TEXT}/revisions/{{version}}/restore": {
            "parameters": [param("id"), param("lang"), param("version")],
            "post": editor_op(
                "restoreRevision",
                "Write that version's content as the text's next version (editor, or translator "
                "of that language); re-creates a deleted text (201)",
                {
                    "200": article_ok("Restored"),
                    "201": article_ok("Re-created", ("ETag", "Location")),
                    **errors("400", "401", "403", "404", "412"),
                },
            ),
        },
        "/api/v1/translations": {
            "get": {
                "operationId": "translationStatus",
                "summary": "Every article, public or not, with the state of its text in one "
                "language, and the count of each state over the filter (any token)",
                "security": _TOKEN,
                "parameters": [
                    _query(
                        "lang",
                        {"type": "string", "enum": list(langs)},
                        "a site language",
                        True,
                    ),
                    _query(
                        "state", {"type": "string", "enum": list(STATES)}, "keep only this state"
                    ),
                    _query(
                        "category",
                        {"type": "string", "pattern": validation.CATEGORY_RE.pattern},
                        "",
                    ),
                    _query(
                        "order",
                        {"type": "string", "enum": list(ORDERS), "default": ORDERS[0]},
                        "newest: published_at; hits: stored hits; then id, descending",
                    ),
                    *_paging(),
                ],
                "responses": {
                    "200": _ok("A page of the board", "StatusBoard"),
                    **errors("400", "401", "403"),
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "operationId": "listAudit",
                "summary": "Every editorial write, newest first (editor)",
                "security": _TOKEN,
                "parameters": [
                    _query("article", {"type": "integer", "minimum": 1}, "one article's writes"),
                    _query(
                        "editor",
                        {"type": "string", "minLength": 1, "maxLength": 100},
                        "one editor's writes",
                    ),
                    *_paging(),
                ],
                "responses": {
                    "200": _ok("A page of the audit", "AuditList"),
                    **errors("400", "401", "403"),
                },
            }
        },
    }


def parameters() -> dict[str, Any]:
    return {
        "version": {
            "name": "version",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
        "IdempotencyKey": {
            "name": idempotency.HEADER,
            "in": "header",
            "required": False,
            "description": "optional, 1..255 printable ASCII characters (a structured-field "
            'string "..." or bare). The first answer is kept 24 h per editor and key: a retry '
            "with the same body gets it again and creates nothing; another body is 422; a retry "
            "while the first runs is 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 257, "pattern": "^[ -~]+$"},
        },
    }

"""Errors that carry their HTTP status, rendered in one place (`web/guard.py`).

Domain rules and validation raise these without knowing about aiohttp; the guard turns
them into `application/problem+json` (RFC 9457) or a localized HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_JSON = "application/problem+json"
# Every `type` this service answers with; the OpenAPI document lists exactly these. The
# status and title say what went wrong, so no error needs a type of its own yet.
TYPES = ("about:blank",)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


@dataclass(eq=False)
class Problem(Exception):
    status: int
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    type: str = TYPES[0]

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.title}: {self.detail}")

    def as_dict(self) -> dict[str, Any]:
        """The problem+json body. Details and field names may echo what a client sent
        (an unknown field's name, a path segment), so each string is made printable."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": printable(self.detail or self.title),
        }
        if self.errors:
            body["errors"] = [
                {"field": printable(e.field), "message": printable(e.message)} for e in self.errors
            ]
        return body


def printable(text: str) -> str:
    """`text` with every lone surrogate and non-printable character written as an escape
    (`\\ud800`, `\\u000a`): a name that is not valid Unicode, or holds a newline, still
    shows, readably, in a UTF-8 JSON document and a log line."""
    if text.isprintable():  # lone surrogates (category Cs) are not
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def bad_request(detail: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(400, "Bad Request", detail, errors or [])


def unauthorized(detail: str) -> Problem:
    return Problem(
        401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="newsfeed"'}
    )


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def not_found(detail: str = "No such resource.") -> Problem:
    return Problem(404, "Not Found", detail)


def conflict(detail: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(409, "Conflict", detail, errors or [])


def precondition_failed(detail: str) -> Problem:
    return Problem(412, "Precondition Failed", detail)


def unsupported_media_type(detail: str) -> Problem:
    return Problem(415, "Unsupported Media Type", detail)


def invalid(errors: list[FieldError]) -> Problem:
    return Problem(422, "Unprocessable Content", "The request body has invalid fields.", errors)


def unavailable(detail: str = "The database does not answer; try again shortly.") -> Problem:
    return Problem(503, "Service Unavailable", detail, headers={"Retry-After": "1"})

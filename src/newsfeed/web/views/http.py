"""Small request/response pieces shared by the JSON handlers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from newsfeed import problems
from newsfeed.web import security

JSON_TYPES = ("application/json",)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are Python's extension, not JSON (RFC 8259)."""
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON: 415 for another type, 413 over the limit, 400 if malformed."""
    media = request.content_type.lower()
    if media not in JSON_TYPES and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise problems.unsupported_media_type(
            f"Send the body as application/json, not {request.content_type or 'nothing'}."
        )
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise problems.unsupported_media_type("Send the body encoded as UTF-8.")
    raw = await security.read_body(request)  # 413 past client_max_size, 408 if it stalls
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problems.bad_request(f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise problems.bad_request(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from None
    except RecursionError:
        raise problems.bad_request("The body is nested too deeply.") from None


async def read_optional_json(request: web.Request) -> Any:
    """A JSON body that may be left out (None), e.g. POST .../confirm; else as read_json."""
    if not request.body_exists:
        return None
    return await read_json(request)

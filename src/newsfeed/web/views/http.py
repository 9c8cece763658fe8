"""Small request/response pieces shared by the JSON handlers."""

from __future__ import annotations

import json
import math
from typing import Any

from aiohttp import web

from newsfeed import problems
from newsfeed.web import security

JSON_TYPES = ("application/json",)
MAX_INT_DIGITS = 4000  # below Python's own limit of 4300


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


class _Refused(ValueError):
    """A JSON text Python's parser would take but I-JSON (RFC 7493) does not."""


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are Python's extension, not JSON (RFC 8259)."""
    raise _Refused(f"{name} is not JSON")


def _finite(text: str) -> float:
    """1e999 would be infinity: a number no JSON peer can read back (I-JSON 2.2)."""
    value = float(text)
    if math.isinf(value):
        raise _Refused(f"the number {text[:20]}… is out of range")
    return value


def _whole(text: str) -> int:
    """Python refuses to parse integers past 4300 digits (a ValueError, not a
    JSONDecodeError); refuse them as malformed."""
    if len(text) > MAX_INT_DIGITS:
        raise _Refused(f"a number has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose names are unique (I-JSON 2.3): with a repeated name, which value
    was meant is anyone's guess, and parsers disagree."""
    found = dict(pairs)
    if len(found) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for i, name in enumerate(names) if name in names[:i])
        raise _Refused(f"the name {problems.printable(repeated)!r} is repeated in an object")
    return found


async def read_json(request: web.Request) -> Any:
    """The request body as JSON: 415 for another type (or coding), 413 over the limit,
    400 for anything Python's parser or I-JSON refuses."""
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
    raw = await security.read_body(request)  # 413/415/400/408 as it says
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problems.bad_request(f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite,
            parse_int=_whole,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise problems.bad_request(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from None
    except RecursionError:
        raise problems.bad_request("The body is nested too deeply.") from None
    except ValueError as exc:  # _Refused, or anything else the parser raises
        raise problems.bad_request(f"The body is not acceptable JSON: {exc}.") from None


async def read_optional_json(request: web.Request) -> Any:
    """A JSON body that may be left out (None), e.g. POST .../confirm; else as read_json."""
    if not request.body_exists:
        return None
    return await read_json(request)

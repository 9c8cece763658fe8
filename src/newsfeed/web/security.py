"""Response hardening and the limits that keep large, slow or stalled clients in bounds.

- Every response says `X-Content-Type-Options: nosniff` and a `Referrer-Policy`; HTML
  gets a strict `Content-Security-Policy` (the pages use one static stylesheet and no
  scripts), so injected markup that slipped past sanitizing still cannot run or frame.
- aiohttp's own limits, set through `handler_args`: header line and field sizes, and an
  idle timeout that also closes a connection that never finishes its request headers.
- A deadline for reading a request body (`read_body`): a client that sends its headers
  and then stalls gets 408 and a closed connection instead of holding a request open.
  Stalled clients cost one idle coroutine each, so others are answered meanwhile.
- Request bodies are decoded here, not by aiohttp (`auto_decompress` is off): aiohttp
  answers a coding it cannot decode (br, zstd) with its own plain-text 400 before any of
  our code runs, ignores one it does not know (`foo`), and lets a body that is not the
  gzip it claims to be surface as an exception in the handler. Here an unsupported coding
  is 415, a body that does not decode is 400, and one that decodes past 1 MiB is 413.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from newsfeed import problems
from newsfeed.web.keys import body_timeout_key

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
BODY_TIMEOUT = 10.0  # seconds to receive a whole request body once its headers arrived
_EVERY = CIMultiDict({"X-Content-Type-Options": "nosniff", "Referrer-Policy": REFERRER_POLICY})
_HTML = CIMultiDict({"Content-Security-Policy": CSP, "X-Frame-Options": "DENY"})
HANDLER_ARGS: dict[str, Any] = {
    "max_line_size": 8190,  # request line and each header line (431/400 past it)
    "max_field_size": 8190,  # one header's value
    "keepalive_timeout": 15.0,  # idle or half-sent-headers connections close after this
    "lingering_time": 2.0,  # how long an unread body is drained after the response
    "auto_decompress": False,  # read_body decodes Content-Encoding itself
}
MAX_DECODED = 1024 * 1024  # a compressed body may not decode past the 1 MiB limit either
# Content-Encoding -> zlib's wbits for it; identity (or none) is the body as sent.
_CODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def harden(response: web.StreamResponse) -> None:
    """Before a response goes out: the headers every response carries."""
    headers = response.headers
    headers.extend(_EVERY)
    if headers.get("Content-Type", "").startswith("text/html"):
        headers.extend(_HTML)
    if response.status == 408:
        # The rest of the body may still arrive: never read it as the next request.
        headers["Connection"] = "close"
        response.force_close()


async def read_body(request: web.Request) -> bytes:
    """The whole body within the deadline (408 past it), decoded from its Content-Encoding
    (415 for one we do not decode, 400 when it does not decode); 413 past 1 MiB, as sent
    (client_max_size) or decoded."""
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if coding not in ("", "identity") and coding not in _CODINGS:
        raise problems.unsupported_media_type(
            f"Content-Encoding {problems.printable(coding)!r} is not supported: send the "
            "body as is (identity), or as gzip or deflate."
        )
    try:
        async with asyncio.timeout(request.app.get(body_timeout_key, BODY_TIMEOUT)):
            raw = await request.read()
    except TimeoutError:
        raise problems.Problem(
            408, "Request Timeout", "The request body did not arrive in time."
        ) from None
    return raw if coding not in _CODINGS else _decode(raw, coding)


def _decode(raw: bytes, coding: str) -> bytes:
    decoder = zlib.decompressobj(_CODINGS[coding])
    try:
        body = decoder.decompress(raw, MAX_DECODED + 1)  # stops there: no zip bomb
    except zlib.error:
        raise problems.bad_request(f"The body is not valid {coding} data.") from None
    if len(body) > MAX_DECODED or decoder.unconsumed_tail:
        raise problems.Problem(
            413, "Content Too Large", "The request body decodes to more than 1 MiB."
        )
    if not decoder.eof or decoder.unused_data:
        raise problems.bad_request(f"The body is not one complete {coding} stream.")
    return body

"""Response hardening and the limits that keep large, slow or stalled clients in bounds.

- Every response says `X-Content-Type-Options: nosniff` and a `Referrer-Policy`; HTML
  gets a strict `Content-Security-Policy` (the pages use one static stylesheet and no
  scripts), so injected markup that slipped past sanitizing still cannot run or frame.
- aiohttp's own limits, set through `handler_args`: header line and field sizes, and an
  idle timeout that also closes a connection that never finishes its request headers.
- A deadline for reading a request body (`read_body`): a client that sends its headers
  and then stalls gets 408 and a closed connection instead of holding a request open.
  Stalled clients cost one idle coroutine each, so others are answered meanwhile.
"""

from __future__ import annotations

import asyncio
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
}


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
    """The whole body within the deadline (408 past it); 413 past client_max_size."""
    try:
        async with asyncio.timeout(request.app.get(body_timeout_key, BODY_TIMEOUT)):
            return await request.read()
    except TimeoutError:
        raise problems.Problem(
            408, "Request Timeout", "The request body did not arrive in time."
        ) from None

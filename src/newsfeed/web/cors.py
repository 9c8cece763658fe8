"""CORS: what any site's scripts may read from here, and nothing they may write.

The feeds, the archives and the public reads of the API answer
`Access-Control-Allow-Origin: *` (never with credentials), and a preflight for a GET or
HEAD of them answers 204 with what may be sent. Writes, the desk and the hub name no
origin: their preflights fall through to the usual 405, with no Access-Control headers,
so a browser refuses the cross-origin request.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from multidict import CIMultiDict

# Routes, by name, whose GET and HEAD any origin may read.
PUBLIC_READS = frozenset(
    {
        "feed-rss",
        "feed-atom",
        "feed-json",
        "feed-archive",
        "api-openapi",
        "api-articles",
        "api-article",
        "api-text",  # public for a public article (the other text reads need a token)
    }
)
READ_METHODS = frozenset({"GET", "HEAD"})
# Beyond the CORS-safelisted ones: what a poller sends and reads.
REQUEST_HEADERS = ("If-None-Match", "If-Modified-Since", "Cache-Control", "X-Request-ID")
_ANSWER = CIMultiDict(
    {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag, Link, X-Request-ID",
    }
)
_PREFLIGHT = CIMultiDict(
    {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Allow-Headers": ", ".join(REQUEST_HEADERS),
        "Access-Control-Max-Age": "86400",
    }
)


def share(request: web.Request, response: web.StreamResponse) -> None:
    """Before a public read's response goes out (a route in PUBLIC_READS: the app
    decides by name once, when it adds the route): open it to every origin."""
    if request.method in READ_METHODS:
        response.headers.extend(_ANSWER)


def preflight(request: web.Request, route_names: Iterable[str | None]) -> web.Response | None:
    """The answer to an OPTIONS preflight of a public read on a path these routes serve;
    None when it is not one (the caller answers as for any other method)."""
    wanted = request.headers.get("Access-Control-Request-Method", "")
    if wanted not in READ_METHODS or "Origin" not in request.headers:
        return None
    if not PUBLIC_READS.intersection(name for name in route_names if name):
        return None
    return web.Response(status=204, headers=_PREFLIGHT)

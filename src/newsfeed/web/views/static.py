"""Static files from memory, with validators and long caching for versioned URLs."""

from __future__ import annotations

from aiohttp import web

from newsfeed.web.keys import assets_key

MAX_AGE = 365 * 86_400  # a versioned URL never changes content


async def static_file(request: web.Request) -> web.Response:
    asset = request.app[assets_key].get(request.match_info["name"])
    if asset is None:
        raise web.HTTPNotFound()
    current = request.query.get("v") == asset.version
    headers = {
        "ETag": asset.etag,
        "Cache-Control": f"public, max-age={MAX_AGE}, immutable"
        if current
        else "public, max-age=3600",
    }
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=asset.body, content_type=asset.content_type, headers=headers)

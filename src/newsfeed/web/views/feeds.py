"""RSS, Atom and JSON Feed per language: serve cached bytes, answer 304 when unchanged."""

from __future__ import annotations

from aiohttp import web

from newsfeed import problems, validation
from newsfeed.feeds.cache import Built
from newsfeed.web.keys import feed_cache_key, follower_key, languages_key, settings_key

SITE_TITLE = "News & Events"  # the board's name, translated by each language's catalog
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_EDITORIAL = frozenset({"api-hits"})  # writes that never change what a feed shows


async def _serve(request: web.Request, fmt: str) -> web.Response:
    lang = request.match_info["lang"]
    if lang not in request.app[settings_key].langs:
        raise problems.not_found(f"{lang!r} is not one of this site's languages.")
    category = validation.category_param(request.query)
    built = await request.app[feed_cache_key].get(fmt, lang, category)
    packed = _accepts_gzip(request.headers.get("Accept-Encoding", ""))
    if _not_modified(request, built):
        headers = built.gzip_not_modified_headers if packed else built.not_modified_headers
        return web.Response(status=304, headers=headers)
    if packed:
        return web.Response(body=built.gzipped, headers=built.gzip_headers)
    return web.Response(body=built.body, headers=built.headers)


def _not_modified(request: web.Request, built: Built) -> bool:
    """If-None-Match decides when present; otherwise If-Modified-Since (whole seconds)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return built.matches(if_none_match)
    since = request.if_modified_since
    return since is not None and built.last_modified <= since


def _accepts_gzip(accept_encoding: str) -> bool:
    for coding in accept_encoding.lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            return bool(validation.qvalue(params))
    return False


async def rss(request: web.Request) -> web.Response:
    return await _serve(request, "rss")


async def atom(request: web.Request) -> web.Response:
    return await _serve(request, "atom")


async def json_feed(request: web.Request) -> web.Response:
    return await _serve(request, "json")


async def sync_after_write(request: web.Request, response: web.StreamResponse) -> None:
    """Before a successful editorial write answers, apply the change log, so the writer's
    next read in this process already sees the new feeds and pages."""
    if request.method not in _UNSAFE or response.status >= 400:
        return
    if request.match_info.route.name in _NOT_EDITORIAL:
        return
    follower = request.app.get(follower_key)
    if follower is not None:
        await follower.sync()


def titles(app: web.Application) -> dict[str, str]:
    """Each language's feed title, from its catalog (read once, at start)."""
    languages = app.get(languages_key)
    if languages is None:
        return {}
    return {code: languages[code].gettext(SITE_TITLE) for code in languages}

"""What every public page shares: its language and query parameters, the layout's
context (absolute links, alternates, feeds, assets), and the HTML response."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from newsfeed import problems, urls, validation
from newsfeed.i18n import Language
from newsfeed.web.keys import assets_key, languages_key, settings_key


@dataclass(frozen=True, slots=True)
class Links:
    """The links every public page in one language carries (the layout's header and
    footer), built once at start: a page would otherwise call the URL builder for each
    of them on every render."""

    board: str
    search: str
    rss: str  # the feeds absolute, as autodiscovery and feed readers want them
    atom: str
    json: str

    @classmethod
    def of(cls, base_url: str, lang: str) -> Links:
        feed = {fmt: urls.absolute(base_url, urls.feed(lang, fmt)) for fmt in urls.FEED}
        return cls(urls.board(lang), urls.search(lang), feed["rss"], feed["atom"], feed["json"])


# Each configured language's layout links (pages.setup fills it).
links_key: web.AppKey[dict[str, Links]] = web.AppKey("links_key")


def setup_links(app: web.Application) -> None:
    base = app[settings_key].base_url
    app[links_key] = {code: Links.of(base, code) for code in app[settings_key].langs}


def language_of(request: web.Request) -> Language:
    language = request.app[languages_key].get(request.match_info["lang"])
    if language is None:
        raise problems.not_found(f"{request.match_info['lang']!r} is not a language of this site.")
    return language


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    number = validation.positive_id(raw)
    if number is None or number > 1_000_000:
        raise problems.bad_request("page must be a whole number from 1.")
    return number


def category_of(request: web.Request) -> str | None:
    return validation.category_param(request.query)


def context(
    request: web.Request,
    language: Language,
    address: Callable[[str], str] | None = None,
    *,
    exists_in: Collection[str] | None = None,
    x_default: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """What every page's layout needs: languages, absolute links, feeds, assets.

    `address(code)` is this page's path in the language `code` (built by `urls`); by
    default the request's own path with its language swapped. The hreflang alternates
    name the same page in every language in which it exists (`exists_in`, by default
    all), itself included, plus `x-default` (`x_default`, a path; by default the default
    language's page).
    """
    app = request.app
    base = app[settings_key].base_url
    if address is None:
        rest = request.rel_url.raw_path[len(language.code) + 1 :]
        query = request.rel_url.raw_query_string
        here = rest + (f"?{query}" if query else "")
        address = lambda code: f"/{code}{here}"  # noqa: E731 - the request's own address
    languages = app[languages_key]
    codes = [code for code in languages.codes if exists_in is None or code in exists_in]
    default = x_default if x_default is not None else address(languages.default.code)
    return {
        "language": language,
        "lang": language.code,
        "languages": languages,
        "base_url": base,
        "url": urls,
        "absolute": lambda path: urls.absolute(base, path),
        "links": app[links_key],  # by language code
        "canonical": urls.absolute(base, address(language.code)),
        "alternates": [(code, urls.absolute(base, address(code))) for code in codes]
        + [("x-default", urls.absolute(base, default))],
        "static": app[assets_key].url,
        **extra,
    }


def render(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    response = aiohttp_jinja2.render_template(name, request, context, status=status)
    response.headers["Content-Language"] = context["lang"]
    return response


def html(language: Language, body: bytes) -> web.Response:
    return web.Response(
        body=body,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Language": language.code},
    )

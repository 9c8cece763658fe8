"""The public HTML pages: language negotiation, the board, articles, search, errors.

Handlers parse and check the request, call storage, and render a template with the
page's `Language` in the context (see i18n.py for why it travels there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from newsfeed import articles, i18n, middleware, problems, render, search, validation
from newsfeed.assets import Assets
from newsfeed.board import Board
from newsfeed.i18n import Language
from newsfeed.keys import (
    assets_key,
    board_key,
    bodies_key,
    counter_key,
    db_key,
    languages_key,
    settings_key,
)

PER_PAGE = 20
STATIC_MAX_AGE = 365 * 86_400


# --- setup --------------------------------------------------------------------------


def setup(app: web.Application) -> None:
    """Templates compiled once (no reload checks), catalogs and assets loaded once."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("newsfeed", "templates"),
        autoescape=True,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(env)
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compile now, not during the first requests
    app[languages_key] = i18n.load(app[settings_key])
    app[assets_key] = Assets()
    app[bodies_key] = render.Cache()
    app[middleware.error_page_key] = error_page
    app.cleanup_ctx.append(_board)


async def _board(app: web.Application) -> AsyncIterator[None]:
    """After the database: the board's cached totals belong to its connection."""
    app[board_key] = Board(app[db_key])
    yield


# --- request pieces -----------------------------------------------------------------


def _language(request: web.Request) -> Language:
    language = request.app[languages_key].get(request.match_info["lang"])
    if language is None:
        raise problems.not_found(f"{request.match_info['lang']!r} is not a language of this site.")
    return language


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    number = validation.positive_id(raw)
    if number is None or number > 1_000_000:
        raise problems.bad_request("page must be a whole number from 1.")
    return number


def _category(request: web.Request) -> str | None:
    category = request.query.get("category")
    if category is not None and not validation.CATEGORY_RE.match(category):
        raise problems.bad_request("category must match [a-z0-9-]{1,40}.")
    return category


def _context(request: web.Request, language: Language, **extra: Any) -> dict[str, Any]:
    """What every page's layout needs: languages, absolute links, feeds, assets."""
    app = request.app
    base = app[settings_key].base_url
    rest = request.rel_url.raw_path[len(language.code) + 1 :]
    query = request.rel_url.raw_query_string
    here = rest + (f"?{query}" if query else "")
    languages = app[languages_key]
    return {
        "language": language,
        "lang": language.code,
        "languages": languages,
        "base_url": base,
        "canonical": f"{base}/{language.code}{here}",
        "alternates": [
            (other, f"{base}/{other.code}{here}")
            for other in languages.values()
            if other.code != language.code
        ],
        "static": app[assets_key].url,
        **extra,
    }


def _render(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    response = aiohttp_jinja2.render_template(name, request, context, status=status)
    response.headers["Content-Language"] = context["lang"]
    return response


async def _count_view(request: web.Request, article_id: int) -> articles.Article | None:
    """The public article with its hit count including this view: GET counts one, HEAD none.

    The one place where a page view becomes a hit.
    """
    counter, db = request.app[counter_key], request.app[db_key]
    if request.method == "GET":
        return await counter.view(articles.get, db, article_id)
    return await counter.article(articles.get, db, article_id)


# --- handlers -----------------------------------------------------------------------


async def root(request: web.Request) -> web.StreamResponse:
    lang = request.app[languages_key].negotiate(request.headers.get("Accept-Language"))
    raise web.HTTPSeeOther(f"/{lang}/", headers={"Vary": "Accept-Language"})


async def board(request: web.Request) -> web.Response:
    language = _language(request)
    page, category = _page_number(request), _category(request)
    counter = request.app[counter_key]
    rows, total = await counter.read(
        request.app[board_key].page, category=category, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    if page > 1 and not rows:
        raise problems.not_found(f"The board has no page {page}.")
    pages = max(1, -(-total // PER_PAGE))
    hits = {row.id: row.hits + counter.delta(row.id) for row in rows}
    context = _context(
        request,
        language,
        rows=rows,
        hits=hits,
        total=total,
        page=page,
        pages=pages,
        category=category,
    )
    return _render(request, "board.html", context)


async def article(request: web.Request) -> web.Response:
    language = _language(request)
    article_id = validation.positive_id(request.match_info["id"])
    found = None if article_id is None else await _count_view(request, article_id)
    if found is None:
        raise problems.not_found(f"There is no article {request.match_info['id']!r}.")
    text = found.text_for(language.code, request.app[languages_key].codes)
    body = request.app[bodies_key].html((found.id, found.version, text.lang), text.body)
    context = _context(request, language, article=found, text=text, body=body)
    return _render(request, "article.html", context)


async def search_page(request: web.Request) -> web.Response:
    language = _language(request)
    page = _page_number(request)
    query = request.query.get("q", "")
    words = search.terms(query)
    found, more = await search.search(
        request.app[db_key], language.code, words, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    context = _context(
        request,
        language,
        query=query,
        words=words,
        found=found,
        more=more,
        page=page,
        highlight=search.highlight,
        excerpt=search.excerpt,
    )
    return _render(request, "search.html", context)


async def static_file(request: web.Request) -> web.Response:
    asset = request.app[assets_key].get(request.match_info["name"])
    if asset is None:
        raise web.HTTPNotFound()
    current = request.query.get("v") == asset.version
    headers = {
        "ETag": asset.etag,
        "Cache-Control": f"public, max-age={STATIC_MAX_AGE}, immutable"
        if current
        else "public, max-age=3600",
    }
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=asset.body, content_type=asset.content_type, headers=headers)


async def error_page(request: web.Request, problem: problems.Problem) -> web.StreamResponse:
    """Errors under /{lang}/ as a page in that language, with the error's status."""
    language = request.app[languages_key][request.path.split("/", 2)[1]]
    context = _context(request, language, status=problem.status, canonical=None, alternates=[])
    response = _render(request, "error.html", context, status=problem.status)
    response.headers.update(problem.headers)
    return response

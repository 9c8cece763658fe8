"""The public HTML pages: language negotiation, the board, articles, search, errors.

Handlers parse and check the request, call storage, and render a template with the
page's `Language` in the context (see i18n.py for why it travels there). Rendered pages
are kept in the page cache (pagecache.py) until the database changes; only hit counts
are filled in per response.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp_jinja2
import jinja2
from aiohttp import web

from newsfeed import i18n, problems, render, search, urls, validation
from newsfeed import model as articles
from newsfeed.i18n import Language
from newsfeed.web import guard as middleware
from newsfeed.web.assets import Assets
from newsfeed.web.keys import (
    assets_key,
    board_key,
    counter_key,
    languages_key,
    pages_key,
    settings_key,
    store_key,
)
from newsfeed.web.pagecache import Template, slot
from newsfeed.web.views import site

PER_PAGE = 20


# --- setup --------------------------------------------------------------------------


def setup(app: web.Application) -> None:
    """Templates compiled once (no reload checks), catalogs and assets loaded once."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("newsfeed.web", "templates"),
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
    site.setup_links(app)
    app[middleware.error_page_key] = error_page


@dataclass(frozen=True, slots=True)
class BoardView:
    """A rendered board page with a gap per row for its hit count."""

    template: Template
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ArticleView:
    """A rendered article page with one gap for its hit count, and what it was read as."""

    template: Template
    article: articles.Article


async def _board_view(
    request: web.Request, language: Language, page: int, category: str | None
) -> BoardView:
    """From the page cache, or read and rendered (and kept) now."""

    async def build() -> tuple[BoardView, int | None]:
        rows, total, due_us = await request.app[board_key].page(
            category=category, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        if page > 1 and not rows:
            raise problems.not_found(f"The board has no page {page}.")
        context = site.context(
            request,
            language,
            lambda code: urls.board(code, page, category),
            x_default=urls.root(page, category),  # `/` negotiates, keeping the query
            rows=rows,
            hits=[slot(i) for i in range(len(rows))],
            total=total,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            category=category,
        )
        html = aiohttp_jinja2.render_string("board.html", request, context)
        return BoardView(Template.cut(html), tuple(r.id for r in rows)), due_us

    key = ("board", language.code, category, page)
    now_us = articles.to_us(articles.utcnow())
    view: BoardView = await request.app[pages_key].get_or_build(key, now_us, build)
    return view


async def _count_view(
    request: web.Request, language: Language, article_id: int
) -> tuple[ArticleView, int] | None:
    """The public article's page and its hit count including this view: GET counts one,
    HEAD none. The one place where a page view becomes a hit.

    The page comes from the cache while what it shows is unchanged; the count is read
    per response.
    """
    app = request.app
    cache, counter = app[pages_key], app[counter_key]
    key = ("article", language.code, article_id)
    found: list[ArticleView] = []

    async def build() -> tuple[ArticleView | None, None]:
        stored = await app[store_key].article(article_id)
        if stored is None:
            return None, None
        text = stored.text_for(language.code, app[languages_key].codes)
        context = site.context(
            request,
            language,
            lambda code: urls.article(code, stored.id),
            exists_in=stored.translations,  # only the languages that have its text
            x_default=urls.article(stored.original_lang, stored.id),
            article=stored,
            text=text,
            body=render.body(text),
            hits_text=slot(0),
        )
        html = aiohttp_jinja2.render_string("article.html", request, context)
        return ArticleView(Template.cut(html), stored), None

    async def fetch() -> articles.Article | None:
        found.clear()
        view: ArticleView | None = await cache.get_or_build(key, 0, build)
        if view is None:
            return None
        found.append(view)
        return view.article

    count = counter.view if request.method == "GET" else counter.article
    shown = await count(fetch)
    if shown is None:
        return None
    return found[0], shown.hits


# --- handlers -----------------------------------------------------------------------


async def root(request: web.Request) -> web.StreamResponse:
    """303 to the board in the negotiated language, with the query (`/?page=2`): the
    language-neutral address that pages name as their `x-default` alternate."""
    lang = request.app[languages_key].negotiate(request.headers.get("Accept-Language"))
    query = request.rel_url.raw_query_string  # passed on as sent
    location = urls.board(lang) + (f"?{query}" if query else "")
    raise web.HTTPSeeOther(location, headers={"Vary": "Accept-Language"})


async def language_root(request: web.Request) -> web.StreamResponse:
    """`/ko` -> `/ko/`: people type the language without the slash."""
    raise web.HTTPPermanentRedirect(f"{request.path}/")


async def board(request: web.Request) -> web.Response:
    language = site.language_of(request)
    page, category = site.page_number(request), site.category_of(request)
    view = await _board_view(request, language, page, category)
    counts = await request.app[counter_key].counts(view.ids)
    return site.html(
        language, view.template.fill([language.number(counts.get(i, 0)) for i in view.ids])
    )


async def article(request: web.Request) -> web.Response:
    language = site.language_of(request)
    article_id = validation.positive_id(request.match_info["id"])
    found = None if article_id is None else await _count_view(request, language, article_id)
    if found is None:
        raise problems.not_found(f"There is no article {request.match_info['id']!r}.")
    view, hits = found
    return site.html(language, view.template.fill([language.views(hits)]))


async def search_page(request: web.Request) -> web.Response:
    language = site.language_of(request)
    page = site.page_number(request)
    query = request.query.get("q", "")[:200]  # what the form allows; longer is not a search

    async def build() -> tuple[bytes, int | None]:
        words = search.terms(query)
        store, now = request.app[store_key], articles.utcnow()
        found, more = await store.search(
            language.code, words, offset=(page - 1) * PER_PAGE, limit=PER_PAGE, now=now
        )
        due = await store.next_due(now, language.code)
        due_us = None if due is None else articles.to_us(due)
        context = site.context(
            request,
            language,
            lambda code: urls.search(code, query, page),
            query=query,
            words=words,
            found=found,
            more=more,
            page=page,
            highlight=search.highlight,
            excerpt=search.excerpt,
        )
        return aiohttp_jinja2.render_string("search.html", request, context).encode(), due_us

    key = ("search", language.code, query, page)
    now_us = articles.to_us(articles.utcnow())
    return site.html(language, await request.app[pages_key].get_or_build(key, now_us, build))


async def error_page(request: web.Request, problem: problems.Problem) -> web.StreamResponse:
    """Errors under /{lang}/ as a page in that language, with the error's status. Like
    every page it links the same address in the other languages (not canonical: no index)."""
    language = request.app[languages_key][request.path.split("/", 2)[1]]
    context = site.context(request, language, status=problem.status, canonical=None)
    response = site.render(request, "error.html", context, status=problem.status)
    response.headers.update(problem.headers)
    return response

"""The whole URL map, in one place.

Every handler is added through `wrap` (the app passes `middleware.guard` with its
response finishing), so each route renders its errors and gets its headers without an
aiohttp middleware on the hot path. The last route catches everything else (404/405).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from newsfeed.web import guard as middleware
from newsfeed.web.desk import articles as desk_articles
from newsfeed.web.desk import board as desk_board
from newsfeed.web.desk import login as desk_login
from newsfeed.web.desk import texts as desk_texts
from newsfeed.web.guard import Handler
from newsfeed.web.keys import settings_key
from newsfeed.web.views import api, feeds, ops, pages, static

Wrap = Callable[[Handler], Handler]


def setup(app: web.Application, wrap: Wrap = middleware.guard) -> None:
    r = app.router
    expect = middleware.expecting(wrap(middleware.unmet_expectation))

    def get(path: str, handler: Handler, name: str) -> None:
        r.add_get(path, wrap(handler), name=name, expect_handler=expect)  # HEAD too

    def add(method: str, path: str, handler: Handler, name: str) -> None:
        r.add_route(method, path, wrap(handler), name=name, expect_handler=expect)

    # operations
    get("/healthz", ops.healthz, "healthz")
    get("/metrics", ops.metrics, "metrics")
    # feeds
    get("/{lang}/feed.rss", feeds.rss, "feed-rss")
    get("/{lang}/feed.atom", feeds.atom, "feed-atom")
    get("/{lang}/feed.json", feeds.json_feed, "feed-json")
    # JSON API
    get("/api/v1/openapi.json", api.openapi_document, "api-openapi")
    get("/api/v1/articles", api.list_articles, "api-articles")
    add("POST", "/api/v1/articles", api.create_article, "api-create")
    get("/api/v1/articles/{id}", api.get_article, "api-article")
    add("PATCH", "/api/v1/articles/{id}", api.patch_article, "api-patch")
    add("DELETE", "/api/v1/articles/{id}", api.delete_article, "api-delete")
    add("POST", "/api/v1/articles/{id}/hits", api.count_hit, "api-hits")
    add("PUT", "/api/v1/articles/{id}/translations/{lang}", api.put_translation, "api-put-text")
    add(
        "DELETE",
        "/api/v1/articles/{id}/translations/{lang}",
        api.delete_translation,
        "api-delete-text",
    )
    # public pages (HTML, localized)
    get("/", pages.root, "root")
    get("/static/{name}", static.static_file, "static")
    for lang in app[settings_key].langs:  # only real languages, so /metrics stays itself
        get(f"/{lang}", pages.language_root, f"language-root-{lang}")
    get("/{lang}/", pages.board, "board")
    get("/{lang}/articles/{id}", pages.article, "article")
    get("/{lang}/search", pages.search_page, "search")
    # the editor's desk (HTML, sessions of its own; errors as desk pages)
    get("/desk", desk_login.root, "desk-root")
    get("/desk/login", desk_login.login_form, "desk-login-form")
    add("POST", "/desk/login", desk_login.login, "desk-login")
    add("POST", "/desk/logout", desk_login.logout, "desk-logout")
    get("/desk/", desk_board.board, "desk-board")
    get("/desk/articles/new", desk_articles.new_form, "desk-new")
    add("POST", "/desk/articles/new", desk_articles.create, "desk-create")
    get("/desk/articles/{id}", desk_articles.show, "desk-article")
    add("POST", "/desk/articles/{id}", desk_articles.save_settings, "desk-settings")
    get("/desk/articles/{id}/delete", desk_articles.delete_form, "desk-delete-form")
    add("POST", "/desk/articles/{id}/delete", desk_articles.delete, "desk-delete")
    get("/desk/articles/{id}/preview/{lang}", desk_articles.preview, "desk-preview")
    get("/desk/articles/{id}/texts/{lang}", desk_texts.edit, "desk-text")
    add("POST", "/desk/articles/{id}/texts/{lang}", desk_texts.save, "desk-text-save")
    get("/desk/articles/{id}/texts/{lang}/delete", desk_texts.delete_form, "desk-text-delete-form")
    add("POST", "/desk/articles/{id}/texts/{lang}/delete", desk_texts.delete, "desk-text-delete")
    # everything else: 404, or 405 with Allow where another route has the path
    add("*", r"/{unmatched:[\s\S]*}", middleware.unmatched, "unmatched")  # newlines too

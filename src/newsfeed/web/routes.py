"""The whole URL map, in one place.

Every handler is added through `wrap(handler, route name)` (the app passes
`middleware.guard` with the response finishing that route needs), so each route renders
its errors and gets its headers without an aiohttp middleware on the hot path. The last
route catches everything else (404/405).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from newsfeed import urls
from newsfeed.web import guard as middleware
from newsfeed.web.desk import articles as desk_articles
from newsfeed.web.desk import board as desk_board
from newsfeed.web.desk import history as desk_history
from newsfeed.web.desk import login as desk_login
from newsfeed.web.desk import texts as desk_texts
from newsfeed.web.guard import Handler
from newsfeed.web.keys import settings_key
from newsfeed.web.views import api, feeds, ops, pages, partner, static, texts, workflow

Wrap = Callable[[Handler, str], Handler]


def _guard_only(handler: Handler, name: str) -> Handler:
    return middleware.guard(handler)


def setup(app: web.Application, wrap: Wrap = _guard_only) -> None:
    r = app.router
    expect = middleware.expecting(wrap(middleware.unmet_expectation, "expectation"))

    def get(path: str, handler: Handler, name: str) -> None:
        r.add_get(path, wrap(handler, name), name=name, expect_handler=expect)  # HEAD too

    def add(method: str, path: str, handler: Handler, name: str) -> None:
        r.add_route(method, path, wrap(handler, name), name=name, expect_handler=expect)

    # operations
    get("/healthz", ops.healthz, "healthz")
    get("/metrics", ops.metrics, "metrics")
    # feeds
    get(urls.FEED["rss"], feeds.rss, "feed-rss")
    get(urls.FEED["atom"], feeds.atom, "feed-atom")
    get(urls.FEED["json"], feeds.json_feed, "feed-json")
    get(urls.ARCHIVE, feeds.archive, "feed-archive")
    # partners and crawlers
    add("POST", urls.HUB, partner.hub, "websub")
    get(urls.SITEMAP, partner.sitemap, "sitemap")
    get(urls.SITEMAP_PART, partner.sitemap_part, "sitemap-part")
    get(urls.ROBOTS, partner.robots, "robots")
    # JSON API
    get("/api/v1/openapi.json", api.openapi_document, "api-openapi")
    get(urls.API_ARTICLES, api.list_articles, "api-articles")
    add("POST", urls.API_ARTICLES, api.create_article, "api-create")
    get(urls.API_ARTICLE, api.get_article, "api-article")
    add("PATCH", urls.API_ARTICLE, api.patch_article, "api-patch")
    add("DELETE", urls.API_ARTICLE, api.delete_article, "api-delete")
    add("POST", "/api/v1/articles/{id}/hits", api.count_hit, "api-hits")
    text = "/api/v1/articles/{id}/translations/{lang}"
    get(text, texts.get_text, "api-text")
    add("PUT", text, texts.put_text, "api-put-text")
    add("DELETE", text, texts.delete_text, "api-delete-text")
    add("POST", f"{text}/confirm", texts.confirm, "api-confirm-text")
    get(f"{text}/source-diff", texts.source_diff, "api-source-diff")
    get(f"{text}/revisions", texts.list_revisions, "api-revisions")
    get(f"{text}/revisions/{{version}}", texts.get_revision, "api-revision")
    add("POST", f"{text}/revisions/{{version}}/restore", texts.restore, "api-restore")
    get("/api/v1/translations", workflow.translation_status, "api-translation-status")
    get("/api/v1/audit", workflow.audit, "api-audit")
    # public pages (HTML, localized)
    get(urls.ROOT, pages.root, "root")
    get(urls.STATIC, static.static_file, "static")
    for lang in app[settings_key].langs:  # only real languages, so /metrics stays itself
        get(f"/{lang}", pages.language_root, f"language-root-{lang}")
    get(urls.BOARD, pages.board, "board")
    get(urls.ARTICLE, pages.article, "article")
    get(urls.SEARCH, pages.search_page, "search")
    # the editor's desk (HTML, sessions of its own; errors as desk pages)
    get(urls.DESK_ROOT, desk_login.root, "desk-root")
    get(urls.DESK_LOGIN, desk_login.login_form, "desk-login-form")
    add("POST", urls.DESK_LOGIN, desk_login.login, "desk-login")
    add("POST", urls.DESK_LOGOUT, desk_login.logout, "desk-logout")
    get(urls.DESK, desk_board.board, "desk-board")
    get(urls.DESK_NEW, desk_articles.new_form, "desk-new")
    add("POST", urls.DESK_NEW, desk_articles.create, "desk-create")
    get(urls.DESK_ARTICLE, desk_articles.show, "desk-article")
    add("POST", urls.DESK_ARTICLE, desk_articles.save_settings, "desk-settings")
    get(urls.DESK_DELETE, desk_articles.delete_form, "desk-delete-form")
    add("POST", urls.DESK_DELETE, desk_articles.delete, "desk-delete")
    get(urls.DESK_PREVIEW, desk_articles.preview, "desk-preview")
    get(urls.DESK_TEXT, desk_texts.edit, "desk-text")
    add("POST", urls.DESK_TEXT, desk_texts.save, "desk-text-save")
    add("POST", urls.DESK_CONFIRM, desk_texts.confirm, "desk-confirm")
    get(urls.DESK_HISTORY, desk_history.history, "desk-history")
    get(urls.DESK_REVISION, desk_history.revision, "desk-revision")
    add("POST", urls.DESK_RESTORE, desk_history.restore, "desk-restore")
    get(urls.DESK_TEXT_DELETE, desk_texts.delete_form, "desk-text-delete-form")
    add("POST", urls.DESK_TEXT_DELETE, desk_texts.delete, "desk-text-delete")
    # everything else: 404, or 405 with Allow where another route has the path
    add("*", r"/{unmatched:[\s\S]*}", middleware.unmatched, "unmatched")  # newlines too

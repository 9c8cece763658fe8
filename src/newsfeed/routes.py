"""The whole URL map, in one place."""

from __future__ import annotations

from aiohttp import web

from newsfeed.keys import settings_key
from newsfeed.views import api, feeds, ops, pages, static


def setup(app: web.Application) -> None:
    r = app.router
    # operations
    r.add_get("/healthz", ops.healthz, name="healthz")
    r.add_get("/metrics", ops.metrics, name="metrics")
    # feeds
    r.add_get("/{lang}/feed.rss", feeds.rss, name="feed-rss")
    r.add_get("/{lang}/feed.atom", feeds.atom, name="feed-atom")
    r.add_get("/{lang}/feed.json", feeds.json_feed, name="feed-json")
    # JSON API
    r.add_get("/api/v1/openapi.json", api.openapi_document, name="api-openapi")
    r.add_get("/api/v1/articles", api.list_articles, name="api-articles")
    r.add_post("/api/v1/articles", api.create_article, name="api-create")
    r.add_get("/api/v1/articles/{id}", api.get_article, name="api-article")
    r.add_patch("/api/v1/articles/{id}", api.patch_article, name="api-patch")
    r.add_delete("/api/v1/articles/{id}", api.delete_article, name="api-delete")
    r.add_post("/api/v1/articles/{id}/hits", api.count_hit, name="api-hits")
    r.add_put("/api/v1/articles/{id}/translations/{lang}", api.put_translation, name="api-put-text")
    r.add_delete(
        "/api/v1/articles/{id}/translations/{lang}", api.delete_translation, name="api-delete-text"
    )
    # public pages (HTML, localized)
    r.add_get("/", pages.root, name="root")
    r.add_get("/static/{name}", static.static_file, name="static")
    for lang in app[settings_key].langs:  # only real languages, so /metrics stays itself
        r.add_get(f"/{lang}", pages.language_root, name=f"language-root-{lang}")
    r.add_get("/{lang}/", pages.board, name="board")
    r.add_get("/{lang}/articles/{id}", pages.article, name="article")
    r.add_get("/{lang}/search", pages.search_page, name="search")

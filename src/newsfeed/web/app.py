"""The application factory: keys, resources and routes (each guarded, see routes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from newsfeed import changelog, hits
from newsfeed.board import Board
from newsfeed.feeds import cache as feedcache
from newsfeed.feeds.sitemap import Sitemaps
from newsfeed.settings import Settings
from newsfeed.status_counts import StatusCounts
from newsfeed.store import open_store
from newsfeed.web import cors, routes
from newsfeed.web import guard as middleware
from newsfeed.web.accesslog import AccessLog
from newsfeed.web.desk import pages as desk_pages
from newsfeed.web.hub import Hub
from newsfeed.web.keys import (
    access_log_key,
    board_key,
    counter_key,
    feed_cache_key,
    follower_key,
    hub_key,
    metrics_key,
    pages_key,
    settings_key,
    sitemaps_key,
    status_counts_key,
    store_key,
)
from newsfeed.web.metrics import Metrics
from newsfeed.web.pagecache import PageCache
from newsfeed.web.proxies import Proxies
from newsfeed.web.security import HANDLER_ARGS, harden
from newsfeed.web.views import feeds, pages

MAX_BODY = 1024 * 1024  # bodies over 1 MiB answer 413


async def _store(app: web.Application) -> AsyncIterator[None]:
    """The store (migrated here too: a no-op when `serve` already did it)."""
    store = await open_store(app[settings_key])
    app[store_key] = store
    yield
    await store.close()


async def _hit_counter(app: web.Application) -> AsyncIterator[None]:
    """After the store (so cleaned up before it): the final flush needs it."""
    counter = hits.Counter(app[store_key])
    app[counter_key] = counter
    await counter.start()
    yield
    await counter.stop()


async def _caches(app: web.Application) -> AsyncIterator[None]:
    """Built feeds and rendered pages, kept until the change log says what they show
    changed (a write in any process), by the follower that reads it."""
    store = app[store_key]
    follower = app[follower_key] = changelog.Follower(store)
    feeds_cache = app[feed_cache_key] = feedcache.FeedCache(
        store, app[settings_key], feeds.titles(app)
    )
    follower.subscribe(feeds_cache.apply)
    app[pages_key] = PageCache(lambda: follower.seq)
    settings = app[settings_key]
    app[sitemaps_key] = Sitemaps(store, settings.base_url, settings.langs, lambda: follower.seq)
    app[board_key] = Board(store)
    app[status_counts_key] = StatusCounts(store)
    async with feeds_cache.running(), follower.running():
        yield


async def _hub(app: web.Application) -> AsyncIterator[None]:
    """The WebSub hub's background work; stopped before the caches it reads from."""
    hub = app[hub_key] = Hub(
        app[store_key],
        app[feed_cache_key],
        app[follower_key],
        app[settings_key],
        app[metrics_key].hub,
    )
    app[follower_key].subscribe(hub.notice)
    async with hub.running():
        yield


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    access_log = AccessLog(metrics, proxies=Proxies(settings.trusted_proxies))

    def finish(request: web.Request, response: web.StreamResponse) -> None:
        access_log.tag(request, response)
        harden(response)

    def finish_shared(request: web.Request, response: web.StreamResponse) -> None:
        access_log.tag(request, response)
        cors.share(request, response)
        harden(response)

    def wrap(handler: middleware.Handler, name: str) -> middleware.Handler:
        done = finish_shared if name in cors.PUBLIC_READS else finish
        return middleware.guard(handler, done, feeds.sync_after_write)

    app = web.Application(
        client_max_size=MAX_BODY,
        handler_args={**HANDLER_ARGS, **access_log.handler_args()},
    )
    app[settings_key] = settings
    app[metrics_key] = metrics
    metrics.follow_views(lambda: app[counter_key].counted if counter_key in app else 0)
    app[access_log_key] = access_log
    app.cleanup_ctx.append(access_log.running)

    app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(_hit_counter)
    app.cleanup_ctx.append(_caches)
    app.cleanup_ctx.append(_hub)
    pages.setup(app)  # templates, catalogs, error pages; after the database's ctx
    desk_pages.setup(app)  # the desk's login limiter and error pages
    routes.setup(app, wrap)
    return app

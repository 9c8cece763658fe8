"""The application factory: keys, resources and routes (each guarded, see routes.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from newsfeed import db, feedcache, hits, middleware, routes
from newsfeed.accesslog import AccessLog
from newsfeed.keys import (
    access_log_key,
    counter_key,
    db_key,
    feed_cache_key,
    metrics_key,
    settings_key,
)
from newsfeed.metrics import Metrics
from newsfeed.proxies import Proxies
from newsfeed.security import HANDLER_ARGS, harden
from newsfeed.settings import Settings
from newsfeed.views import feeds, pages

MAX_BODY = 1024 * 1024  # bodies over 1 MiB answer 413


async def _database(app: web.Application) -> AsyncIterator[None]:
    path = app[settings_key].db_path
    await asyncio.to_thread(db.migrate, path)  # no-op when `serve` already migrated
    database = await db.Database.open(path)
    app[db_key] = database
    yield
    await database.close()


async def _hit_counter(app: web.Application) -> AsyncIterator[None]:
    """After the database (so cleaned up before it): the final flush needs the writer."""
    counter = hits.Counter(app[db_key])
    app[counter_key] = counter
    await counter.start(app[settings_key].db_path)
    yield
    await counter.stop()


async def _feed_cache(app: web.Application) -> AsyncIterator[None]:
    """Built feeds; follows the change log so writes in any process drop what they changed."""
    cache = feedcache.FeedCache(app[db_key], app[settings_key], feeds.titles(app))
    app[feed_cache_key] = cache
    async with cache.running():
        yield


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    access_log = AccessLog(metrics, proxies=Proxies(settings.trusted_proxies))

    def finish(request: web.Request, response: web.StreamResponse) -> None:
        access_log.tag(request, response)
        harden(response)

    app = web.Application(
        client_max_size=MAX_BODY,
        handler_args={**HANDLER_ARGS, **access_log.handler_args()},
    )
    app[settings_key] = settings
    app[metrics_key] = metrics
    metrics.follow_views(lambda: app[counter_key].counted if counter_key in app else 0)
    app[access_log_key] = access_log
    app.cleanup_ctx.append(access_log.running)

    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_hit_counter)
    app.cleanup_ctx.append(_feed_cache)
    pages.setup(app)  # templates, catalogs, error pages; after the database's ctx
    routes.setup(app, lambda handler: middleware.guard(handler, finish, feeds.sync_after_write))
    return app

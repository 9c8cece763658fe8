"""The application factory: keys, resources, middlewares and routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from newsfeed import db, hits, middleware, routes
from newsfeed.keys import counter_key, db_key, settings_key
from newsfeed.settings import Settings
from newsfeed.views import pages

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
    counter.start()
    yield
    await counter.stop()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[middleware.errors], client_max_size=MAX_BODY)
    app[settings_key] = settings
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_hit_counter)
    pages.setup(app)  # templates, catalogs, error pages; after the database's ctx
    routes.setup(app)
    return app

"""The application factory: keys, resources, middlewares and routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from newsfeed import db, middleware, routes
from newsfeed.keys import db_key, settings_key
from newsfeed.settings import Settings

MAX_BODY = 1024 * 1024  # bodies over 1 MiB answer 413


async def _database(app: web.Application) -> AsyncIterator[None]:
    path = app[settings_key].db_path
    await asyncio.to_thread(db.migrate, path)  # no-op when `serve` already migrated
    database = await db.Database.open(path)
    app[db_key] = database
    yield
    await database.close()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[middleware.errors], client_max_size=MAX_BODY)
    app[settings_key] = settings
    app.cleanup_ctx.append(_database)
    routes.setup(app)
    return app

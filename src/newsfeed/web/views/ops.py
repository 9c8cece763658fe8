"""Endpoints for operators: health and Prometheus metrics."""

from __future__ import annotations

import asyncio
import sqlite3

from aiohttp import web

from newsfeed import problems
from newsfeed.web import metrics as prom
from newsfeed.web.keys import access_log_key, db_key, metrics_key
from newsfeed.web.views.http import json_response


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[db_key].ping()
    except (sqlite3.Error, ValueError):
        ok = False
    if not ok:
        raise problems.Problem(503, "Service Unavailable", "The database does not answer.")
    return json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text; requests finished so far are recorded first, not a tick later."""
    request.app[access_log_key].record()
    body = await asyncio.to_thread(request.app[metrics_key].exposition)
    return web.Response(body=body, headers={"Content-Type": prom.CONTENT_TYPE})

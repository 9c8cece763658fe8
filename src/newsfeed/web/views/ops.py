"""Endpoints for operators: health and Prometheus metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web

from newsfeed import problems
from newsfeed.store import StoreUnavailable
from newsfeed.web import metrics as prom
from newsfeed.web.keys import access_log_key, metrics_key, store_key
from newsfeed.web.views.http import json_response


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[store_key].ping()
    except StoreUnavailable:
        ok = False
    if not ok:
        raise problems.unavailable()
    return json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text; requests finished so far are recorded first, not a tick later."""
    request.app[access_log_key].record()
    body = await asyncio.to_thread(request.app[metrics_key].exposition)
    return web.Response(body=body, headers={"Content-Type": prom.CONTENT_TYPE})

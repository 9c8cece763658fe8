"""Endpoints for operators: health."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from newsfeed import problems
from newsfeed.keys import db_key
from newsfeed.views.http import json_response


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[db_key].ping()
    except (sqlite3.Error, ValueError):
        ok = False
    if not ok:
        raise problems.Problem(503, "Service Unavailable", "The database does not answer.")
    return json_response({"status": "ok"})

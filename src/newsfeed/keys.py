"""Every typed application key, in one place."""

from __future__ import annotations

from aiohttp import web

from newsfeed.db import Database
from newsfeed.hits import Counter
from newsfeed.settings import Settings

settings_key = web.AppKey("settings_key", Settings)
db_key = web.AppKey("db_key", Database)
counter_key = web.AppKey("counter_key", Counter)

"""Every typed application key, in one place."""

from __future__ import annotations

from aiohttp import web

from newsfeed.board import Board
from newsfeed.changelog import Follower
from newsfeed.feeds.cache import FeedCache
from newsfeed.feeds.sitemap import Sitemaps
from newsfeed.hits import Counter
from newsfeed.i18n import Languages
from newsfeed.settings import Settings
from newsfeed.status_counts import StatusCounts
from newsfeed.store import Store
from newsfeed.web.accesslog import AccessLog
from newsfeed.web.assets import Assets
from newsfeed.web.desk.drafts import Drafts
from newsfeed.web.desk.ratelimit import LoginLimiter
from newsfeed.web.hub import Hub
from newsfeed.web.metrics import Metrics
from newsfeed.web.pagecache import PageCache

settings_key = web.AppKey("settings_key", Settings)
store_key = web.AppKey("store_key", Store)  # type: ignore[type-abstract]
follower_key = web.AppKey("follower_key", Follower)
counter_key = web.AppKey("counter_key", Counter)
# operations
metrics_key = web.AppKey("metrics_key", Metrics)
access_log_key = web.AppKey("access_log_key", AccessLog)
body_timeout_key = web.AppKey("body_timeout_key", float)  # seconds; security.BODY_TIMEOUT
# public pages
languages_key = web.AppKey("languages_key", Languages)
board_key = web.AppKey("board_key", Board)
assets_key = web.AppKey("assets_key", Assets)
pages_key = web.AppKey("pages_key", PageCache)
# the translators' status board (API and desk)
status_counts_key = web.AppKey("status_counts_key", StatusCounts)
# feeds
feed_cache_key = web.AppKey("feed_cache_key", FeedCache)
# the editor's desk
desk_limiter_key = web.AppKey("desk_limiter_key", LoginLimiter)
desk_drafts_key = web.AppKey("desk_drafts_key", Drafts)
# partners
hub_key = web.AppKey("hub_key", Hub)
sitemaps_key = web.AppKey("sitemaps_key", Sitemaps)

"""Built feeds and archives kept in memory as bytes, dropped exactly when what they show
changes.

A feed request never touches the database once its document is built: it is a dict
lookup. What invalidates an entry:
- a change in the change log, written by this process or any other, as the
  `changelog.Follower` hands it over (`apply`): only the feeds of the languages and
  categories the change names are dropped, and only the archives of those languages whose
  month, or the span to their neighbouring months, holds an instant the change names;
- time: each entry remembers when a scheduled article in it comes due, and a feed or
  archive of the current month when the month ends.

The ETag is a hash of the bytes, and the bytes depend only on what the document shows (no
clock), so every process and every restart agrees on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsfeed import model as articles
from newsfeed import urls
from newsfeed.feeds import archives, authority
from newsfeed.feeds import build as syndication
from newsfeed.feeds.built import CACHE_CONTROL, Built, assemble
from newsfeed.feeds.months import Month
from newsfeed.feeds.topics import Topic
from newsfeed.model import Change
from newsfeed.settings import Settings
from newsfeed.store import Store

MAX_ENTRIES = 512  # any valid ?category= or month is a key; bound the memory it can take
LIMIT = archives.LIMIT
CLOSED_CACHE_CONTROL = "public, max-age=86400"  # a closed month changes only by an edit

Key = tuple[str, str, str | None]  # format, language, category
MonthKey = tuple[str, Month]  # language, month
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Archived:
    """A month's archive (None: the month has no public article) and its window."""

    built: Built | None
    window: archives.Window

    def fresh(self, now: datetime) -> bool:
        return self.window.stale_at is None or now < self.window.stale_at


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class FeedCache:
    """Feeds by (format, language, category), archives by (language, month)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        titles: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = articles.utcnow,
    ) -> None:
        self.clock = clock  # replaceable, so a test can move time past a schedule
        self._store = store
        self._settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.hub_url = urls.absolute(settings.base_url, urls.HUB)
        host = urlsplit(settings.base_url).hostname or "localhost"
        self._titles = {lang: (titles or {}).get(lang) or host for lang in settings.langs}
        self._entries: dict[Key, Built] = {}
        self._archives: dict[MonthKey, _Archived] = {}
        self._building: dict[tuple[str, Any], asyncio.Future[Any]] = {}
        self._epoch = 0  # bumped by every invalidation: a build that saw one is not kept
        self._executor: ThreadPoolExecutor | None = None
        self._authority = ""  # the feed ids', read once when the cache starts

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FeedCache]:
        """Read the feed ids' authority (once); own the build thread; release it on exit."""
        self._authority = await authority.tag_authority(self._store, self._settings.base_url)
        # One thread: feedgen's date formatting flips the process locale while it works.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feeds")
        try:
            yield self
        finally:
            self._executor.shutdown(wait=True)

    def __contains__(self, key: Key) -> bool:
        """Whether that feed is built and kept (what exact invalidation is judged by)."""
        return key in self._entries

    async def get(self, fmt: str, lang: str, category: str | None) -> Built:
        key = (fmt, lang, category)
        built = self._entries.get(key)
        if built is not None and built.fresh(self.clock()):
            return built
        return await self._once(("feed", key), lambda: self._build(key))

    async def archive(self, lang: str, month: Month) -> Built | None:
        """The month's archive; None when it has no public article or has not begun."""
        kept = self._archives.get((lang, month))
        if kept is not None and kept.fresh(self.clock()):
            return kept.built
        found = await self._once(("archive", (lang, month)), lambda: self._archive(lang, month))
        return None if found is None else found.built

    async def document(self, topic: Topic) -> Built | None:
        """Whatever document the topic names (None: an archive that does not exist)."""
        if topic.month is not None:
            return await self.archive(topic.lang, topic.month)
        return await self.get(topic.fmt, topic.lang, topic.category)

    def next_stale(self) -> datetime | None:
        """When the first kept document goes stale by time (what the hub waits for)."""
        moments = [b.stale_at for b in self._entries.values() if b.stale_at is not None]
        moments += [a.window.stale_at for a in self._archives.values() if a.window.stale_at]
        return min(moments, default=None)

    async def _once(self, key: tuple[str, Any], build: Callable[[], Awaitable[T]]) -> T:
        """One build per key at a time; everyone asking meanwhile waits for it."""
        pending = self._building.get(key)
        if pending is None:
            pending = asyncio.ensure_future(build())
            self._building[key] = pending
            pending.add_done_callback(lambda done: self._forget(key, done))
        # shield: one client hanging up must not cancel the build others wait for
        result: T = await asyncio.shield(pending)
        return result

    def _forget(self, key: tuple[str, Any], done: asyncio.Future[Any]) -> None:
        if self._building.get(key) is done:
            del self._building[key]
        if not done.cancelled():
            done.exception()  # retrieved, so a failed build is not logged as unhandled

    def invalidate(
        self, langs: Iterable[str], categories: Iterable[str], months: set[Month] | None = None
    ) -> None:
        """Drop the feeds of these languages that show any of these categories, and their
        archives that articles of `months` (None: of any month) can change."""
        langs, categories = set(langs), set(categories)
        self._epoch += 1
        for key in [k for k in self._entries if k[1] in langs and k[2] in (None, *categories)]:
            del self._entries[key]
        for month_key, kept in list(self._archives.items()):
            if month_key[0] in langs and archives.touches(kept.window, months):
                del self._archives[month_key]
        for kind, key in list(self._building):
            if key[0 if kind == "archive" else 1] in langs:
                del self._building[(kind, key)]

    def apply(self, change: Change) -> None:
        """A change-log listener (changelog.Follower)."""
        months = {Month.of(articles.from_us(us), self.zone) for us in change.moments}
        self.invalidate(change.langs, change.categories, months or None)

    def _keep(self, table: dict[Any, Any], key: Any, value: Any, epoch: int) -> None:
        if self._epoch == epoch:  # nothing changed while building: safe to keep
            if len(table) >= MAX_ENTRIES:
                del table[next(iter(table))]
            table[key] = value

    def _channel(self, lang: str, category: str | None, updated: datetime) -> syndication.Channel:
        title = self._titles[lang]
        return syndication.Channel(
            base_url=self._settings.base_url,
            lang=lang,
            langs=self._settings.langs,
            category=category,
            title=f"{title} · {category}" if category else title,
            updated=updated,
            authority=self._authority,
            hub=self.hub_url,
        )

    async def _build(self, key: Key) -> Built:
        fmt, lang, category = key
        epoch, now = self._epoch, self.clock()
        window = await archives.feed_window(self._store, lang, category, now, self.zone, fmt)
        channel = self._channel(lang, category, _last_modified(window, lang))
        if window.has_archives:
            prev = _archive_url(self._settings.base_url, lang, window.prev)
            channel = replace(channel, prev_archive=prev)
        built = await self._encode(fmt, channel, window.shown, window.stale_at)
        self._keep(self._entries, key, built, epoch)
        return built

    async def _archive(self, lang: str, month: Month) -> _Archived | None:
        epoch, now = self._epoch, self.clock()
        window = await archives.archive_window(self._store, lang, month, now, self.zone)
        if window is None:
            return None  # a month to come: nothing to keep
        built = None
        if window.shown:
            base = self._settings.base_url
            channel = replace(
                self._channel(lang, None, _last_modified(window, lang)),
                self_url=Topic.archive(lang, month).url(base),
                archive=True,
                prev_archive=_archive_url(base, lang, window.prev),
                next_archive=_archive_url(base, lang, window.next),
                current=Topic(lang, "atom").url(base),
            )
            closed = archives.is_closed(month, now, self.zone)
            cache_control = CLOSED_CACHE_CONTROL if closed else CACHE_CONTROL
            built = await self._encode("atom", channel, window.shown, None, cache_control)
        kept = _Archived(built, window)
        self._keep(self._archives, (lang, month), kept, epoch)
        return kept

    async def _encode(
        self,
        fmt: str,
        channel: syndication.Channel,
        shown: list[articles.Article],
        stale_at: datetime | None,
        cache_control: str = CACHE_CONTROL,
    ) -> Built:
        loop = asyncio.get_running_loop()
        body, gzipped = await loop.run_in_executor(self._executor, _encode, fmt, channel, shown)
        link = f'<{channel.hub}>; rel="hub", <{channel.feed_url(fmt)}>; rel="self"'
        media_type = syndication.MEDIA_TYPES[fmt]
        return assemble(body, gzipped, media_type, channel.updated, stale_at, link, cache_control)


def _last_modified(window: archives.Window, lang: str) -> datetime:
    """The later of the last change to what it shows and its newest dates, whole seconds."""
    moments = [syndication.EPOCH, *([window.changed] if window.changed else [])]
    moments += [_utc(syndication.entry_updated(a, lang)) for a in window.shown]
    moments += [_utc(a.published) for a in window.shown]
    return max(_utc(m) for m in moments).replace(microsecond=0)


def _archive_url(base_url: str, lang: str, month: Month | None) -> str | None:
    return None if month is None else Topic.archive(lang, month).url(base_url)


def _encode(
    fmt: str, channel: syndication.Channel, shown: list[articles.Article]
) -> tuple[bytes, bytes]:
    body = syndication.BUILDERS[fmt](channel, shown)
    return body, gzip.compress(body, compresslevel=6, mtime=0)

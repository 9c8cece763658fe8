"""Built feeds kept in memory as bytes, dropped exactly when what they show changes.

A feed request never touches the database once its feed is built: it is a dict lookup.
What invalidates an entry:
- a change in the change log, written by this process or any other, as the
  `changelog.Follower` hands it over (`invalidate`): only the feeds of the languages
  and categories the change names are dropped;
- a scheduled article coming due: each entry remembers when the next one is due.

The ETag is a hash of the bytes, and the bytes depend only on what the feed shows (no
clock), so every process and every restart agrees on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from newsfeed import model as articles
from newsfeed.feeds import authority
from newsfeed.feeds import build as syndication
from newsfeed.model import Change
from newsfeed.settings import Settings
from newsfeed.store import Store

MAX_ENTRIES = 512  # any valid ?category= is a key; bound the memory it can take
LIMIT = 20
CACHE_CONTROL = "public, max-age=60"

Key = tuple[str, str, str | None]  # format, language, category


@dataclass(frozen=True, slots=True)
class Built:
    """One feed, ready to send: both encodings and every header, computed once."""

    body: bytes
    gzipped: bytes
    etag: str  # strong; the gzip representation has its own
    gzip_etag: str
    last_modified: datetime  # UTC, whole seconds
    stale_at: datetime | None  # the next scheduled publication it does not show yet
    headers: dict[str, str]
    gzip_headers: dict[str, str]
    not_modified_headers: dict[str, str]
    gzip_not_modified_headers: dict[str, str]

    def matches(self, if_none_match: str) -> bool:
        """Weak comparison, as If-None-Match wants: either encoding's tag matches."""
        for tag in if_none_match.split(","):
            tag = tag.strip().removeprefix("W/")
            if tag in ("*", self.etag, self.gzip_etag):
                return True
        return False


def _built(
    body: bytes,
    gzipped: bytes,
    media_type: str,
    last_modified: datetime,
    stale_at: datetime | None,
) -> Built:
    """The feed with its validators: a hash of the bytes, so the same feed gets the same
    ETag in every process; the gzip representation's differs, as a strong ETag must."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    etag, gzip_etag = f'"{digest}"', f'"{digest}-gzip"'
    common = {
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    }
    return Built(
        body=body,
        gzipped=gzipped,
        etag=etag,
        gzip_etag=gzip_etag,
        last_modified=last_modified,
        stale_at=stale_at,
        headers={"Content-Type": media_type, "ETag": etag, **common},
        gzip_headers={
            "Content-Type": media_type,
            "ETag": gzip_etag,
            "Content-Encoding": "gzip",
            **common,
        },
        not_modified_headers={"ETag": etag, **common},
        gzip_not_modified_headers={"ETag": gzip_etag, **common},
    )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class FeedCache:
    """Feeds by (format, language, category); see the module docstring."""

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
        host = urlsplit(settings.base_url).hostname or "localhost"
        self._titles = {lang: (titles or {}).get(lang) or host for lang in settings.langs}
        self._entries: dict[Key, Built] = {}
        self._building: dict[Key, asyncio.Future[Built]] = {}
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
        if built is not None and (built.stale_at is None or self.clock() < built.stale_at):
            return built
        pending = self._building.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._build(key))
            self._building[key] = pending
            pending.add_done_callback(lambda done: self._forget(key, done))
        # shield: one client hanging up must not cancel the build others wait for
        return await asyncio.shield(pending)

    def _forget(self, key: Key, done: asyncio.Future[Built]) -> None:
        if self._building.get(key) is done:
            del self._building[key]
        if not done.cancelled():
            done.exception()  # retrieved, so a failed build is not logged as unhandled

    def invalidate(self, langs: Iterable[str], categories: Iterable[str]) -> None:
        """Drop the feeds of these languages that show any of these categories."""
        langs, categories = set(langs), set(categories)
        self._epoch += 1
        for table in (self._entries, self._building):
            for key in [k for k in table if k[1] in langs and (k[2] is None or k[2] in categories)]:
                del table[key]

    def apply(self, change: Change) -> None:
        """A change-log listener (changelog.Follower)."""
        self.invalidate(change.langs, change.categories)

    async def _build(self, key: Key) -> Built:
        fmt, lang, category = key
        epoch, now, store = self._epoch, self.clock(), self._store
        shown = await store.latest(lang=lang, category=category, limit=LIMIT, now=now)
        changed = await store.last_changed(lang, category)
        stale_at = await store.next_due(now, lang, category)
        moments = [syndication.EPOCH, *([changed] if changed else [])]
        moments += [_utc(syndication.entry_updated(a, lang)) for a in shown]
        moments += [_utc(a.published) for a in shown]
        last_modified = max(_utc(m) for m in moments).replace(microsecond=0)
        channel = syndication.Channel(
            base_url=self._settings.base_url,
            lang=lang,
            langs=self._settings.langs,
            category=category,
            title=f"{self._titles[lang]} · {category}" if category else self._titles[lang],
            updated=last_modified,
            authority=self._authority,
        )
        loop = asyncio.get_running_loop()
        body, gzipped = await loop.run_in_executor(self._executor, _encode, fmt, channel, shown)
        built = _built(body, gzipped, syndication.MEDIA_TYPES[fmt], last_modified, stale_at)
        if self._epoch == epoch:  # nothing changed while building: safe to keep
            if len(self._entries) >= MAX_ENTRIES:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = built
        return built


def _encode(
    fmt: str, channel: syndication.Channel, shown: list[articles.Article]
) -> tuple[bytes, bytes]:
    body = syndication.BUILDERS[fmt](channel, shown)
    return body, gzip.compress(body, compresslevel=6, mtime=0)

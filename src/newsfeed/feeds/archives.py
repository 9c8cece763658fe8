"""What each feed document shows, read from the store: the articles, the RFC 5005 links
to the neighbouring months, and when it changes without a write (a scheduled article
coming due, the month ending).

The subscription feeds (Atom and RSS of a language, no category) and the month archives
together hold every public article: the archives of the *closed* months (those that have
ended in `NEWSFEED_TIMEZONE`) hold theirs, and the feed holds every article of the month
in progress, or the newest 20 when that is more, with `prev-archive` naming the newest
closed month that has articles. Following `prev-archive` from the feed thus reaches every
public article, each in exactly one archive; the feed may repeat some of the newest
archive's (RFC 5005 readers keep one entry per id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from newsfeed.feeds.months import Month
from newsfeed.model import Article
from newsfeed.store import Store

LIMIT = 20


@dataclass(frozen=True, slots=True)
class Window:
    """One document's content and what it depends on."""

    shown: list[Article]
    changed: datetime | None  # the latest write that touched what it shows
    stale_at: datetime | None  # when time alone changes it
    prev: Month | None = None  # the neighbouring months with articles (archive links)
    next: Month | None = None
    has_archives: bool = False  # a subscription feed: it links its newest archive


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


async def feed_window(
    store: Store, lang: str, category: str | None, now: datetime, zone: tzinfo, fmt: str
) -> Window:
    """A feed: the newest 20; for the Atom and RSS feed of a whole language also every
    article of the current month and the newest closed month that has articles."""
    due = await store.next_due(now, lang, category)
    changed = await store.last_changed(lang, category)
    if category is not None or fmt == "json":
        shown = await store.latest(lang=lang, category=category, limit=LIMIT, now=now)
        return Window(shown, changed, due)
    current = Month.of(now, zone)
    start = current.start(zone)
    this_month = await store.public_between(lang, start, None, now)
    if len(this_month) >= LIMIT:
        shown = this_month
    else:
        shown = await store.latest(lang=lang, limit=LIMIT, now=now)
    before, _ = await store.public_edges(lang, start, None, now)
    prev = None if before is None else Month.of(before, zone)
    # at the month's end the month closes: the feed then links it and may hold less
    return Window(shown, changed, _earliest(due, current.end(zone)), prev, None, True)


async def archive_window(
    store: Store, lang: str, month: Month, now: datetime, zone: tzinfo
) -> Window | None:
    """A month's archive; None for a month that has not begun. `shown` is empty for a
    month without public articles (the document does not exist), with its neighbours
    still known, so that the month's first article is noticed like any other change."""
    current = Month.of(now, zone)
    if month > current:
        return None
    start, end = month.start(zone), month.end(zone)
    shown = await store.public_between(lang, start, end, now)
    before, after = await store.public_edges(lang, start, end, now)
    prev = None if before is None else Month.of(before, zone)
    following = None if after is None else Month.of(after, zone)
    # Writes to articles of this month only: a neighbour's edit rebuilds the archive (it
    # might have emptied that month, which moves a link) but leaves its bytes alone when
    # nothing it shows changed. A link that moves changes the ETag, if not Last-Modified.
    changed = await store.last_changed_within(lang, start, end)
    stale_at = None
    if month == current or following is None:
        # a scheduled article coming due lands in the current month: in this one, or as
        # the next month with articles
        stale_at = await store.next_due(now, lang, None)
    if month == current:
        stale_at = _earliest(stale_at, current.end(zone))
    return Window(shown, changed, stale_at, prev, following)


def is_closed(month: Month, now: datetime, zone: tzinfo) -> bool:
    return month < Month.of(now, zone)


def touches(window: Window, months: set[Month] | None) -> bool:
    """Whether a change to articles of `months` (None: unknown) can change an archive
    with this window: a month in it or between its neighbours (which a first or last
    article there would make a neighbour), inclusive."""
    if months is None:
        return True
    return any(
        (window.prev is None or window.prev <= m) and (window.next is None or m <= window.next)
        for m in months
    )

"""Every feed document's address, both ways: a `Topic` builds its URL with `urls.py` (the
documents' rel=self, the hub's topic) and a URL parses back into one (`hub.topic` of a
request).

The URL of a topic is the one form the service itself publishes; a subscription names
exactly that string, so a topic and its subscribers are found again by equality.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsfeed import urls
from newsfeed.feeds.months import Month

FORMATS = ("rss", "atom", "json")
_CATEGORY_RE = re.compile(r"[a-z0-9-]{1,40}")
_FEED_RE = re.compile(r"/([a-z]{2,3})/feed\.(rss|atom|json)")
_ARCHIVE_RE = re.compile(r"/([a-z]{2,3})/archive/(\d{4}-\d{2})\.atom")


@dataclass(frozen=True, slots=True)
class Topic:
    """A feed (one format, one language, optionally one category) or a month's archive
    (Atom, one language)."""

    lang: str
    fmt: str
    category: str | None = None
    month: Month | None = None

    @classmethod
    def archive(cls, lang: str, month: Month) -> Topic:
        return cls(lang, "atom", None, month)

    @property
    def path(self) -> str:
        if self.month is not None:
            return urls.archive(self.lang, str(self.month))
        return urls.feed(self.lang, self.fmt, self.category)

    def url(self, base_url: str) -> str:
        return urls.absolute(base_url, self.path)

    @classmethod
    def parse(cls, url: str, base_url: str, langs: Sequence[str]) -> Topic | None:
        """The topic `url` names, when it is one of this site's feed URLs as the site
        writes them (its base URL; no fragment, no other query); else None."""
        if not url.startswith(base_url + "/"):
            return None
        parts = urlsplit(url[len(base_url) :])
        if parts.scheme or parts.netloc or parts.fragment or "#" in url:
            return None
        found = _ARCHIVE_RE.fullmatch(parts.path)
        if found is not None:
            month = Month.parse(found[2])
            if parts.query or found[1] not in langs or month is None:
                return None
            return cls.archive(found[1], month)
        found = _FEED_RE.fullmatch(parts.path)
        if found is None or found[1] not in langs:
            return None
        category = None
        if parts.query:
            name, equals, category = parts.query.partition("=")
            if name != "category" or not equals or not _CATEGORY_RE.fullmatch(category):
                return None
        topic = cls(found[1], found[2], category)
        return topic if topic.url(base_url) == url else None

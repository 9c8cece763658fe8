"""Articles -> RSS 2.0, Atom 1.0 and JSON Feed 1.1 bytes. Pure: no I/O, no clock.

The same input always gives the same bytes, so an ETag hashed from them survives restarts
and agrees between worker processes. feedgen is used only here, with its traps handled:
entries are appended in order (it prepends by default), every date is given explicitly
(it stamps now() otherwise), and Atom entry links are written by our own extension
(feedgen 1.0.0 drops rel, type and hreflang from entry links).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry  # type: ignore[import-untyped]
from feedgen.ext.base import BaseEntryExtension, BaseExtension  # type: ignore[import-untyped]
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from feedgen.util import xml_elem  # type: ignore[import-untyped]

from newsfeed import render, urls
from newsfeed.model import Article

MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json",
}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
TAG_YEAR = 2026  # the tag: URI date; part of every id, so it never changes


@dataclass(frozen=True, slots=True)
class Channel:
    """What a feed is about: one language, optionally one category, as of `updated`."""

    base_url: str
    lang: str
    langs: tuple[str, ...]  # configured order, for the alternate links
    category: str | None
    title: str
    updated: datetime  # aware; the feed's Last-Modified
    authority: str = ""  # of the feed ids (feeds/authority.py); by default the base URL's host

    def feed_url(self, fmt: str) -> str:
        return urls.absolute(self.base_url, urls.feed(self.lang, fmt, self.category))

    @property
    def page_url(self) -> str:
        return urls.absolute(self.base_url, urls.board(self.lang, category=self.category))

    def article_url(self, article_id: int, lang: str | None = None) -> str:
        return urls.absolute(self.base_url, urls.article(lang or self.lang, article_id))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def feed_id(self) -> str:
        suffix = f"/{self.category}" if self.category else ""
        return f"tag:{self.authority or self.host},{TAG_YEAR}:feed/{self.lang}{suffix}"

    def entry_id(self, article_id: int) -> str:
        """Stable per article and language: editing the text never changes it, nor does a
        new base URL (the authority is the site's, fixed in its database)."""
        return f"tag:{self.authority or self.host},{TAG_YEAR}:article/{article_id}/{self.lang}"


def entry_updated(article: Article, lang: str) -> datetime:
    """When this language's entry last changed: its text's last edit, never before
    publication. Other languages' edits do not move it (they do not change this feed)."""
    text_at = datetime.fromisoformat(article.translations[lang].updated_at)
    return max(article.published, text_at)


# --- Atom entry links -----------------------------------------------------------------


class _LinksExtension(BaseExtension):
    """Feed half of the extension; feedgen wants one even when it does nothing."""


class _LinksEntryExtension(BaseEntryExtension):
    """Writes an Atom entry's links with rel, type and hreflang intact."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for link in entry.findall("{http://www.w3.org/2005/Atom}link"):
            entry.remove(link)  # feedgen's attribute-less copies, if any
        for link in self.links:
            xml_elem("link", entry, **link)
        return entry


def _generator(channel: Channel, fmt: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(channel.feed_id)
    fg.title(channel.title)
    fg.description(channel.title)
    fg.language(channel.lang)  # RSS <language> and Atom xml:lang
    fg.author(name=channel.host)  # the byline of entries that have none
    fg.generator("newsfeed")
    fg.updated(channel.updated)  # also lastBuildDate; never now()
    # In RSS the last link given becomes the channel <link>, and the first rel=self wins.
    fg.link(href=channel.feed_url(fmt), rel="self", type=MEDIA_TYPES[fmt].split(";")[0])
    fg.link(href=channel.page_url, rel="alternate", type="text/html", hreflang=channel.lang)
    if fmt == "atom":
        fg.register_extension("links", _LinksExtension, _LinksEntryExtension, rss=False)
    else:
        fg.load_extension("dc", atom=False, rss=True)
    return fg


def _entry(fg: FeedGenerator, channel: Channel, article: Article, fmt: str) -> FeedEntry:
    lang = channel.lang
    text = article.translations[lang]
    content = render.body(text)
    url = channel.article_url(article.id)
    fe = fg.add_entry(order="append")
    fe.id(channel.entry_id(article.id))  # also the RSS guid, isPermaLink="false"
    fe.title(text.title)
    fe.published(article.published)
    fe.updated(entry_updated(article, lang))
    fe.category(term=article.category)
    if fmt == "atom":
        fe.content(content, type="html")
        if text.summary:
            fe.summary(text.summary)  # type text: carried literally
        fe.author(name=text.author or channel.host)
        links = [
            {"rel": "alternate", "type": "text/html", "hreflang": other, "href": href}
            for other in _langs_of(article, channel)
            for href in (channel.article_url(article.id, other),)
        ]
        if len(links) > 1:
            # Readers disagree on which alternate is the entry's link: many take the first,
            # feedparser the last. Ending with the entry's own page (without hreflang, so
            # no two links share type and hreflang, RFC 4287 4.2.7.2) makes both right.
            links.append({"rel": "alternate", "type": "text/html", "href": url})
        fe.links.links = links
    else:
        fe.link(href=url)
        # <description> is HTML to RSS readers: the plain summary goes in escaped; with no
        # summary the description is the content itself. content:encoded is always there.
        fe.description(html.escape(text.summary, quote=False) if text.summary else content)
        fe.content(content)
        if text.author:
            fe.dc.dc_creator(text.author)  # RSS <author> must be an email address
    return fe


def _langs_of(article: Article, channel: Channel) -> list[str]:
    """The entry's own language first, then the article's others in configured order."""
    others = [x for x in channel.langs if x in article.translations and x != channel.lang]
    extra = sorted(set(article.translations) - set(channel.langs) - {channel.lang})
    return [channel.lang, *others, *extra]


def rss(channel: Channel, articles: Sequence[Article]) -> bytes:
    fg = _generator(channel, "rss")
    for article in articles:
        _entry(fg, channel, article, "rss")
    return fg.rss_str(pretty=False, encoding="UTF-8", xml_declaration=True)


def atom(channel: Channel, articles: Sequence[Article]) -> bytes:
    fg = _generator(channel, "atom")
    for article in articles:
        _entry(fg, channel, article, "atom")
    return fg.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat()


def json_feed(channel: Channel, articles: Sequence[Article]) -> bytes:
    """JSON Feed 1.1 (feedgen has none) from the same data as the XML feeds."""
    items = []
    for article in articles:
        text = article.translations[channel.lang]
        item: dict[str, object] = {
            "id": channel.entry_id(article.id),
            "url": channel.article_url(article.id),
            "title": text.title,
            "content_html": render.body(text),
        }
        if text.summary:
            item["summary"] = text.summary
        item["date_published"] = _rfc3339(article.published)
        item["date_modified"] = _rfc3339(entry_updated(article, channel.lang))
        if text.author:
            item["authors"] = [{"name": text.author}]
        item["tags"] = [article.category]
        item["language"] = channel.lang
        items.append(item)
    document = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.page_url,
        "feed_url": channel.feed_url("json"),
        "language": channel.lang,
        "authors": [{"name": channel.host}],
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


BUILDERS = {"rss": rss, "atom": atom, "json": json_feed}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

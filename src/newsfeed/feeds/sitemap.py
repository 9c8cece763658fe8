"""The sitemap (sitemaps.org 0.9): every public article page in every language that has
its text, with its other languages as `xhtml:link rel="alternate" hreflang`, plus the
boards. Past 50,000 URLs `/sitemap.xml` becomes a sitemap index of `/sitemap-N.xml`.

Built from one light query (no bodies) and kept until the change log moves or a
scheduled article comes due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from newsfeed import model as articles
from newsfeed import urls
from newsfeed.model import SitemapRow
from newsfeed.store import Store

MAX_URLS = 50_000  # per file, as sitemaps.org allows
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True, slots=True)
class Url:
    loc: str
    lastmod: datetime | None
    alternates: tuple[tuple[str, str], ...]  # (hreflang, href), itself included


def entries(rows: Sequence[SitemapRow], base_url: str, langs: Sequence[str]) -> list[Url]:
    """The boards, then each article's page in each language it has, by number."""
    found: list[Url] = []
    newest: datetime | None = None

    def page(lang: str, article_id: int) -> str:
        return urls.absolute(base_url, urls.article(lang, article_id))

    for row in rows:
        published = datetime.fromisoformat(row.published_at)
        mine = [lang for lang in langs if lang in row.text_updated]
        default = row.original_lang if row.original_lang in mine else (mine or [""])[0]
        links = tuple((lang, page(lang, row.id)) for lang in mine)
        if len(links) > 1:
            links += (("x-default", page(default, row.id)),)
        for lang in mine:
            lastmod = max(published, datetime.fromisoformat(row.text_updated[lang]))
            newest = lastmod if newest is None else max(newest, lastmod)
            found.append(Url(page(lang, row.id), lastmod, links))
    boards = tuple((lang, urls.absolute(base_url, urls.board(lang))) for lang in langs)
    boards += (("x-default", urls.absolute(base_url, urls.root())),)
    return [Url(href, newest, boards) for _, href in boards[:-1]] + found


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def urlset(page: Sequence[Url]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">',
    ]
    for url in page:
        lines.append(f"<url><loc>{_text(url.loc)}</loc>")
        if url.lastmod is not None:
            lines.append(f"<lastmod>{_w3c(url.lastmod)}</lastmod>")
        for hreflang, href in url.alternates if len(url.alternates) > 1 else ():
            lines.append(
                f'<xhtml:link rel="alternate" hreflang={quoteattr(hreflang)} '
                f"href={quoteattr(href)}/>"
            )
        lines.append("</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def index(base_url: str, pages: Sequence[Sequence[Url]]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<sitemapindex xmlns="{SITEMAP_NS}">',
    ]
    for number, page in enumerate(pages, start=1):
        loc = urls.absolute(base_url, urls.sitemap_part(number))
        lines.append(f"<sitemap><loc>{_text(loc)}</loc>")
        newest = max((u.lastmod for u in page if u.lastmod is not None), default=None)
        if newest is not None:
            lines.append(f"<lastmod>{_w3c(newest)}</lastmod>")
        lines.append("</sitemap>")
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode()


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Sitemaps:
    """`/sitemap.xml` (file 0) and, past `per_file` URLs, `/sitemap-N.xml`."""

    def __init__(
        self,
        store: Store,
        base_url: str,
        langs: Sequence[str],
        version: Callable[[], int],
        per_file: int = MAX_URLS,
        clock: Callable[[], datetime] = articles.utcnow,
    ) -> None:
        self.per_file = per_file
        self.clock = clock
        self._store = store
        self._base = base_url
        self._langs = tuple(langs)
        self._version = version  # the change-log position: a write moves it
        self._files: list[bytes] = []
        self._built_at: int | None = None
        self._stale_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def file(self, number: int) -> bytes | None:
        """File `number` (0: the sitemap or the index), or None when there is none."""
        async with self._lock:
            if self._built_at != self._version() or (
                self._stale_at is not None and self.clock() >= self._stale_at
            ):
                await self._build()
        return self._files[number] if number < len(self._files) else None

    async def _build(self) -> None:
        seq, now = self._version(), self.clock()
        found = entries(await self._store.sitemap_rows(now), self._base, self._langs)
        self._stale_at = await self._store.next_due(now)
        pages = [found[i : i + self.per_file] for i in range(0, len(found), self.per_file)]
        if len(pages) <= 1:
            self._files = [urlset(found)]
        else:
            self._files = [index(self._base, pages), *(urlset(page) for page in pages)]
        self._built_at = seq

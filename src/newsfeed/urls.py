"""Every address newsfeed gives out, built in one place from the path templates its
routes are registered with (`web/routes.py`), so a link, a feed's `<link>`, a sitemap
entry and a `Location` can never disagree with what the router answers.

Paths are root-relative; `absolute(base_url, path)` makes the public URL. No aiohttp
here: feed building (`feeds/`) uses it too.
"""

from __future__ import annotations

from urllib.parse import quote

# The route table's path templates (aiohttp's `{name}` syntax).
ROOT = "/"
BOARD = "/{lang}/"
ARTICLE = "/{lang}/articles/{id}"
SEARCH = "/{lang}/search"
FEED = {fmt: f"/{{lang}}/feed.{fmt}" for fmt in ("rss", "atom", "json")}
ARCHIVE = "/{lang}/archive/{month}.atom"  # month: YYYY-MM
HUB = "/websub"
SITEMAP = "/sitemap.xml"
SITEMAP_PART = "/sitemap-{number}.xml"
ROBOTS = "/robots.txt"
STATIC = "/static/{name}"
API_ARTICLES = "/api/v1/articles"
API_ARTICLE = "/api/v1/articles/{id}"


# The editor's desk.
DESK_ROOT = "/desk"
DESK = "/desk/"
DESK_LOGIN = "/desk/login"
DESK_LOGOUT = "/desk/logout"
DESK_NEW = "/desk/articles/new"
DESK_ARTICLE = "/desk/articles/{id}"
DESK_DELETE = "/desk/articles/{id}/delete"
DESK_PREVIEW = "/desk/articles/{id}/preview/{lang}"
DESK_TEXT = "/desk/articles/{id}/texts/{lang}"
DESK_TEXT_DELETE = "/desk/articles/{id}/texts/{lang}/delete"
DESK_CONFIRM = "/desk/articles/{id}/texts/{lang}/confirm"
DESK_HISTORY = "/desk/articles/{id}/texts/{lang}/history"
DESK_REVISION = "/desk/articles/{id}/texts/{lang}/history/{version}"
DESK_RESTORE = "/desk/articles/{id}/texts/{lang}/history/{version}/restore"


def _query(**params: object) -> str:
    """`?a=1&b=2` of the parameters that are set, in the order given; '' for none.

    Values are percent-encoded as `urlencode(..., quote_via=quote)` would (nothing kept
    but unreserved characters); names are ours. Pages build a dozen links each, most
    without a query, so this avoids urlencode's generality."""
    parts = [
        f"{name}={quote(str(value), safe='')}"
        for name, value in params.items()
        if value not in (None, "", 1)
    ]
    return "?" + "&".join(parts) if parts else ""


def board(lang: str, page: int = 1, category: str | None = None) -> str:
    return BOARD.format(lang=lang) + _query(page=page, category=category)


def root(page: int = 1, category: str | None = None) -> str:
    """The address that picks the reader's language, with the board's query."""
    return ROOT + _query(page=page, category=category)


def article(lang: str, article_id: int) -> str:
    return ARTICLE.format(lang=lang, id=article_id)


def search(lang: str, query: str | None = None, page: int = 1) -> str:
    return SEARCH.format(lang=lang) + _query(q=query, page=page)


def feed(lang: str, fmt: str, category: str | None = None) -> str:
    return FEED[fmt].format(lang=lang) + _query(category=category)


def archive(lang: str, month: str) -> str:
    """A month's archive; `month` as `YYYY-MM`."""
    return ARCHIVE.format(lang=lang, month=month)


def sitemap_part(number: int) -> str:
    return SITEMAP_PART.format(number=number)


def static(name: str, version: str) -> str:
    return STATIC.format(name=name) + _query(v=version)


def api_article(article_id: int) -> str:
    return API_ARTICLE.format(id=article_id)


def desk(**query: str | None) -> str:
    """The desk's status board, with its filters."""
    return DESK + _query(**query)


def desk_login(next_page: str | None = None, done: str | None = None) -> str:
    return DESK_LOGIN + _query(next=next_page, done=done)


def desk_article(article_id: int, done: str | None = None) -> str:
    return DESK_ARTICLE.format(id=article_id) + _query(done=done)


def desk_delete(article_id: int, done: str | None = None) -> str:
    return DESK_DELETE.format(id=article_id) + _query(done=done)


def desk_preview(article_id: int, lang: str, done: str | None = None) -> str:
    return DESK_PREVIEW.format(id=article_id, lang=lang) + _query(done=done)


def desk_text(article_id: int, lang: str, done: str | None = None) -> str:
    return DESK_TEXT.format(id=article_id, lang=lang) + _query(done=done)


def desk_text_delete(article_id: int, lang: str, done: str | None = None) -> str:
    return DESK_TEXT_DELETE.format(id=article_id, lang=lang) + _query(done=done)


def desk_confirm(article_id: int, lang: str) -> str:
    return DESK_CONFIRM.format(id=article_id, lang=lang)


def desk_history(article_id: int, lang: str) -> str:
    return DESK_HISTORY.format(id=article_id, lang=lang)


def desk_revision(article_id: int, lang: str, version: int) -> str:
    return DESK_REVISION.format(id=article_id, lang=lang, version=version)


def desk_restore(article_id: int, lang: str, version: int) -> str:
    return DESK_RESTORE.format(id=article_id, lang=lang, version=version)


def absolute(base_url: str, path: str) -> str:
    """The public URL of a root-relative path (`NEWSFEED_BASE_URL` has no trailing /)."""
    return base_url + path

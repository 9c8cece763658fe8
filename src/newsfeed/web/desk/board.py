"""The status board: every article (public or not) with the state of each language's
text, newest first, filtered by category and by one language's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from newsfeed import problems, urls, validation
from newsfeed.auth import Role
from newsfeed.model import Article, Cursor, utcnow
from newsfeed.store import Store
from newsfeed.web.desk import pages, session
from newsfeed.web.keys import counter_key, settings_key, status_counts_key, store_key

STATES = ("missing", "stale", "current")
PER_PAGE = 50
BATCH = 200  # articles read at a time while looking for a filter's matches
SCAN = 2000  # at most this many read per page; past it the page ends early


@dataclass(frozen=True, slots=True)
class BoardQuery:
    category: str | None
    lang: str | None  # the language whose state filters; None: no state filter
    state: str | None
    after: Cursor | None

    def link(self, after: Cursor | None) -> str:
        return urls.desk(
            category=self.category,
            text_lang=self.lang,
            state=self.state,
            after=None if after is None else after.encode(),
        )


def query_of(request: web.Request, langs: tuple[str, ...]) -> BoardQuery:
    """`?category=&text_lang=&state=&after=`, checked: 400 naming every bad one."""
    errors = validation.Errors()
    given = {k: v for k, v in request.query.items() if v}  # an empty filter field: no filter
    category = validation.category_param(given)
    lang, state = given.get("text_lang"), given.get("state")
    if lang is not None and lang not in langs:
        errors.add("text_lang", f"must be one of {', '.join(langs)}")
    if state is not None and state not in STATES:
        errors.add("state", f"must be one of {', '.join(STATES)}")
    if state is not None and lang is None:  # a state needs a language: the first translated
        lang = langs[1] if len(langs) > 1 else langs[0]
    after = None
    if "after" in given:
        after = Cursor.decode(given["after"])
        if after is None:
            errors.add("after", "is not a position this board gave out")
    if errors:
        raise problems.bad_request("Some query parameters are invalid.", errors)
    return BoardQuery(category, lang, state, after)


def cell_state(article: Article, lang: str) -> str:
    """missing, stale or current: the state of one language's text of an article."""
    text = article.translations.get(lang)
    if text is None:
        return "missing"
    return "stale" if text.stale else "current"


def status_of(article: Article, now: datetime) -> str:
    """draft, scheduled or published: what readers see of it now."""
    if article.status != "published":
        return "draft"
    return "published" if article.is_public(now) else "scheduled"


async def page(store: Store, query: BoardQuery) -> tuple[list[Article], Cursor | None]:
    """One page of the board, and where the next one starts (None: the last page)."""
    if query.state is None:
        found = await store.latest(
            category=query.category, limit=PER_PAGE + 1, after=query.after, public_only=False
        )
        more = len(found) > PER_PAGE
        rows = found[:PER_PAGE]
        return rows, (Cursor(rows[-1].published_us, rows[-1].id) if more else None)
    assert query.lang is not None
    rows, scanned, position = [], 0, query.after
    while scanned < SCAN:
        batch = await store.latest(
            category=query.category,
            lang=None if query.state == "missing" else query.lang,
            limit=BATCH,
            after=position,
            public_only=False,
        )
        for article in batch:
            scanned += 1
            position = Cursor(article.published_us, article.id)
            if cell_state(article, query.lang) == query.state:
                rows.append(article)
                if len(rows) > PER_PAGE:  # one more than a page: there is a next one
                    last = rows[PER_PAGE - 1]
                    return rows[:PER_PAGE], Cursor(last.published_us, last.id)
        if len(batch) < BATCH:
            return rows, None
    return rows, position


async def board(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    pages.language_of(request)
    langs = request.app[settings_key].langs
    query = query_of(request, langs)
    store = request.app[store_key]
    rows, after = await page(store, query)
    counted = query.lang or (langs[1] if len(langs) > 1 else langs[0])
    counts = await request.app[status_counts_key].get(counted, query.category)
    hits = await request.app[counter_key].counts([a.id for a in rows])
    now = utcnow()
    return pages.render(
        request,
        "board.html",
        found,
        query=query,
        rows=rows,
        hits=hits,
        states={(a.id, lang): cell_state(a, lang) for a in rows for lang in langs},
        statuses={a.id: status_of(a, now) for a in rows},
        next_url=None if after is None else query.link(after),
        may_create=found.editor.role is Role.EDITOR,
        all_states=STATES,
        counted=counted,
        counts=counts,
    )

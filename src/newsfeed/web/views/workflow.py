"""The JSON API of the desk's overviews: the translation status board and the audit."""

from __future__ import annotations

from aiohttp import web

from newsfeed import auth, workflow_input
from newsfeed.auth import Role
from newsfeed.web.keys import counter_key, settings_key, status_counts_key, store_key
from newsfeed.web.views.http import json_response
from newsfeed.workflow import Position


async def translation_status(request: web.Request) -> web.Response:
    """Every article (public or not) with its state in one language, and the counts."""
    store = request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR, Role.TRANSLATOR)
    query = workflow_input.status_query(request.query, request.app[settings_key].langs)
    rows = await store.translation_status(
        query.lang,
        state=query.state,
        category=query.category,
        order=query.order,
        limit=query.limit + 1,  # one more tells whether there is a next page
        after=query.after,
    )
    page = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit:
        last = page[-1]
        key = last.published_us if query.order == "newest" else last.hits
        next_cursor = Position(query.order, key, last.id).encode()
    hits = await request.app[counter_key].counts([r.id for r in page])
    counts = await request.app[status_counts_key].get(query.lang, query.category)
    return json_response(
        {
            "lang": query.lang,
            "counts": counts,
            "items": [r.as_dict(hits.get(r.id)) for r in page],
            "next_cursor": next_cursor,
        }
    )


async def audit(request: web.Request) -> web.Response:
    store = request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    query = workflow_input.audit_query(request.query)
    found = await store.audit(
        article_id=query.article_id,
        editor=query.editor,
        limit=query.limit + 1,
        before=query.before,
    )
    page = found[: query.limit]
    next_cursor = None
    if len(found) > query.limit:
        next_cursor = Position("audit", page[-1].id, page[-1].id).encode()
    return json_response({"items": [e.as_dict() for e in page], "next_cursor": next_cursor})

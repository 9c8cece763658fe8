"""The JSON API under /api/v1: articles. Reads for anyone, writes for editors (texts and
the translation workflow: `texts.py`, `workflow.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web

from newsfeed import auth, editing, idempotency, problems, urls, validation
from newsfeed.auth import Role
from newsfeed.model import Article, Cursor, to_us, utcnow
from newsfeed.web.keys import counter_key, settings_key, store_key
from newsfeed.web.views.http import json_response, read_json
from newsfeed.workflow import KeptResponse


def article_id_of(request: web.Request) -> int:
    article_id = validation.positive_id(request.match_info["id"])
    if article_id is None:
        raise problems.not_found(f"There is no article {request.match_info['id']!r}.")
    return article_id


def lang_of(request: web.Request) -> str:
    lang = request.match_info["lang"]
    if lang not in request.app[settings_key].langs:
        raise problems.not_found(f"{lang!r} is not one of this site's languages.")
    return lang


def article_response(request: web.Request, article: Article, status: int = 200) -> web.Response:
    return _replay(_kept(request, article, status), replayed=False)


def _kept(request: web.Request, article: Article, status: int = 201) -> KeptResponse:
    """The answer to a write, as it is sent (and kept for an Idempotency-Key)."""
    settings = request.app[settings_key]
    location = None
    if status == 201:
        location = urls.absolute(settings.base_url, urls.api_article(article.id))
    body = json.dumps(article.as_dict(settings.langs), ensure_ascii=False, separators=(",", ":"))
    return KeptResponse(status, body, location, article.etag)


def _replay(kept: KeptResponse, replayed: bool = True) -> web.Response:
    headers = {"ETag": kept.etag} if kept.etag else {}
    if kept.location:
        headers["Location"] = kept.location
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return web.Response(
        body=kept.body.encode(),
        status=kept.status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


async def list_articles(request: web.Request) -> web.Response:
    settings, store = request.app[settings_key], request.app[store_key]
    query = validation.list_query(request.query, settings.langs)
    editor = await auth.verify(store, request.headers.get("Authorization"))
    found = await request.app[counter_key].articles(
        store.latest,
        lang=query.lang,
        category=query.category,
        limit=query.limit + 1,  # one more tells whether there is a next page
        after=query.after,
        public_only=editor is None,
    )
    page = found[: query.limit]
    next_cursor = (
        Cursor(page[-1].published_us, page[-1].id).encode() if len(found) > query.limit else None
    )
    return json_response(
        {"items": [a.as_dict(settings.langs) for a in page], "next_cursor": next_cursor}
    )


async def get_article(request: web.Request) -> web.Response:
    store = request.app[store_key]
    article_id = article_id_of(request)
    editor = await auth.verify(store, request.headers.get("Authorization"))
    article = await request.app[counter_key].article(
        store.article, article_id, public_only=editor is None
    )
    if article is None:
        raise problems.not_found(f"There is no article {article_id}.")
    inm = request.headers.get("If-None-Match")
    if inm is not None and (inm.strip() == "*" or article.etag in _tags(inm)):
        return web.Response(status=304, headers={"ETag": article.etag})
    return article_response(request, article)


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


async def create_article(request: web.Request) -> web.Response:
    """With an Idempotency-Key, the key is reserved before the create and its answer kept
    with the article (see idempotency.py); a retry gets that answer back."""
    settings, store = request.app[settings_key], request.app[store_key]
    editor = await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    data = await read_json(request)
    new = validation.new_article(data, settings.langs)
    if key is None:
        article = await editing.create(store, new, settings.langs, editor=editor.name)
        return article_response(request, article, 201)
    digest = idempotency.fingerprint(data)
    started = await idempotency.begin(
        store, editor.name, key, digest, to_us(utcnow()), lambda a: _kept(request, a)
    )
    if isinstance(started, KeptResponse):
        return _replay(started)
    try:
        article = await editing.create(
            store, new, settings.langs, editor=editor.name, pending=started
        )
    except BaseException:
        with contextlib.suppress(Exception):  # else it is taken over once abandoned
            await asyncio.shield(started.release(store))
        raise
    return article_response(request, article, 201)


async def patch_article(request: web.Request) -> web.Response:
    settings, store = request.app[settings_key], request.app[store_key]
    editor = await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    article_id = article_id_of(request)
    if_match = validation.if_match(request.headers.get("If-Match"))
    changes = validation.article_patch(await read_json(request), settings.langs)
    article = await editing.patch(store, article_id, changes, if_match, editor=editor.name)
    return article_response(request, article)


async def delete_article(request: web.Request) -> web.Response:
    store = request.app[store_key]
    editor = await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    article_id = article_id_of(request)
    if_match = validation.if_match(request.headers.get("If-Match"))
    await editing.delete(store, article_id, if_match, editor=editor.name)
    return web.Response(status=204)


async def count_hit(request: web.Request) -> web.Response:
    article_id = article_id_of(request)
    hits = await request.app[counter_key].hit(article_id)
    if hits is None:
        raise problems.not_found(f"There is no article {article_id}.")
    return json_response({"id": article_id, "hits": hits})


async def openapi_document(request: web.Request) -> web.Response:
    from newsfeed.web import openapi

    return json_response(openapi.document(request.app[settings_key]))

"""The JSON API under /api/v1: reads for anyone, writes for editors and translators."""

from __future__ import annotations

from aiohttp import web

from newsfeed import auth, editing, problems, urls, validation
from newsfeed.auth import Role
from newsfeed.model import Article, Cursor
from newsfeed.web.keys import counter_key, settings_key, store_key
from newsfeed.web.views.http import json_response, read_json


def _article_id(request: web.Request) -> int:
    article_id = validation.positive_id(request.match_info["id"])
    if article_id is None:
        raise problems.not_found(f"There is no article {request.match_info['id']!r}.")
    return article_id


def _lang(request: web.Request) -> str:
    lang = request.match_info["lang"]
    if lang not in request.app[settings_key].langs:
        raise problems.not_found(f"{lang!r} is not one of this site's languages.")
    return lang


def _article_response(request: web.Request, article: Article, status: int = 200) -> web.Response:
    settings = request.app[settings_key]
    headers = {"ETag": article.etag}
    if status == 201:
        headers["Location"] = urls.absolute(settings.base_url, urls.api_article(article.id))
    return json_response(article.as_dict(settings.langs), status, headers)


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
    article_id = _article_id(request)
    editor = await auth.verify(store, request.headers.get("Authorization"))
    article = await request.app[counter_key].article(
        store.article, article_id, public_only=editor is None
    )
    if article is None:
        raise problems.not_found(f"There is no article {article_id}.")
    inm = request.headers.get("If-None-Match")
    if inm is not None and (inm.strip() == "*" or article.etag in _tags(inm)):
        return web.Response(status=304, headers={"ETag": article.etag})
    return _article_response(request, article)


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


async def create_article(request: web.Request) -> web.Response:
    settings, store = request.app[settings_key], request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    new = validation.new_article(await read_json(request), settings.langs)
    article = await editing.create(store, new, settings.langs)
    return _article_response(request, article, 201)


async def patch_article(request: web.Request) -> web.Response:
    settings, store = request.app[settings_key], request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    article_id = _article_id(request)
    if_match = validation.if_match(request.headers.get("If-Match"))
    changes = validation.article_patch(await read_json(request), settings.langs)
    article = await editing.patch(store, article_id, changes, if_match)
    return _article_response(request, article)


async def delete_article(request: web.Request) -> web.Response:
    store = request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    article_id = _article_id(request)
    await editing.delete(store, article_id, validation.if_match(request.headers.get("If-Match")))
    return web.Response(status=204)


async def put_translation(request: web.Request) -> web.Response:
    store = request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR, Role.TRANSLATOR)
    article_id, lang = _article_id(request), _lang(request)
    if_match = validation.if_match(request.headers.get("If-Match"))
    text = validation.text(await read_json(request))
    article, created = await editing.put_translation(store, article_id, lang, text, if_match)
    return _article_response(request, article, 201 if created else 200)


async def delete_translation(request: web.Request) -> web.Response:
    settings, store = request.app[settings_key], request.app[store_key]
    await auth.require(store, request.headers.get("Authorization"), Role.EDITOR)
    article_id, lang = _article_id(request), _lang(request)
    if_match = validation.if_match(request.headers.get("If-Match"))
    await editing.delete_translation(store, article_id, lang, if_match, settings.langs)
    return web.Response(status=204)


async def count_hit(request: web.Request) -> web.Response:
    article_id = _article_id(request)
    hits = await request.app[counter_key].hit(article_id)
    if hits is None:
        raise problems.not_found(f"There is no article {article_id}.")
    return json_response({"id": article_id, "hits": hits})


async def openapi_document(request: web.Request) -> web.Response:
    from newsfeed.web import openapi

    return json_response(openapi.document(request.app[settings_key]))

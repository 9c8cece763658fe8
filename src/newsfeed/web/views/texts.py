"""The JSON API of one language's text: read, write, delete, confirm, the source diff,
revisions and restore. Writes answer the whole article, as every article write does."""

from __future__ import annotations

from aiohttp import web

from newsfeed import auth, problems, translating, validation, workflow_input
from newsfeed.auth import Editor, Role
from newsfeed.model import Article
from newsfeed.web.keys import settings_key, store_key
from newsfeed.web.views.api import article_id_of, article_response, lang_of
from newsfeed.web.views.http import json_response, read_json, read_optional_json


async def _writer(request: web.Request, lang: str, *roles: Role) -> Editor:
    """The editor, who may write texts in `lang` (401, 403)."""
    editor = await auth.require(
        request.app[store_key], request.headers.get("Authorization"), *roles
    )
    auth.require_lang(editor, lang)
    return editor


async def _reader(request: web.Request) -> Editor:
    """Any valid token (401 without)."""
    return await auth.require(
        request.app[store_key], request.headers.get("Authorization"), Role.EDITOR, Role.TRANSLATOR
    )


async def _article(request: web.Request, article_id: int, public_only: bool) -> Article:
    found = await request.app[store_key].article(article_id, public_only=public_only)
    if found is None:
        raise problems.not_found(f"There is no article {article_id}.")
    return found


def _version_of(request: web.Request) -> int:
    version = validation.positive_id(request.match_info["version"])
    if version is None:
        raise problems.not_found(f"There is no version {request.match_info['version']!r}.")
    return version


async def get_text(request: web.Request) -> web.Response:
    """Public for a public article; any valid token sees the others too."""
    article_id, lang = article_id_of(request), lang_of(request)
    editor = await auth.verify(request.app[store_key], request.headers.get("Authorization"))
    article = await _article(request, article_id, public_only=editor is None)
    text = article.translations.get(lang)
    if text is None:
        raise problems.not_found(f"Article {article_id} has no text in {lang!r}.")
    body = {"article": article_id, "lang": lang, "original_lang": article.original_lang}
    return json_response(body | text.as_dict(article_id), headers={"ETag": text.etag(article_id)})


async def put_text(request: web.Request) -> web.Response:
    article_id, lang = article_id_of(request), lang_of(request)
    editor = await _writer(request, lang, Role.EDITOR, Role.TRANSLATOR)
    if_match = validation.if_match(request.headers.get("If-Match"))
    put = workflow_input.text_put(await read_json(request))
    article, created = await translating.put(
        request.app[store_key],
        article_id,
        lang,
        put.text,
        if_match,
        editor=editor.name,
        source_version=put.source_version,
        minor=put.minor,
    )
    return article_response(request, article, 201 if created else 200)


async def delete_text(request: web.Request) -> web.Response:
    article_id, lang = article_id_of(request), lang_of(request)
    editor = await _writer(request, lang, Role.EDITOR)
    if_match = validation.if_match(request.headers.get("If-Match"))
    langs = request.app[settings_key].langs
    await translating.delete(
        request.app[store_key], article_id, lang, if_match, langs, editor=editor.name
    )
    return web.Response(status=204)


async def confirm(request: web.Request) -> web.Response:
    article_id, lang = article_id_of(request), lang_of(request)
    editor = await _writer(request, lang, Role.EDITOR, Role.TRANSLATOR)
    if_match = validation.if_match(request.headers.get("If-Match"))
    source_version = workflow_input.confirmation(await read_optional_json(request))
    article = await translating.confirm(
        request.app[store_key],
        article_id,
        lang,
        if_match,
        editor=editor.name,
        source_version=source_version,
    )
    return article_response(request, article)


async def source_diff(request: web.Request) -> web.Response:
    article_id, lang = article_id_of(request), lang_of(request)
    await _reader(request)
    article = await _article(request, article_id, public_only=False)
    if lang not in article.translations:
        raise problems.not_found(f"Article {article_id} has no text in {lang!r}.")
    return json_response(await translating.source_diff(request.app[store_key], article, lang))


async def list_revisions(request: web.Request) -> web.Response:
    article_id, lang = article_id_of(request), lang_of(request)
    await _reader(request)
    found = await request.app[store_key].revisions(article_id, lang)
    if not found:
        raise problems.not_found(f"Article {article_id} has no {lang!r} text, nor had one.")
    return json_response(
        {"article": article_id, "lang": lang, "items": [r.summary_dict() for r in found]}
    )


async def get_revision(request: web.Request) -> web.Response:
    article_id, lang, version = article_id_of(request), lang_of(request), _version_of(request)
    await _reader(request)
    found = await request.app[store_key].revision(article_id, lang, version)
    if found is None:
        raise problems.not_found(
            f"The {lang!r} text of article {article_id} has no version {version}."
        )
    return json_response({"article": article_id} | found.as_dict())


async def restore(request: web.Request) -> web.Response:
    article_id, lang, version = article_id_of(request), lang_of(request), _version_of(request)
    editor = await _writer(request, lang, Role.EDITOR, Role.TRANSLATOR)
    if_match = validation.if_match(request.headers.get("If-Match"))
    article, created = await translating.restore(
        request.app[store_key], article_id, lang, version, if_match, editor=editor.name
    )
    return article_response(request, article, 201 if created else 200)

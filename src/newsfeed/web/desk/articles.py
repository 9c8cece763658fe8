"""Articles on the desk: create one, change its settings, delete it, preview it.

Each write is the API's: the form becomes the JSON body the API would get, checked by
`validation.py`, written by `editing.py` under the form's version as `If-Match`. A form
based on an older version answers 409 with the editor's values kept beside the current
ones; invalid values answer 422 (409 for a slug taken) with each error by its field.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from newsfeed import editing, problems, render, urls, validation
from newsfeed.auth import Role, permit, require_lang
from newsfeed.model import Article, utcnow
from newsfeed.web.desk import forms, messages, pages, session
from newsfeed.web.desk.board import cell_state, status_of
from newsfeed.web.desk.session import DeskSession
from newsfeed.web.keys import desk_drafts_key, languages_key, settings_key, store_key
from newsfeed.web.views import site

NEW_DEFAULTS = {"status": "draft", "category": "", "slug": "", "published_at": ""}


async def article_of(request: web.Request) -> Article:
    """The article the path names, public or not; 404 when there is none."""
    article_id = validation.positive_id(request.match_info["id"])
    found = None
    if article_id is not None:
        found = await request.app[store_key].article(article_id, public_only=False)
    if found is None:
        raise problems.not_found(f"There is no article {request.match_info['id']!r}.")
    return found


def lang_of(request: web.Request) -> str:
    lang = request.match_info["lang"]
    if lang not in request.app[settings_key].langs:
        raise problems.not_found(f"{lang!r} is not one of this site's languages.")
    return lang


async def posted(
    request: web.Request, *roles: Role, lang: str | None = None
) -> tuple[DeskSession, dict[str, str]]:
    """A desk form POST: the session (else 303 to the login), its form token (else 403),
    the role and, for a text, the editor's languages (else 403), then the fields.
    Nothing is written before all of these."""
    found = await session.current(request)
    if found is None:
        raise await _kept_for_later(request)
    form = await forms.read(request)
    session.check_form_token(found, form)
    permit(found.editor, *roles)
    if lang is not None:
        require_lang(found.editor, lang)
    return found, {name: form.get(name, "") for name in form}


# Forms whose page is at their own address: what they carried is kept across a login.
DRAFTABLE = frozenset({"desk-create", "desk-settings", "desk-text-save"})


async def _kept_for_later(request: web.Request) -> web.HTTPSeeOther:
    """The 303 to the login page for a form sent without a session, keeping what it
    carried for its page when that is a form the editor typed into."""
    redirect = pages.see_other(session.login_url(request))
    if request.match_info.route.name in DRAFTABLE:
        form = await forms.read(request)
        secure = request.app[settings_key].base_url.startswith("https:")
        request.app[desk_drafts_key].keep(redirect, request.path, dict(form), secure)
    return redirect


def restore(request: web.Request) -> dict[str, str] | None:
    """What this browser typed into this page's form before its session ended."""
    return request.app[desk_drafts_key].take(request)


# --- create --------------------------------------------------------------------------


def _new_page(
    request: web.Request,
    found: DeskSession,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
    restored: bool = False,
) -> web.Response:
    return pages.render(
        request,
        "new.html",
        found,
        status=status,
        restored=restored,
        values=values,
        errors=errors or {},
    )


async def new_form(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    permit(found.editor, Role.EDITOR)
    values = {**NEW_DEFAULTS, **forms.text_values({}), "lang": pages.language_of(request).code}
    kept = restore(request)
    return _new_page(request, found, {**values, **(kept or {})}, restored=kept is not None)


async def create(request: web.Request) -> web.StreamResponse:
    found, values = await posted(request, Role.EDITOR)
    settings = request.app[settings_key]
    try:
        new = validation.new_article(
            forms.new_article_body(values, settings.timezone), settings.langs
        )
        article = await editing.create(
            request.app[store_key], new, settings.langs, editor=found.editor.name
        )
    except problems.Problem as problem:
        if not problem.errors:
            raise
        language = pages.language_of(request)
        errors = messages.field_errors(language, problem.errors, values)
        return _new_page(request, found, values, errors, problem.status)
    raise pages.see_other(urls.desk_article(article.id, done="created"))


# --- settings ------------------------------------------------------------------------


def _article_page(
    request: web.Request,
    found: DeskSession,
    article: Article,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    conflict: bool = False,
    version: str | None = None,
    restored: bool = False,
) -> web.Response:
    timezone = request.app[settings_key].timezone
    current = forms.settings_values_of(article, timezone)
    language = pages.language_of(request)
    langs = request.app[settings_key].langs
    return pages.render(
        request,
        "article.html",
        found,
        status=status,
        restored=restored,
        version=version or article.etag,
        article=article,
        title=article.text_for(language.code, langs).title,
        shown_status=status_of(article, utcnow()),
        states={lang: cell_state(article, lang) for lang in langs},
        original_options=[
            (code, other.name_in(language))
            for code, other in request.app[languages_key].items()
            if code in article.translations
        ],
        values=values or current,
        current=current,
        errors=errors or {},
        conflict=conflict,
        may_edit=found.editor.role is Role.EDITOR,
    )


async def show(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    article, kept = await article_of(request), restore(request)
    if kept is None:
        return _article_page(request, found, article)
    values = {**forms.settings_values_of(article, request.app[settings_key].timezone)}
    values.update((k, v) for k, v in kept.items() if k in forms.SETTINGS_FIELDS)
    version = kept.get(forms.VERSION_FIELD)
    return _article_page(request, found, article, values, version=version, restored=True)


async def save_settings(request: web.Request) -> web.StreamResponse:
    found, values = await posted(request, Role.EDITOR)
    settings, store = request.app[settings_key], request.app[store_key]
    article = await article_of(request)
    if_match = forms.if_match(values)
    shown = forms.settings_values_of(article, settings.timezone)
    body = forms.settings_changes(values, shown, settings.timezone)
    if not body:
        raise pages.see_other(urls.desk_article(article.id, done="unchanged"))
    try:
        changes = validation.article_patch(body, settings.langs)
        await editing.patch(store, article.id, changes, if_match, editor=found.editor.name)
    except problems.Problem as problem:
        if problem.status == 412:  # based on an older version: both, side by side
            now = await article_of(request)
            return _article_page(request, found, now, values, status=409, conflict=True)
        if not problem.errors:
            raise
        errors = messages.field_errors(pages.language_of(request), problem.errors, values)
        return _article_page(request, found, article, values, errors, problem.status)
    raise pages.see_other(urls.desk_article(article.id, done="saved"))


# --- delete --------------------------------------------------------------------------


def _delete_page(
    request: web.Request, found: DeskSession, article: Article, status: int = 200
) -> web.Response:
    langs = request.app[settings_key].langs
    return pages.render(
        request,
        "delete.html",
        found,
        status=status,
        article=article,
        title=article.text_for(pages.language_of(request).code, langs).title,
        lang_to_delete=None,
        changed=status == 409,
    )


async def delete_form(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    permit(found.editor, Role.EDITOR)
    return _delete_page(request, found, await article_of(request))


async def delete(request: web.Request) -> web.StreamResponse:
    found, values = await posted(request, Role.EDITOR)
    article = await article_of(request)
    try:
        await editing.delete(
            request.app[store_key], article.id, forms.if_match(values), editor=found.editor.name
        )
    except problems.Problem as problem:
        if problem.status != 412:
            raise
        return _delete_page(request, found, await article_of(request), status=409)
    raise pages.see_other(urls.desk(done="deleted"))


# --- preview -------------------------------------------------------------------------


async def preview(request: web.Request) -> web.StreamResponse:
    """The article as readers of `lang` will see it, marked as a preview: not indexed,
    not counted as a view, and shown whether it is public or not."""
    found = await session.require(request)
    article = await article_of(request)
    language = request.app[languages_key][lang_of(request)]
    text = article.text_for(language.code, request.app[languages_key].codes)
    context: dict[str, Any] = site.context(
        request,
        language,
        lambda code: urls.article(code, article.id),
        canonical=None,
        alternates=[],
        article=article,
        text=text,
        body=render.body(text),
        hits_text=language.views(article.hits),
        shown_status=status_of(article, utcnow()),
        desk=found,
    )
    response = aiohttp_jinja2.render_template("desk/preview.html", request, context)
    response.headers.update(pages.HEADERS)
    response.headers["Content-Language"] = language.code
    return response

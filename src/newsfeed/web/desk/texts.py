"""One language's text on the desk: the side-by-side editor, saving, confirming,
deleting.

The editor shows the original (read-only) beside the text being written and, when the
text is stale, what changed in the original since it was translated. Saving is the
API's `PUT .../translations/{lang}`: the same check (`workflow_input.text_put`), the
same write (`translating.put`) under the text's version (its ETag) as `If-Match`, with
the original's version the translator saw as `source_version`. A form based on an older
version answers 409 with the text as it is now beside what the editor typed, which
stays in the form, so nothing is lost; saving again then writes it over the new one.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from newsfeed import problems, translating, urls, workflow_input
from newsfeed.auth import Role, permit
from newsfeed.model import Article, Text
from newsfeed.web.desk import forms, messages, pages, session
from newsfeed.web.desk.articles import article_of, lang_of, posted, restore
from newsfeed.web.desk.board import cell_state
from newsfeed.web.desk.session import DeskSession
from newsfeed.web.keys import settings_key, store_key

SOURCE_FIELD = "source_version"
MINOR_FIELD = "minor"


def text_version(article: Article, lang: str) -> str:
    """What a form on this text sends as `If-Match`: the text's own ETag (a write to
    another language meanwhile is no conflict), or the article's for a text not yet
    written."""
    text = article.translations.get(lang)
    return article.etag if text is None else text.etag(article.id)


def _source_version(article: Article, lang: str) -> str:
    """The original's version the editor sees beside the text ('' for the original)."""
    original = article.translations.get(article.original_lang)
    if lang == article.original_lang or original is None:
        return ""
    return str(original.version)


async def _editor_page(
    request: web.Request,
    found: DeskSession,
    article: Article,
    lang: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    conflict: bool = False,
    form: dict[str, str] | None = None,
    restored: bool = False,
) -> web.Response:
    """The editor; `form` holds the hidden fields and checkbox of the form as sent (kept
    when it comes back with errors), else they are this article's as it is now."""
    text = article.translations.get(lang)
    original = None
    if lang != article.original_lang:
        original = article.translations.get(article.original_lang)
    diff: dict[str, Any] | None = None
    if text is not None and text.stale:
        diff = await translating.source_diff(request.app[store_key], article, lang)
    sent = form or {}
    return pages.render(
        request,
        "text.html",
        found,
        status=status,
        restored=restored,
        article=article,
        text_lang=lang,
        text=text,
        original=original,
        state=cell_state(article, lang),
        values=values or forms.text_values_of(text),
        current=forms.text_values_of(text),
        errors=errors or {},
        conflict=conflict,
        version=sent.get(forms.VERSION_FIELD) or text_version(article, lang),
        source_version=sent.get(SOURCE_FIELD, _source_version(article, lang)),
        minor=MINOR_FIELD in sent,
        confirm_source=_source_version(article, lang),
        diff=diff,
        may_write=found.editor.may_write(lang),
        may_delete=found.editor.role is Role.EDITOR and text is not None,
    )


async def edit(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    lang, article, kept = lang_of(request), await article_of(request), restore(request)
    if kept is None:
        return await _editor_page(request, found, article, lang)
    typed = forms.text_values(kept)
    return await _editor_page(request, found, article, lang, typed, form=kept, restored=True)


def _put_body(typed: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    """The PUT body the form stands for: the text, how it was made."""
    body: dict[str, Any] = {**typed, MINOR_FIELD: MINOR_FIELD in values}
    source = values.get(SOURCE_FIELD, "")
    if source:
        body[SOURCE_FIELD] = int(source) if source.isascii() and source.isdigit() else source
    return body


async def save(request: web.Request) -> web.StreamResponse:
    lang = lang_of(request)
    found, values = await posted(request, Role.EDITOR, Role.TRANSLATOR, lang=lang)
    article = await article_of(request)
    if_match = forms.if_match(values)
    typed = forms.text_values(values)
    try:
        put = workflow_input.text_put(_put_body(typed, values))
        if put.text == _stored(article, lang):
            raise pages.see_other(urls.desk_text(article.id, lang, done="unchanged"))
        await translating.put(
            request.app[store_key],
            article.id,
            lang,
            put.text,
            if_match,
            editor=found.editor.name,
            source_version=put.source_version,
            minor=put.minor,
        )
    except problems.Problem as problem:
        if problem.status == 412:  # based on an older version: both, side by side
            now = await article_of(request)
            fresh = {k: v for k, v in values.items() if k != forms.VERSION_FIELD}
            return await _editor_page(
                request, found, now, lang, typed, status=409, conflict=True, form=fresh
            )
        if not problem.errors:
            raise
        errors = messages.field_errors(pages.language_of(request), problem.errors, typed)
        return await _editor_page(
            request, found, article, lang, typed, errors, problem.status, form=values
        )
    raise pages.see_other(urls.desk_text(article.id, lang, done="saved"))


def _stored(article: Article, lang: str) -> Text | None:
    text = article.translations.get(lang)
    if text is None:
        return None
    return Text(text.title, text.summary, text.body, text.author)


async def confirm(request: web.Request) -> web.StreamResponse:
    """Mark a stale text as up to date with the original's version shown beside it."""
    lang = lang_of(request)
    found, values = await posted(request, Role.EDITOR, Role.TRANSLATOR, lang=lang)
    article = await article_of(request)
    if_match = forms.if_match(values)
    source = values.get(SOURCE_FIELD, "")
    wanted = {SOURCE_FIELD: int(source)} if source.isascii() and source.isdigit() else None
    try:
        await translating.confirm(
            request.app[store_key],
            article.id,
            lang,
            if_match,
            editor=found.editor.name,
            source_version=workflow_input.confirmation(wanted),
        )
    except problems.Problem as problem:
        if problem.status != 412:
            raise
        now = await article_of(request)
        return await _editor_page(request, found, now, lang, status=409, conflict=True)
    raise pages.see_other(urls.desk_text(article.id, lang, done="confirmed"))


# --- delete --------------------------------------------------------------------------


def _delete_page(
    request: web.Request,
    found: DeskSession,
    article: Article,
    lang: str,
    status: int = 200,
) -> web.Response:
    langs = request.app[settings_key].langs
    return pages.render(
        request,
        "delete.html",
        found,
        status=status,
        article=article,
        title=article.text_for(lang, langs).title,
        lang_to_delete=lang,
        changed=status == 409 and len(article.translations) > 1,
        last=len(article.translations) == 1,
    )


async def delete_form(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    permit(found.editor, Role.EDITOR)
    lang, article = lang_of(request), await article_of(request)
    if lang not in article.translations:
        raise problems.not_found(f"Article {article.id} has no text in {lang!r}.")
    return _delete_page(request, found, article, lang)


async def delete(request: web.Request) -> web.StreamResponse:
    lang = lang_of(request)
    found, values = await posted(request, Role.EDITOR, lang=lang)
    article = await article_of(request)
    settings = request.app[settings_key]
    try:
        await translating.delete(
            request.app[store_key],
            article.id,
            lang,
            forms.if_match(values),
            settings.langs,
            editor=found.editor.name,
        )
    except problems.Problem as problem:
        if problem.status not in (409, 412):  # changed meanwhile, or the last text
            raise
        return _delete_page(request, found, await article_of(request), lang, status=409)
    raise pages.see_other(urls.desk_article(article.id, done="text-deleted"))

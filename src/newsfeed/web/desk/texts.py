"""One language's text on the desk: the side-by-side editor, saving, deleting.

The editor shows the original (read-only) beside the text being written. Saving is the
API's `PUT .../translations/{lang}`: the same check (`validation.text`), the same write
(`editing.put_translation`) under the form's version as `If-Match`. A form based on an
older version answers 409 with the text as it is now beside what the editor typed, which
stays in the form, so nothing is lost; saving again then writes it over the new one.
"""

from __future__ import annotations

from aiohttp import web

from newsfeed import editing, problems, urls, validation
from newsfeed.auth import Role, permit
from newsfeed.model import Article, Text
from newsfeed.web.desk import forms, messages, pages, session
from newsfeed.web.desk.articles import article_of, lang_of, posted, restore
from newsfeed.web.desk.board import cell_state
from newsfeed.web.desk.session import DeskSession
from newsfeed.web.keys import settings_key, store_key


def _editor_page(
    request: web.Request,
    found: DeskSession,
    article: Article,
    lang: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    conflict: bool = False,
    version: str | None = None,
    restored: bool = False,
) -> web.Response:
    text = article.translations.get(lang)
    original = None
    if lang != article.original_lang:
        original = article.translations.get(article.original_lang)
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
        version=version or article.etag,
        may_delete=found.editor.role is Role.EDITOR and text is not None,
    )


async def edit(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    lang, article, kept = lang_of(request), await article_of(request), restore(request)
    if kept is None:
        return _editor_page(request, found, article, lang)
    version = kept.get(forms.VERSION_FIELD)
    typed = forms.text_values(kept)
    return _editor_page(request, found, article, lang, typed, version=version, restored=True)


async def save(request: web.Request) -> web.StreamResponse:
    found, values = await posted(request, Role.EDITOR, Role.TRANSLATOR)
    lang = lang_of(request)
    article = await article_of(request)
    if_match = forms.if_match(values)
    typed = forms.text_values(values)
    try:
        text = validation.text(typed)
        if text == _stored(article, lang):
            raise pages.see_other(urls.desk_text(article.id, lang, done="unchanged"))
        await editing.put_translation(request.app[store_key], article.id, lang, text, if_match)
    except problems.Problem as problem:
        if problem.status == 412:  # based on an older version: both, side by side
            now = await article_of(request)
            return _editor_page(request, found, now, lang, typed, status=409, conflict=True)
        if not problem.errors:
            raise
        errors = messages.field_errors(pages.language_of(request), problem.errors, typed)
        return _editor_page(request, found, article, lang, typed, errors, problem.status)
    raise pages.see_other(urls.desk_text(article.id, lang, done="saved"))


def _stored(article: Article, lang: str) -> Text | None:
    text = article.translations.get(lang)
    if text is None:
        return None
    return Text(text.title, text.summary, text.body, text.author)


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
    found, values = await posted(request, Role.EDITOR)
    lang, article = lang_of(request), await article_of(request)
    settings = request.app[settings_key]
    try:
        await editing.delete_translation(
            request.app[store_key], article.id, lang, forms.if_match(values), settings.langs
        )
    except problems.Problem as problem:
        if problem.status not in (409, 412):  # changed meanwhile, or the last text
            raise
        return _delete_page(request, found, await article_of(request), lang, status=409)
    raise pages.see_other(urls.desk_article(article.id, done="text-deleted"))

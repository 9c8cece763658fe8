"""The revision history of one text on the desk, and restoring a version.

Every write of a text is kept as a revision (store rule 6); the list is the API's
`GET .../revisions`, the restore is `translating.restore`, the API's own, under the
text's version as `If-Match`: restoring from a page that an edit has overtaken answers
409 with the page shown again as it is now.
"""

from __future__ import annotations

from aiohttp import web

from newsfeed import problems, translating, urls, validation
from newsfeed.auth import Role
from newsfeed.model import Article
from newsfeed.web.desk import forms, pages, session
from newsfeed.web.desk.articles import article_of, lang_of, posted
from newsfeed.web.desk.session import DeskSession
from newsfeed.web.desk.texts import text_version
from newsfeed.web.keys import store_key
from newsfeed.workflow import Revision


def _version_of(request: web.Request) -> int:
    version = validation.positive_id(request.match_info["version"])
    if version is None:
        raise problems.not_found(f"There is no version {request.match_info['version']!r}.")
    return version


async def history(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    lang, article = lang_of(request), await article_of(request)
    revisions = await request.app[store_key].revisions(article.id, lang)
    if not revisions:
        raise problems.not_found(f"Article {article.id} has no {lang!r} text, nor had one.")
    return pages.render(
        request, "history.html", found, article=article, text_lang=lang, revisions=revisions
    )


async def _revision_page(
    request: web.Request,
    found: DeskSession,
    article: Article,
    revision: Revision,
    status: int = 200,
) -> web.Response:
    current = article.translations.get(revision.lang)
    return pages.render(
        request,
        "revision.html",
        found,
        status=status,
        article=article,
        text_lang=revision.lang,
        revision=revision,
        is_current=current is not None and current.version == revision.version,
        version=text_version(article, revision.lang),
        changed=status == 409,
        may_write=found.editor.may_write(revision.lang),
    )


async def _revision(request: web.Request, article: Article, lang: str) -> Revision:
    version = _version_of(request)
    found = await request.app[store_key].revision(article.id, lang, version)
    if found is None:
        raise problems.not_found(f"The {lang!r} text of {article.id} has no version {version}.")
    return found


async def revision(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    lang, article = lang_of(request), await article_of(request)
    return await _revision_page(request, found, article, await _revision(request, article, lang))


async def restore(request: web.Request) -> web.StreamResponse:
    lang = lang_of(request)
    found, values = await posted(request, Role.EDITOR, Role.TRANSLATOR, lang=lang)
    article = await article_of(request)
    old = await _revision(request, article, lang)
    try:
        await translating.restore(
            request.app[store_key],
            article.id,
            lang,
            old.version,
            forms.if_match(values),
            editor=found.editor.name,
        )
    except problems.Problem as problem:
        if problem.status != 412:
            raise
        return await _revision_page(request, found, await article_of(request), old, 409)
    raise pages.see_other(urls.desk_text(article.id, lang, done="restored"))

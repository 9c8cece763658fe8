"""What every desk page shares: its language, its layout's context, its headers, and
the desk's error page.

The desk's language: `?lang=CODE` on any desk page (the language links do that), kept
in a cookie for the pages that follow; else the cookie; else `Accept-Language`. Desk
pages are private: `Cache-Control: no-store`, never indexed, never shared with other
origins (no CORS headers are ever added here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from babel.dates import format_datetime

from newsfeed import problems, urls
from newsfeed.i18n import Language
from newsfeed.web.desk import PATH, drafts, messages
from newsfeed.web.desk.drafts import Drafts
from newsfeed.web.desk.ratelimit import LoginLimiter
from newsfeed.web.desk.session import DeskSession
from newsfeed.web.guard import ErrorPage, section_pages_key
from newsfeed.web.keys import (
    assets_key,
    desk_drafts_key,
    desk_limiter_key,
    languages_key,
    settings_key,
)

LANG_COOKIE = "nf_desk_lang"
LANG_COOKIE_AGE = 365 * 86_400
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Vary": "Accept-Language, Cookie",
}


def _chosen(request: web.Request, strict: bool = True) -> tuple[Language, bool]:
    """The page's language, and whether `?lang=` chose it (then it is remembered). A
    `?lang=` that is no language of the site is a 400, or ignored when not `strict`."""
    languages = request.app[languages_key]
    asked = request.query.get("lang")
    if asked is not None and (asked in languages or strict):
        if asked not in languages:
            raise problems.bad_request(f"lang must be one of {', '.join(languages.codes)}.")
        return languages[asked], True
    kept = request.cookies.get(LANG_COOKIE, "")
    if kept in languages:
        return languages[kept], False
    return languages[languages.negotiate(request.headers.get("Accept-Language"))], False


def language_of(request: web.Request) -> Language:
    return _chosen(request)[0]


def switch_url(request: web.Request, code: str) -> str:
    """This page in another language: its address with `lang` set."""
    query = [(k, v) for k, v in request.query.items() if k not in ("lang", "done")]
    return f"{request.path}?{urlencode([*query, ('lang', code)])}"


def _when(language: Language, moment: str) -> str:
    """A stored time as the desk shows it: date and time in the site's time zone."""
    local = datetime.fromisoformat(moment).astimezone(language.tz)
    return format_datetime(local, "medium", tzinfo=language.tz, locale=language.locale)


def context(request: web.Request, session: DeskSession | None, **extra: Any) -> dict[str, Any]:
    language = extra.pop("language", None) or language_of(request)
    languages = request.app[languages_key]
    return {
        "language": language,
        "lang": language.code,
        "languages": languages,
        "desk": session,
        "static": request.app[assets_key].url,
        "url": urls,
        "switch": [(other, switch_url(request, code)) for code, other in languages.items()],
        "timezone": request.app[settings_key].timezone,
        "done": request.query.get("done"),
        "label": lambda field: messages.label(language, field),
        "when": lambda moment: _when(language, moment),
        **extra,
    }


def render(
    request: web.Request,
    name: str,
    session: DeskSession | None,
    status: int = 200,
    restored: bool = False,
    **extra: Any,
) -> web.Response:
    """A desk page in its language, with the desk's headers. `restored`: its form holds
    what the editor typed before logging in again (said on the page; kept no longer)."""
    language, remember = _chosen(request, strict=False)
    ctx = context(request, session, language=language, restored=restored, **extra)
    response = aiohttp_jinja2.render_template(f"desk/{name}", request, ctx, status=status)
    response.headers.update(HEADERS)
    response.headers["Content-Language"] = language.code
    if restored:
        drafts.forget(response)
    if remember:
        response.set_cookie(
            LANG_COOKIE,
            language.code,
            path=PATH,
            max_age=LANG_COOKIE_AGE,
            httponly=True,
            samesite="Strict",
            secure=request.app[settings_key].base_url.startswith("https:"),
        )
    return response


def setup(app: web.Application) -> None:
    """The login limiter, and the desk's own error pages for every path under /desk/."""
    app[desk_limiter_key] = LoginLimiter()
    app[desk_drafts_key] = Drafts()
    sections: dict[str, ErrorPage] = {urls.DESK: error_page}
    app[section_pages_key] = sections


def see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location, headers={"Cache-Control": "no-store"})


async def error_page(request: web.Request, problem: problems.Problem) -> web.StreamResponse:
    """Errors under /desk/ as a desk page in the desk's language, with their status;
    nothing of the request is changed (every write raises before it commits)."""
    response = render(
        request, "error.html", None, status=problem.status, status_code=problem.status
    )
    for name, value in problem.headers.items():
        if name != "WWW-Authenticate":  # the desk logs in with a form, not a header
            response.headers[name] = value
    return response

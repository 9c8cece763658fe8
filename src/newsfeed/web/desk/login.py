"""Logging in to the desk with an editor token, and out again."""

from __future__ import annotations

from aiohttp import web

from newsfeed import urls
from newsfeed.web.desk import forms, pages, session
from newsfeed.web.keys import access_log_key, desk_limiter_key

TOKEN_FIELD = "token"


async def root(request: web.Request) -> web.StreamResponse:
    """`/desk` -> `/desk/`."""
    raise web.HTTPPermanentRedirect(urls.DESK)


async def login_form(request: web.Request) -> web.StreamResponse:
    pages.language_of(request)  # a bad ?lang= is a 400 here too
    found = await session.current(request)
    target = session.safe_next(request.query.get("next"))
    if found is not None:
        raise pages.see_other(target)
    return pages.render(request, "login.html", None, next=target, failed=False)


async def login(request: web.Request) -> web.StreamResponse:
    """A valid token: a session and 303 to where the editor was going. A wrong one: 401
    and the form again. Past 10 attempts a minute from one address: 429, whatever the
    token, and nothing is looked up."""
    form = await forms.read(request)
    target = session.safe_next(form.get("next") or request.query.get("next"))
    client = request.app[access_log_key].proxies.client(request)  # behind a trusted proxy too
    wait = request.app[desk_limiter_key].attempt(client.address)
    if wait is not None:
        response = pages.render(
            request, "login.html", None, status=429, next=target, failed=False, limited=True
        )
        response.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
        return response
    redirect = pages.see_other(target)
    editor = await session.start(request, redirect, forms.one(form, TOKEN_FIELD).strip())
    if editor is None:
        return pages.render(request, "login.html", None, status=401, next=target, failed=True)
    raise redirect


async def logout(request: web.Request) -> web.StreamResponse:
    found = await session.require(request)
    session.check_form_token(found, await forms.read(request))
    redirect = pages.see_other(urls.desk_login(done="logged-out"))
    await session.end(request, redirect)
    raise redirect

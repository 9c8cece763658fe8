"""Turns every error into the form its client reads: problem+json, or an HTML page.

Pages under `/{lang}/` answer errors with a localized HTML page; everything else (the
API, feeds outside a language, unknown routes) answers `application/problem+json`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from newsfeed import problems
from newsfeed.keys import settings_key

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ErrorPage = Callable[[web.Request, problems.Problem], Awaitable[web.StreamResponse]]

error_page_key: web.AppKey[ErrorPage] = web.AppKey("error_page_key")

_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
}
_DETAILS = {
    404: "No such resource.",
    405: "This route does not accept that method.",
    413: "The request body is larger than 1 MiB.",
}


def problem_response(problem: problems.Problem) -> web.Response:
    response = web.Response(
        status=problem.status,
        body=json.dumps(problem.as_dict(), ensure_ascii=False).encode(),
        content_type=problems.PROBLEM_JSON,
    )
    response.headers.update(problem.headers)
    return response


def _from_http(exc: web.HTTPException) -> problems.Problem:
    headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
    detail = _DETAILS.get(exc.status) or (exc.text or "").removeprefix(f"{exc.status}: ")
    return problems.Problem(
        exc.status, _TITLES.get(exc.status, exc.reason), detail, headers=headers
    )


def _wants_html(request: web.Request) -> bool:
    first = request.path.split("/", 2)[1] if request.path.count("/") >= 1 else ""
    return first in request.app[settings_key].langs and request.path != f"/{first}"


Finish = Callable[[web.Request, web.StreamResponse], None]
AfterWrite = Callable[[web.Request, web.StreamResponse], Awaitable[None]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _nothing(request: web.Request, response: web.StreamResponse) -> None:
    return None


async def _nothing_after(request: web.Request, response: web.StreamResponse) -> None:
    return None


def handling(finish: Finish = _nothing, after_write: AfterWrite = _nothing_after) -> Middleware:
    """The errors middleware that also finishes every response before it is sent:
    `finish(request, response)` (headers), then for unsafe methods `after_write`.

    Doing it here rather than in on_response_prepare hooks saves a signal and a
    coroutine per hook on every request; redirects raised as exceptions are finished
    before they propagate (aiohttp sends the exception itself).
    """

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except problems.Problem as problem:
            response = await _render(request, problem)
        except web.HTTPException as exc:
            if exc.status < 400:
                finish(request, exc)
                if request.method in _UNSAFE:
                    await after_write(request, exc)
                raise
            response = await _render(request, _from_http(exc))
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = await _render(
                request,
                problems.Problem(500, "Internal Server Error", "Something broke on our side."),
            )
        finish(request, response)
        if request.method in _UNSAFE:
            await after_write(request, response)
        return response

    return errors


errors = handling()  # without finishing: error handling only


async def _render(request: web.Request, problem: problems.Problem) -> web.StreamResponse:
    page = request.app.get(error_page_key)
    if page is not None and _wants_html(request):
        return await page(request, problem)
    return problem_response(problem)

"""Turns every error into the form its client reads: problem+json, or an HTML page.

Pages under `/{lang}/` answer errors with a localized HTML page; everything else (the
API, feeds outside a language, unknown routes) answers `application/problem+json`.
Each route's handler is wrapped (`guard`) rather than run under a middleware.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from time import perf_counter
from typing import Any

from aiohttp import HttpVersion11, web

from newsfeed import problems
from newsfeed.store import StoreUnavailable
from newsfeed.web import cors
from newsfeed.web.accesslog import request_started_key
from newsfeed.web.keys import settings_key

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ErrorPage = Callable[[web.Request, problems.Problem], Awaitable[web.StreamResponse]]

error_page_key: web.AppKey[ErrorPage] = web.AppKey("error_page_key")
# Sections with error pages of their own (the editor's desk): path prefix -> page.
section_pages_key: web.AppKey[dict[str, ErrorPage]] = web.AppKey("section_pages_key")

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


# Documents under /{lang}/ that are not pages: their errors are problem+json.
MACHINE_READ = frozenset({"feed-archive"})


def _wants_html(request: web.Request) -> bool:
    if request.match_info.route.name in MACHINE_READ:
        return False
    first = request.path.split("/", 2)[1] if request.path.count("/") >= 1 else ""
    return first in request.app[settings_key].langs and request.path != f"/{first}"


Finish = Callable[[web.Request, web.StreamResponse], None]
AfterWrite = Callable[[web.Request, web.StreamResponse], Awaitable[None]]
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _nothing(request: web.Request, response: web.StreamResponse) -> None:
    return None


async def _nothing_after(request: web.Request, response: web.StreamResponse) -> None:
    return None


def guard(
    handler: Handler, finish: Finish = _nothing, after_write: AfterWrite = _nothing_after
) -> Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]:
    """`handler` with the errors turned into responses, and every response finished
    before it is sent: `finish(request, response)` (headers), then for unsafe methods
    `after_write`. Redirects raised as exceptions are finished before they propagate
    (aiohttp sends the exception itself).

    `routes.setup` wraps each route's handler in this as it adds it, instead of using a
    middleware: any aiohttp middleware costs about 10 µs a request (two more coroutine
    layers, partials and a cache lookup), a sixth of a small request's whole cost.
    """

    async def guarded(request: web.Request) -> web.StreamResponse:
        request[request_started_key] = perf_counter()  # the access log's duration
        try:
            response = await handler(request)
        except problems.Problem as problem:
            response = await _render(request, problem)
        except StoreUnavailable as exc:
            log.warning(
                "%s %s: the database does not answer: %s", request.method, request.path, exc
            )
            response = await _render(request, problems.unavailable())
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
            try:
                await after_write(request, response)
            except StoreUnavailable:  # the write stands; other caches follow within a poll
                log.warning("could not apply the change log after %s", request.path)
        return response

    return guarded


ExpectHandler = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


async def unmet_expectation(request: web.Request) -> web.StreamResponse:
    """The answer to an `Expect` other than 100-continue (guarded like any handler)."""
    raise problems.Problem(
        417,
        "Expectation Failed",
        f"Expect: {request.headers.get('Expect', '')} is not understood; only 100-continue is.",
    )


def expecting(refuse: Handler) -> ExpectHandler:
    """A route's `Expect` handler. aiohttp runs it before the route's (guarded) handler,
    and its default answers an unknown expectation with a plain-text 417; this one answers
    100-continue as aiohttp does and anything else with `refuse` (a guarded 417)."""

    async def expect(request: web.Request) -> web.StreamResponse | None:
        if request.headers.get("Expect", "").strip().lower() != "100-continue":
            return await refuse(request)
        if request.version == HttpVersion11:
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the response proper starts after it
        return None

    return expect


async def unmatched(request: web.Request) -> web.StreamResponse:
    """The last route, matching any path and method: a CORS preflight of a public read,
    else 405 when another route has the path (with Allow, as aiohttp says it), else 404."""
    allowed: set[str] = set()
    names: list[str | None] = []
    for resource in request.app.router.resources():
        if resource is not request.match_info.route.resource:
            methods = (await resource.resolve(request))[1]
            if methods:
                allowed |= methods
                names.append(resource.name)
    if request.method == "OPTIONS":
        answer = cors.preflight(request, names)
        if answer is not None:
            return answer
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


async def _render(request: web.Request, problem: problems.Problem) -> web.StreamResponse:
    for prefix, section_page in request.app.get(section_pages_key, {}).items():
        if request.path.startswith(prefix) or request.path == prefix.rstrip("/"):
            return await section_page(request, problem)
    page = request.app.get(error_page_key)
    if page is not None and _wants_html(request):
        return await page(request, problem)
    return problem_response(problem)

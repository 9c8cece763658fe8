"""The access log: one JSON object a line on stderr, and the request metrics, in batches.

aiohttp's default access log formats and emits a log record inside every request, which
costs over half the throughput of a small handler. Here the request path only appends a
tuple to a list (`AccessLogger.log`, called by aiohttp after the response is sent); a
task formats the lines, writes them from a thread and feeds the metrics every
`FLUSH_INTERVAL` (a stuck stderr never blocks the event loop nor grows memory without
bound), and once more at shutdown. Only the path is logged: never the query
string, a header other than the user agent, or a token. The client is the peer, or what a
trusted reverse proxy says it forwarded for (proxies.py). The duration is measured with
`perf_counter` from the moment the route's guard starts (`request_started_key`): the event
loop's clock (uvloop's) has whole milliseconds only.

Every response carries `X-Request-ID`: the client's own when it sent a sane one, else a
new one (a per-process random prefix and a counter: unique, and cheap to make).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import sys
from collections.abc import AsyncIterator
from time import perf_counter, time
from typing import Any, TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_urldispatcher import AbstractRoute

from newsfeed.web.metrics import Metrics
from newsfeed.web.proxies import Proxies

FLUSH_INTERVAL = 0.25  # seconds
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_PATH = 2048  # characters of the path kept in a line
MAX_BACKLOG = 8 * 1024 * 1024  # characters of lines waiting for a slow stderr
MAX_USER_AGENT = 512  # characters of the user agent kept in a line
_escape = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
request_started_key = web.RequestKey("request_started_key", float)  # perf_counter()

# (unix time, method, path, route, status, seconds, request id, bytes, client address,
#  scheme, user agent)
Entry = tuple[float, str, str, "AbstractRoute | None", int, float, str, int, str, str, str]


class AccessLog:
    """The app's buffer of finished requests: `record()` feeds the metrics, `flush()` writes."""

    def __init__(
        self, metrics: Metrics, stream: TextIO | None = None, proxies: Proxies | None = None
    ) -> None:
        self.metrics = metrics
        self.proxies = proxies or Proxies()
        self._stream = stream  # None: whatever sys.stderr is at write time
        self._entries: list[Entry] = []
        self.append = self._entries.append  # the only thing a request does here
        self._route_names: dict[AbstractRoute | None, str] = {}
        self._backlog: list[str] = []  # formatted lines waiting for stderr
        self._backlog_chars = 0
        self._writing = asyncio.Lock()
        self.dropped = 0
        self._prefix = secrets.token_hex(4)
        self._ids = itertools.count(1)

    def __bool__(self) -> bool:  # aiohttp enables access logging only for a truthy logger
        return True

    def handler_args(self) -> dict[str, Any]:
        return {"access_log": self, "access_log_class": AccessLogger}

    def new_id(self) -> str:
        return f"{self._prefix}-{next(self._ids):x}"

    def tag(self, request: web.Request, response: web.StreamResponse) -> None:
        """Before a response goes out: echo a sane X-Request-ID, or give it a new one."""
        given = request.headers.get("X-Request-ID")
        rid = given if given is not None and REQUEST_ID_RE.fullmatch(given) else self.new_id()
        response.headers["X-Request-ID"] = rid

    def take(self) -> str:
        """Record the buffered requests in the metrics; their log lines, formatted."""
        entries = self._entries[:]
        self._entries.clear()  # the same list: `append` stays bound to it
        self.metrics.sync()
        if not entries:
            return ""
        counts: dict[tuple[str, str, int], int] = {}
        latencies: dict[str, list[float]] = {}
        lines = []
        names = self._route_names
        for at, method, path, matched, status, seconds, rid, size, client, scheme, agent in entries:
            route = names.get(matched)
            if route is None:
                route = _route_name(matched)
                if matched is not None and matched.resource is not None:
                    names[matched] = route  # app routes only: 404s bring a new one each
            if len(path) > MAX_PATH:
                path = path[:MAX_PATH]
            if len(agent) > MAX_USER_AGENT:
                agent = agent[:MAX_USER_AGENT]
            key = (method, route, status)
            counts[key] = counts.get(key, 0) + 1
            latencies.setdefault(route, []).append(seconds)
            # The path, client and user agent need escaping: methods are HTTP tokens,
            # routes are ours, schemes http(s), request ids match REQUEST_ID_RE or are ours.
            lines.append(
                f'{{"ts":{at:.3f},"client":{_escape(client)},"scheme":"{scheme}",'
                f'"method":"{method}","path":{_escape(path)},'
                f'"route":"{route}","status":{status},"duration_ms":{seconds * 1000:.3f},'
                f'"request_id":"{rid}","bytes":{size},"user_agent":{_escape(agent)}}}\n'
            )
        self.metrics.add_requests(counts)
        self.metrics.add_latencies(latencies)
        return "".join(lines)

    def record(self) -> None:
        """Record the finished requests in the metrics now; queue their lines (bounded).

        If stderr stops taking lines (a stuck log collector), at most MAX_BACKLOG
        characters wait; later lines are counted and dropped rather than piling up.
        """
        text = self.take()
        if not text:
            return
        if self._backlog_chars + len(text) > MAX_BACKLOG:
            self.dropped += text.count("\n")
            return
        self._backlog.append(text)
        self._backlog_chars += len(text)

    def _pop_backlog(self) -> str:
        text = "".join(self._backlog)
        self._backlog.clear()
        self._backlog_chars = 0
        if self.dropped:
            text += f'{{"ts":{time():.3f},"access_log_lines_dropped":{self.dropped}}}\n'
            self.dropped = 0
        return text

    def write(self, text: str) -> None:
        if text:
            stream = self._stream or sys.stderr
            stream.write(text)
            stream.flush()

    async def flush(self) -> None:
        """Record, then write every queued line (waiting for stderr)."""
        self.record()
        async with self._writing:
            while self._backlog or self.dropped:
                await asyncio.to_thread(self.write, self._pop_backlog())

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx: the flusher task; the last lines are written when the app stops."""
        task = asyncio.create_task(self._flush_forever())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.record()
        with contextlib.suppress(OSError, ValueError):
            self.write(self._pop_backlog())

    async def _flush_forever(self) -> None:
        """Record every FLUSH_INTERVAL, even while an earlier write is still blocked."""
        writer: asyncio.Task[None] | None = None
        try:
            while True:
                await asyncio.sleep(FLUSH_INTERVAL)
                self.record()
                if writer is None or writer.done():
                    writer = asyncio.create_task(self._write_quietly())
        finally:
            if writer is not None:
                writer.cancel()

    async def _write_quietly(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            await self.flush()


class AccessLogger(AbstractAccessLogger):
    """aiohttp's per-connection adapter; `logger` is the app's AccessLog.

    As little as possible happens here, once per request: the route's name is looked up
    (once per route) and the path truncated when the batch is taken.
    """

    __slots__ = ()

    def log(self, request: BaseRequest, response: web.StreamResponse, time_: float) -> None:
        try:
            route = request.match_info.route  # type: ignore[attr-defined]
        except (AttributeError, AssertionError):  # unparsable requests have no match_info
            route = None
        try:
            started: float | None = request[request_started_key]  # set by the route's guard
        except KeyError:
            started = None
        log: AccessLog = self.logger  # type: ignore[assignment]
        proxies = log.proxies
        if proxies.trusted:
            client = proxies.client(request)
            address = client.address
            scheme = client.scheme if client.scheme in ("http", "https") else "http"
        else:  # the peer itself, as the socket gives it: nothing to parse
            address, scheme = request.remote or "", request.scheme
        log.append(
            (
                time(),
                request.method,
                request.path,
                route,
                response.status,
                time_ if started is None else perf_counter() - started,
                response.headers.get("X-Request-ID", "-"),
                response.body_length,
                address,
                scheme,
                request.headers.get("User-Agent", ""),
            )
        )


def _route_name(route: AbstractRoute | None) -> str:
    """The route's name, else its pattern (e.g. /static/{name}): bounded, unlike paths.

    Unmatched paths and wrong methods come with a system route that has no resource.
    """
    if route is None:
        return "unmatched"
    if route.name:
        return route.name
    resource = route.resource
    return resource.canonical if resource is not None else "unmatched"

"""The process model of `newsfeed serve`: one or more worker processes sharing one port.

The port is this service's alone: `serve` binds and listens on it itself, without
SO_REUSEPORT, before anything else, so a port that anything holds (another `newsfeed
serve`, or any program) stops the start with a one-line message. With one worker the
service runs in this process on that socket. With N, the parent forks N workers before
any event loop or database connection exists; each serves on the very socket the parent
bound (the kernel hands each new connection to one of them) with its own database
connections. The parent only supervises: it forwards SIGTERM and SIGINT, restarts a
worker that dies on its own, and returns once every worker has flushed its hit counter
and exited. Migrations ran once, before any of this (cli.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from newsfeed.settings import Settings
from newsfeed.web import metrics
from newsfeed.web.app import create_app

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30.0  # seconds a worker waits for requests in progress at SIGTERM
RESTART_WINDOW = 5.0  # a worker dying sooner than this after its start is not restarted
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


BACKLOG = 1024  # connections the kernel queues for the workers to accept


class CannotListen(Exception):
    """The address cannot be ours; the message is one line for the command line."""


def serve(settings: Settings, workers: int) -> int:
    """Serve until SIGTERM/SIGINT; the exit status for the command line. Raises
    CannotListen before anything starts when the port is not free."""
    sockets = listen(settings.host, settings.port)
    try:
        if workers <= 1:
            _run_worker(settings, sockets)
            return 0
        with metrics.multiprocess_dir():  # /metrics sums every worker's values
            return _Supervisor(settings, workers, sockets).run()
    finally:
        for sock in sockets:
            sock.close()


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for `host:port` (one per address the host names), bound without
    SO_REUSEPORT: on a port another socket listens on, whoever owns it, bind fails.
    SO_REUSEADDR only lets a restart reuse a port whose old connections linger."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        found = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise CannotListen(f"cannot listen on {where}: {exc.strerror}") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # as asyncio does: the IPv4 socket takes IPv4
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # one port for every address
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        reason = (
            "the address is already in use (by another newsfeed serve or another program)"
            if exc.errno == errno.EADDRINUSE
            else exc.strerror or str(exc)
        )
        raise CannotListen(f"cannot listen on {where}: {reason}") from None
    return sockets


def _event_loop_runner() -> Callable[[Any], Any]:
    """uvloop when installed (faster sockets and timers), else the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def _run_worker(settings: Settings, sockets: Sequence[socket.socket]) -> None:
    _event_loop_runner()(_serve_app(create_app(settings), sockets))


def run(app: web.Application, host: str, port: int) -> None:
    """Serve `app` in this process until SIGTERM or SIGINT (also the benchmark's baseline)."""
    sockets = listen(host, port)
    try:
        _event_loop_runner()(_serve_app(app, sockets))
    finally:
        for sock in sockets:
            sock.close()


async def _serve_app(app: web.Application, sockets: Sequence[socket.socket]) -> None:
    """Serve until SIGTERM or SIGINT, then drain requests and run the app's cleanup."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    # A forked worker starts with these blocked (see _spawn); a signal sent meanwhile is
    # delivered now, to the handler above.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    # aiohttp's access log is off: its default formatting costs over half the throughput
    # (the app logs requests itself, cheaply: see accesslog.py).
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        for sock in sockets:
            site = web.SockSite(runner, sock)
            await site.start()
            log.info("worker %d serving %s", os.getpid(), site.name)
        await stop.wait()
        log.info("worker %d stopping", os.getpid())
    finally:
        # Stops listening, waits for requests in progress, then runs cleanup_ctx, which
        # flushes the hit counter before closing the database.
        await runner.cleanup()
    log.info("worker %d stopped", os.getpid())


class _Supervisor:
    """The parent of N workers."""

    def __init__(self, settings: Settings, workers: int, sockets: Sequence[socket.socket]) -> None:
        self.settings = settings
        self.workers = workers
        self.sockets = sockets  # bound and listening; every worker serves on them
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.failed = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        port = self.sockets[0].getsockname()[1]
        log.info("starting %d workers on port %d", self.workers, port)
        for _ in range(self.workers):
            if not self.stopping:
                self._spawn()
        self._supervise()
        log.info("all workers stopped")
        return 1 if self.failed else 0

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self.stopping:
            log.info("%s: stopping %d workers", signal.Signals(signum).name, len(self.children))
        self.stopping = True
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _spawn(self) -> None:
        # Blocked across fork: the child must never run the parent's handler (it would
        # signal its siblings); it unblocks once its event loop handles them.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                _die_with_parent(parent)
                _run_worker(self.settings, self.sockets)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                logging.shutdown()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = time.monotonic()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def _supervise(self) -> None:
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if started is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if self.stopping:
                if code != 0:
                    log.error("worker %d exited with %d", pid, code)
                    self.failed = True
                continue
            log.error("worker %d exited with %d unexpectedly", pid, code)
            if time.monotonic() - started < RESTART_WINDOW:
                log.error("worker died right after starting; stopping the service")
                self.failed = True
                self._on_signal(signal.SIGTERM, None)
                continue
            self._spawn()


def _die_with_parent(parent: int) -> None:
    """Linux: get SIGTERM (and flush) if the parent is killed, instead of lingering."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)

"""The process model of `newsfeed serve`: one or more worker processes sharing one port.

With one worker the service runs in this process. With N, the parent reserves the port
and forks N workers before any event loop or database connection exists; each worker
opens its own listening socket with SO_REUSEPORT (the kernel spreads connections over
them) and its own SQLite connections. The parent only supervises: it forwards SIGTERM
and SIGINT, restarts a worker that dies on its own, and returns once every worker has
flushed its hit counter and exited. Migrations ran once, before any of this (cli.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
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


def serve(settings: Settings, workers: int) -> int:
    """Serve until SIGTERM/SIGINT; the exit status for the command line."""
    if workers <= 1:
        _run_worker(settings, settings.port, reuse_port=False)
        return 0
    with metrics.multiprocess_dir():  # /metrics sums every worker's values
        return _Supervisor(settings, workers).run()


def _event_loop_runner() -> Callable[[Any], Any]:
    """uvloop when installed (faster sockets and timers), else the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def _run_worker(settings: Settings, port: int, *, reuse_port: bool) -> None:
    run(create_app(settings), settings.host, port, reuse_port=reuse_port)


def run(app: web.Application, host: str, port: int, *, reuse_port: bool = False) -> None:
    """Serve `app` in this process until SIGTERM or SIGINT (also the benchmark's baseline)."""
    _event_loop_runner()(_serve_app(app, host, port, reuse_port))


async def _serve_app(app: web.Application, host: str, port: int, reuse_port: bool) -> None:
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
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        await site.start()
        log.info("worker %d serving http://%s:%d", os.getpid(), host, port)
        await stop.wait()
        log.info("worker %d stopping", os.getpid())
    finally:
        # Stops listening, waits for requests in progress, then runs cleanup_ctx, which
        # flushes the hit counter before closing the database.
        await runner.cleanup()
    log.info("worker %d stopped", os.getpid())


def _reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """Bind (never listen) a SO_REUSEPORT socket: resolves port 0 and keeps it ours.

    A socket that does not listen receives no connections, so the parent holding it does
    not steal any from the workers.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock, sock.getsockname()[1]


class _Supervisor:
    """The parent of N workers."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.failed = False

    def run(self) -> int:
        reserved, port = _reserve_port(self.settings.host, self.settings.port)
        self.port = port
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            log.info("starting %d workers on port %d", self.workers, port)
            for _ in range(self.workers):
                if not self.stopping:
                    self._spawn()
            self._supervise()
        finally:
            reserved.close()
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
                _run_worker(self.settings, self.port, reuse_port=True)
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

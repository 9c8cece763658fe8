"""What the access log, metrics and security headers cost on the hot path.

Serves a hello-world handler three ways, each in its own process on 127.0.0.1, and
drives it with wrk (Debian package `wrk`) from the other core:

  bare     aiohttp with no access log
  aiohttp  aiohttp's default access log (a formatted logging record per request)
  newsfeed the service's JSON access log, request ids, metrics and security headers

Usage: .venv/bin/python bench/observability.py [--seconds 5] [--rounds 3]
Prints, per variant, requests/s and the server's CPU time per request (from
/proc/PID/stat, so it holds even on a busy machine, where requests/s wanders), each the
best of the rounds, and the cost against bare.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

VARIANTS = ("bare", "aiohttp", "newsfeed")


def serve(variant: str, port: int) -> None:
    """The server process (the log goes to stderr, which the parent discards)."""
    from aiohttp import web
    from aiohttp.log import access_logger

    from newsfeed.web.accesslog import AccessLog
    from newsfeed.web.metrics import Metrics
    from newsfeed.web.security import HANDLER_ARGS, harden

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    access_log: logging.Logger | None = None
    if variant == "newsfeed":
        log = AccessLog(Metrics())
        app = web.Application(handler_args={**HANDLER_ARGS, **log.handler_args()})
        app.cleanup_ctx.append(log.running)

        async def identify_and_harden(request: web.Request, response: web.StreamResponse) -> None:
            log.tag(request, response)  # as create_app does
            harden(response)

        app.on_response_prepare.append(identify_and_harden)
    else:
        app = web.Application()
        if variant == "aiohttp":
            logging.basicConfig(level=logging.INFO, stream=sys.stderr)
            access_log = access_logger
    app.router.add_get("/", hello, name="hello")
    web.run_app(app, host="127.0.0.1", port=port, access_log=access_log, print=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pinned(cpu: int, argv: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu), *argv] if taskset and (os.cpu_count() or 1) > 1 else argv


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(variant: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests/s, server CPU microseconds per request)."""
    port = _free_port()
    server = subprocess.Popen(
        _pinned(0, [sys.executable, __file__, "--serve", variant, "--port", str(port)]),
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        cpu_before = _cpu_seconds(server.pid)
        out = subprocess.run(
            _pinned(
                1,
                ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}/"],
            ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if rate is None or count is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return float(rate.group(1)), cpu * 1e6 / int(count.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    if shutil.which("wrk") is None:
        print("bench/observability.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    rate = dict.fromkeys(VARIANTS, 0.0)
    cpu = dict.fromkeys(VARIANTS, float("inf"))
    for _ in range(args.rounds):  # interleaved, so drift in the machine hits all alike
        for variant in VARIANTS:
            r, c = measure(variant, args.seconds, args.connections)
            rate[variant], cpu[variant] = max(rate[variant], r), min(cpu[variant], c)
    for variant in VARIANTS:
        slower = 100 * (1 - rate[variant] / rate["bare"])
        dearer = 100 * (cpu[variant] / cpu["bare"] - 1)
        print(
            f"{variant:9} {rate[variant]:8.0f} req/s ({slower:5.1f}% below bare)"
            f"  {cpu[variant]:6.1f} us CPU/request ({dearer:+5.1f}%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

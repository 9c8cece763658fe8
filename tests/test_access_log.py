"""The access log's client, scheme, user agent and duration, behind trusted proxies or not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import free_port

from newsfeed.settings import Settings
from newsfeed.store.sqlite.schema import migrate
from newsfeed.web.app import create_app
from newsfeed.web.keys import access_log_key


async def logged(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    requests: list[dict[str, str]],
    trusted: str = "",
) -> list[dict[str, Any]]:
    """Send GET /healthz with each set of headers; the log line of each, in order."""
    if trusted:
        settings = replace(
            settings,
            trusted_proxies=Settings.from_env(
                {"NEWSFEED_TRUSTED_PROXIES": trusted}
            ).trusted_proxies,
        )
    client: TestClient = await aiohttp_client(create_app(settings))
    for n, headers in enumerate(requests):
        resp = await client.get("/healthz", headers={**headers, "X-Request-ID": f"r{n}"})
        assert resp.status == 200
    await client.server.app[access_log_key].flush()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    by_id = {line["request_id"]: line for line in lines}
    return [by_id[f"r{n}"] for n in range(len(requests))]


async def test_without_trusted_proxies_the_peer_is_the_client(aiohttp_client, settings, capsys):
    (line,) = await logged(
        aiohttp_client,
        settings,
        capsys,
        [
            {
                "X-Forwarded-For": "203.0.113.7",
                "X-Forwarded-Proto": "https",
                "Forwarded": "for=198.51.100.1;proto=https",
                "User-Agent": "Feedreader/1.0 (+https://example.org)",
            }
        ],
    )
    assert line["client"] == "127.0.0.1" and line["scheme"] == "http"
    assert line["user_agent"] == "Feedreader/1.0 (+https://example.org)"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("trusted", "headers", "client", "scheme"),
    [
        # one proxy (nginx): the address it received the request from
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
         "203.0.113.7", "https"),
        # a chain: the right-most address that is not a trusted proxy; the client's own
        # claims to its left prove nothing
        ("127.0.0.0/8, 10.0.0.0/8",
         {"X-Forwarded-For": "198.51.100.66, 203.0.113.7, 10.1.2.3", "X-Forwarded-Proto": "https"},
         "203.0.113.7", "https"),
        # a port after the address is dropped
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7:5555"}, "203.0.113.7", "http"),
        # RFC 7239: each element is one proxy's `for` and `proto`; it wins over X-Forwarded-*
        ("127.0.0.1",
         {"Forwarded": 'for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711";proto=http',
          "X-Forwarded-For": "198.51.100.1"},
         "2001:db8:cafe::17", "http"),
        ("127.0.0.1", {"Forwarded": "for=192.0.2.60;proto=https;by=203.0.113.43"},
         "192.0.2.60", "https"),
        # every hop trusted: the left-most one
        ("127.0.0.1, 10.0.0.0/8", {"X-Forwarded-For": "10.9.9.9, 10.1.1.1"}, "10.9.9.9", "http"),
        # what a proxy writes instead of an address is shown as written
        ("127.0.0.1", {"Forwarded": "for=unknown"}, "unknown", "http"),
        # a scheme other than http(s) is not believed
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "gopher"},
         "203.0.113.7", "http"),
        # trusted, but the proxy said nothing: the peer
        ("127.0.0.1", {}, "127.0.0.1", "http"),
        # another proxy is trusted, not this peer: its headers are ignored
        ("10.0.0.0/8", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
         "127.0.0.1", "http"),
    ],
)  # fmt: skip
async def test_trusted_proxies_name_the_client(
    aiohttp_client, settings, capsys, trusted, headers, client, scheme
):
    (line,) = await logged(aiohttp_client, settings, capsys, [headers], trusted)
    assert (line["client"], line["scheme"]) == (client, scheme)


def test_the_duration_has_sub_millisecond_precision(tmp_path: Path) -> None:
    """In `newsfeed serve` (uvloop's clock has whole milliseconds) durations keep
    microseconds: answers of /healthz take a fraction of a millisecond."""
    path = tmp_path / "log.db"
    migrate(path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve"],
        env={**os.environ, "NEWSFEED_DB": str(path), "NEWSFEED_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                pass
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith('{"ts"')]
    durations = [line["duration_ms"] for line in lines if line["route"] == "healthz"]
    assert len(durations) == 21
    assert any(d != int(d) for d in durations), durations  # not whole milliseconds
    assert all(line["user_agent"].startswith("Python-urllib") for line in lines)
    assert {line["client"] for line in lines} == {"127.0.0.1"}

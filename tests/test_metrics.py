"""GET /metrics (requests by route and status, latency, hits) and the JSON access log."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from conftest import add_editor, bearer, create, sample_article, settings_for
from prometheus_client.parser import text_string_to_metric_families

from newsfeed import auth
from newsfeed.web import accesslog, metrics
from newsfeed.web.accesslog import AccessLog
from newsfeed.web.keys import access_log_key

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: TestClient) -> Samples:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    return samples(await resp.text())


async def test_requests_are_counted_by_route_name_and_status(
    client: TestClient, editor_token: str
) -> None:
    article = await create(client, editor_token)
    for _ in range(3):
        assert (await client.get(f"/api/v1/articles/{article['id']}")).status == 200
    for path in ("/api/v1/articles/5551", "/api/v1/articles/5552", "/no/such/thing"):
        assert (await client.get(path)).status == 404
    found = await scrape(client)
    total = "newsfeed_http_requests_total"
    assert value(found, total, method="GET", route="api-article", status="200") == 3
    assert value(found, total, method="GET", route="api-article", status="404") == 2
    assert value(found, total, method="GET", route="unmatched", status="404") == 1
    assert value(found, total, method="POST", route="api-create", status="201") == 1
    count = "newsfeed_http_request_duration_seconds_count"
    assert value(found, count, route="api-article") == 5
    # Never the raw path as a label: the number of series stays bounded.
    assert not any("/" in v for _, labels in found for _, v in labels)


async def test_hits_counted(client: TestClient, editor_token: str) -> None:
    article = await create(client, editor_token)
    for _ in range(4):
        assert (await client.post(f"/api/v1/articles/{article['id']}/hits")).status == 200
    assert (await client.get(f"/en/articles/{article['id']}")).status == 200
    assert (await client.post("/api/v1/articles/424242/hits")).status == 404
    assert value(await scrape(client), "newsfeed_hits_total") == 5


async def test_access_log_is_one_json_object_a_line(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    resp = await client.get("/api/v1/articles?limit=3", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"
    bad = await client.get("/healthz", headers={"X-Request-ID": "no spaces <allowed>"})
    made = bad.headers["X-Request-ID"]
    assert made != "no spaces <allowed>" and made
    other = await client.get("/healthz")
    assert other.headers["X-Request-ID"] not in (made, "abc-123")
    await client.server.app[access_log_key].flush()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    by_id = {line["request_id"]: line for line in lines}
    first = by_id["abc-123"]
    assert first["method"] == "GET" and first["path"] == "/api/v1/articles"
    assert first["route"] == "api-articles" and first["status"] == 200
    assert first["bytes"] > 0 and first["duration_ms"] >= 0
    assert by_id[made]["route"] == "healthz"


def test_metrics_are_summed_over_processes(tmp_path: Path) -> None:
    """Workers started after multiprocess_dir() write their values; a scrape sums them."""
    worker = (
        "import sys\n"
        "from newsfeed.web import metrics\n"
        "m = metrics.Metrics()\n"
        "m.follow_views(lambda: int(sys.argv[1]))\n"
        "m.sync()\n"
        "m.request('GET', 'healthz', 200, 0.01, n=int(sys.argv[1]))\n"
    )
    with metrics.multiprocess_dir(tmp_path / "prom") as directory:
        for n in (3, 4):  # the environment passes to workers, as it does across fork()
            subprocess.run([sys.executable, "-c", worker, str(n)], check=True)
        shown = samples(metrics.Metrics().exposition().decode())
    assert value(shown, "newsfeed_hits_total") == 7
    total = "newsfeed_http_requests_total"
    assert value(shown, total, method="GET", route="healthz", status="200") == 7
    latency = "newsfeed_http_request_duration_seconds"
    assert value(shown, latency + "_count", route="healthz") == 7
    assert value(shown, latency + "_sum", route="healthz") == pytest.approx(0.07)
    assert value(shown, latency + "_bucket", route="healthz", le="0.005") == 0
    assert value(shown, latency + "_bucket", route="healthz", le="0.01") == 7
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    assert directory.exists()  # a directory the caller named is left to the caller


async def _post(url: str, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
    """One request on a connection of its own (so the kernel spreads them over workers)."""
    async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as resp:
        return resp.status, await resp.json(), resp.headers["X-Request-ID"]


async def test_serve_with_workers_sums_their_metrics(tmp_path: Path) -> None:
    """`newsfeed serve --workers 2`: any worker's /metrics shows every worker's counts."""
    path = tmp_path / "workers.db"
    token = add_editor(settings_for(path), "editor", auth.Role.EDITOR)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "NEWSFEED_DB": str(path), "NEWSFEED_PORT": str(port)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "newsfeed", "serve", "--workers", "2"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(60):
            while True:
                try:
                    status, article, _ = await _post(
                        url + "/api/v1/articles", json=sample_article(), headers=bearer(token)
                    )
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            assert status == 201
            workers: set[str] = set()
            hits = 0
            while len(workers) < 2 or hits < 20:
                status, _, request_id = await _post(f"{url}/api/v1/articles/{article['id']}/hits")
                assert status == 200
                workers.add(request_id.split("-")[0])  # each process has its own prefix
                hits += 1
            # Each worker records its batch within a quarter second: wait for both.
            while True:
                async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as r:
                    found = samples(await r.text())
                if value(found, "newsfeed_hits_total") == hits:
                    break
                await asyncio.sleep(0.1)
        total = "newsfeed_http_requests_total"
        assert value(found, total, method="POST", route="api-hits", status="200") == hits
        assert value(found, total, method="POST", route="api-create", status="201") == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await proc.wait() == 0


async def test_a_stuck_stderr_neither_blocks_nor_grows_without_bound() -> None:
    """Lines wait up to MAX_BACKLOG characters; later ones are counted, dropped, reported."""
    release = threading.Event()
    written: list[str] = []

    class StuckStream(io.StringIO):
        def write(self, text: str) -> int:
            release.wait(timeout=30)
            written.append(text)
            return len(text)

    log = AccessLog(metrics.Metrics(), stream=StuckStream())
    entry = (0.0, "GET", "/" + "x" * 200, None, 404, 0.001, "rid", 10, "192.0.2.1", "http", "")
    log.append(entry)
    first = asyncio.create_task(log.flush())  # its write blocks on the stuck stream
    await asyncio.sleep(0)  # the task runs up to its write, in a thread
    assert log._writing.locked()
    per_tick, ticks = 5000, 0
    while log.dropped == 0:  # what the flusher does each tick, however long writes take
        for _ in range(per_tick):
            log.append(entry)
        log.record()
        ticks += 1
        assert log._backlog_chars <= accesslog.MAX_BACKLOG
        assert ticks < 100
    dropped = log.dropped
    requests = 1 + ticks * per_tick
    found = samples(log.metrics.exposition().decode())
    total = "newsfeed_http_requests_total"
    assert value(found, total, method="GET", route="unmatched", status="404") == requests
    release.set()
    await first
    await log.flush()
    text = "".join(written)
    assert text.count("\n") == requests - dropped + 1
    assert text.endswith(f'"access_log_lines_dropped":{dropped}}}\n')

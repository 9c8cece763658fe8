"""Hits: exact under concurrency, across worker processes and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from conftest import add_editor, bearer, create, free_port, settings_for, snapshot, with_store

from newsfeed import auth, hits
from newsfeed.settings import Settings
from newsfeed.web.keys import counter_key


def stored_hits(settings: Settings, article_id: int) -> int:
    found = with_store(settings, lambda store: store.article(article_id, public_only=False))
    assert found is not None
    return found.hits


async def api_hits(client: TestClient, article_id: int) -> int:
    resp = await client.get(f"/api/v1/articles/{article_id}")
    assert resp.status == 200
    return (await resp.json())["hits"]


@pytest.fixture
def no_timed_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only explicit flushes: what the database holds is then known exactly."""
    monkeypatch.setattr(hits, "FLUSH_INTERVAL", 3600.0)


async def test_2000_concurrent_posts_land_exactly(client, editor_token, settings):
    article = await create(client, editor_token)
    counter = client.app[counter_key]
    done = False

    async def flush_often() -> int:
        flushes = 0
        while not done:  # many commits while the requests run: the seqlock must hold
            flushes += 1 if await counter.flush() else 0
            await asyncio.sleep(0.002)
        return flushes

    flusher = asyncio.create_task(flush_often())
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/articles/{article['id']}/hits") for _ in range(2000))
    )
    done = True
    assert await flusher > 1
    assert [r.status for r in responses] == [200] * 2000
    bodies = [await r.json() for r in responses]
    assert {b["id"] for b in bodies} == {article["id"]}
    # Each answer is the count including that hit, never counted twice nor dropped.
    assert sorted(b["hits"] for b in bodies) == list(range(1, 2001))
    assert await api_hits(client, article["id"]) == 2000
    await counter.flush()
    assert stored_hits(settings, article["id"]) == 2000


async def test_shown_counts_include_pending_hits(no_timed_flush, client, editor_token, settings):
    article = await create(client, editor_token)
    other = await create(client, editor_token)
    for expected in (1, 2, 3):
        resp = await client.post(f"/api/v1/articles/{article['id']}/hits")
        assert resp.status == 200
        assert await resp.json() == {"id": article["id"], "hits": expected}
    assert stored_hits(settings, article["id"]) == 0  # nothing flushed yet
    assert await api_hits(client, article["id"]) == 3
    listed = await (await client.get("/api/v1/articles")).json()
    assert {a["id"]: a["hits"] for a in listed["items"]} == {article["id"]: 3, other["id"]: 0}
    await client.app[counter_key].flush()
    assert stored_hits(settings, article["id"]) == 3
    assert await api_hits(client, article["id"]) == 3  # flushed: not counted twice


async def test_article_page_counts_its_own_view(no_timed_flush, client, editor_token):
    article = await create(client, editor_token)
    await client.post(f"/api/v1/articles/{article['id']}/hits")
    resp = await client.get(f"/ko/articles/{article['id']}")
    assert resp.status == 200
    assert await api_hits(client, article["id"]) == 2
    resp = await client.get(f"/en/articles/{article['id']}")
    assert resp.status == 200
    assert await api_hits(client, article["id"]) == 3
    # The page shows the count including this view.
    page = await (await client.get(f"/en/articles/{article['id']}")).text()
    assert '<span class="hits">4 views</span>' in page
    await client.app[counter_key].flush()
    page = await (await client.get(f"/en/articles/{article['id']}")).text()
    assert '<span class="hits">5 views</span>' in page


async def test_reads_and_failures_count_nothing(no_timed_flush, client, editor_token, settings):
    article = await create(client, editor_token)
    aid = article["id"]
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    draft = await create(client, editor_token, status="draft")
    scheduled = await create(client, editor_token, published_at=future)
    deleted = await create(client, editor_token)
    resp = await client.delete(f"/api/v1/articles/{deleted['id']}", headers=bearer(editor_token))
    assert resp.status == 204

    statuses = []
    for path in (f"/api/v1/articles/{aid}", "/api/v1/articles", "/ko/", "/ko/feed.rss"):
        statuses.append((path, (await client.get(path)).status))
    statuses.append(("HEAD page", (await client.head(f"/ko/articles/{aid}")).status))
    resp = await client.get(f"/api/v1/articles/{aid}")
    inm = {"If-None-Match": resp.headers["ETag"]}
    statuses.append(("304", (await client.get(f"/api/v1/articles/{aid}", headers=inm)).status))
    feed = await client.get("/ko/feed.rss")
    inm = {"If-None-Match": feed.headers["ETag"]}
    statuses.append(("feed 304", (await client.get("/ko/feed.rss", headers=inm)).status))
    for missing in (draft["id"], scheduled["id"], deleted["id"], 999_999):
        statuses.append(("page", (await client.get(f"/ko/articles/{missing}")).status))
        resp = await client.post(f"/api/v1/articles/{missing}/hits")
        statuses.append(("hit", resp.status))
        if resp.status == 404:
            assert (await resp.json())["status"] == 404
    assert (
        statuses
        == [
            (f"/api/v1/articles/{aid}", 200),
            ("/api/v1/articles", 200),
            ("/ko/", 200),
            ("/ko/feed.rss", 200),
            ("HEAD page", 200),
            ("304", 304),
            ("feed 304", 304),
        ]
        + [("page", 404), ("hit", 404)] * 4
    )

    await client.app[counter_key].flush()
    assert all(row["hits"] == 0 for row in snapshot(settings)["articles"])
    assert client.app[counter_key].counted == 0


async def test_shutdown_flushes_pending_hits(no_timed_flush, client, editor_token, settings):
    article = await create(client, editor_token)
    for _ in range(7):
        assert (await client.post(f"/api/v1/articles/{article['id']}/hits")).status == 200
    assert stored_hits(settings, article["id"]) == 0
    await client.close()  # runs the app's cleanup: the final flush
    assert stored_hits(settings, article["id"]) == 7
    # the process's flush marker goes with it
    assert (
        with_store(settings, lambda store: store.hit_marker(client.app[counter_key]._token)) is None
    )


# --- several worker processes ---------------------------------------------------------


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsfeed", "serve", "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "serve exited early"
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise AssertionError("serve did not answer /healthz within 20 s")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


async def test_two_workers_count_10000_views_exactly(tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NEWSFEED_DB": str(tmp_path / "served.db"),
        "NEWSFEED_PORT": str(port),
        "NEWSFEED_BASE_URL": base,
    }
    log = tmp_path / "serve.log"
    with serving(env, log, 2) as proc:
        await wait_ready(base, proc)
        assert len(children(proc.pid)) == 2
        token = add_editor(settings_for(tmp_path / "served.db"), "editor", auth.Role.EDITOR)
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:
            body: dict[str, Any] = {
                "category": "news",
                "status": "published",
                "published_at": "2020-09-15T10:00:00+09:00",
                "translations": {"ko": {"title": "조회수"}, "en": {"title": "Hits"}},
            }
            async with session.post(
                f"{base}/api/v1/articles", json=body, headers=bearer(token)
            ) as resp:
                assert resp.status == 201
                aid = (await resp.json())["id"]

            async def view(i: int) -> int:
                path = f"/{'ko' if i % 2 else 'en'}/articles/{aid}"
                async with session.get(base + path) as resp:
                    await resp.read()
                    return resp.status

            statuses = await asyncio.gather(*(view(i) for i in range(10_000)))
        assert statuses == [200] * 10_000
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0

    text = log.read_text()
    served = set(re.findall(r"worker (\d+) serving", text))
    assert len(served) == 2
    per_process = {
        int(pid): int(n)
        for pid, n in re.findall(r"hit counter of process (\d+) stopped: (\d+) views counted", text)
    }
    assert set(map(str, per_process)) == served
    assert sum(per_process.values()) == 10_000
    assert all(n > 0 for n in per_process.values()), per_process  # both workers served

    # Restarted: the count survived; then SIGTERM in the middle of a burst of views.
    log.write_text("")
    with serving(env, log, 2) as proc:
        await wait_ready(base, proc)
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.get(f"{base}/api/v1/articles/{aid}") as resp:
                assert resp.status == 200
                assert (await resp.json())["hits"] == 10_000

            async def maybe_view() -> int:
                try:
                    async with session.get(f"{base}/ko/articles/{aid}") as resp:
                        await resp.read()
                        return resp.status
                except aiohttp.ClientError:
                    return 0  # refused or cut off by the shutdown: never acknowledged

            burst = [asyncio.create_task(maybe_view()) for _ in range(3000)]
            for finished, next_done in enumerate(asyncio.as_completed(burst), 1):
                await next_done
                if finished == 500:
                    break
            proc.send_signal(signal.SIGTERM)
            late = await asyncio.gather(*burst)
        assert proc.wait(timeout=30) == 0
    assert set(late) <= {0, 200}
    answered = late.count(200)
    assert answered >= 500
    counted = sum(
        int(n)
        for n in re.findall(r"hit counter of process \d+ stopped: (\d+) views", log.read_text())
    )
    conn = sqlite3.connect(tmp_path / "served.db")
    try:
        stored = conn.execute("SELECT hits FROM articles WHERE id = ?", (aid,)).fetchone()[0]
    finally:
        conn.close()
    # Every view a worker acknowledged is stored; every 200 the client got is among them.
    assert stored == 10_000 + counted
    assert answered <= counted <= 3000

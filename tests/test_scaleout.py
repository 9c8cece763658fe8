"""Several `newsfeed serve` processes on one PostgreSQL database are one service.

Each instance is a real process on its own port (standing for a machine of its own);
they share nothing but the database. A small TCP proxy in front of PostgreSQL stands
for the database restarting: the test cuts every connection through it and refuses new
ones for a while, without touching the server other tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from conftest import add_editor, bearer, free_port, sample_article, settings_for, with_store

pytestmark = pytest.mark.timeout(180)


class Instance:
    """One `newsfeed serve` process."""

    def __init__(self, db: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = db
        self.log = log
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "NEWSFEED_DB": self.db,
            "NEWSFEED_PORT": str(self.port),
            "NEWSFEED_BASE_URL": "http://news.example",
            "NEWSFEED_DB_TIMEOUT": "2",
            **self.env,
        }
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "newsfeed", "serve"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    async def ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.base}/healthz") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise AssertionError(f"{self.base} not ready:\n{self.log.read_text()[-3000:]}")

    async def terminate(self) -> int:
        """SIGTERM, and the exit status once it has flushed and stopped (waited for in a
        thread: the test's own event loop, the proxy's, must go on meanwhile)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, 40)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[list[Instance]]:
    started: list[Instance] = []
    yield started
    for instance in started:
        instance.kill()


def launch(started: list[Instance], db: str, tmp_path: Path, n: int) -> list[Instance]:
    new = [Instance(db, tmp_path / f"serve-{len(started) + i}.log") for i in range(n)]
    for instance in new:
        instance.start()
    started.extend(new)
    return new


async def test_three_instances_start_at_once_on_an_empty_database(
    pg_empty_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    """Migrations run exactly once, under a lock; every instance comes up."""
    trio = launch(instances, pg_empty_url, tmp_path, 3)
    await asyncio.gather(*(i.ready() for i in trio))
    for instance in trio:
        assert await instance.terminate() == 0


async def _post_json(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> Any:
    async with session.post(url, **kwargs) as resp:
        assert resp.status == 201, await resp.text()
        return await resp.json()


async def test_views_over_two_instances_are_counted_exactly(
    pg_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    """10,000 views split over two instances, SIGTERM both, restart: exactly 10,000;
    each instance shows views counted by the other within a second."""
    token = add_editor(settings_for(pg_url), "editor")
    a, b = launch(instances, pg_url, tmp_path, 2)
    await asyncio.gather(a.ready(), b.ready())
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        article = await _post_json(
            session, f"{a.base}/api/v1/articles", json=sample_article(), headers=bearer(token)
        )
        ids = article["id"]
        semaphore = asyncio.Semaphore(64)

        async def view(base: str, n: int) -> None:
            async with semaphore:
                path = f"/ko/articles/{ids}" if n % 2 else f"/api/v1/articles/{ids}/hits"
                method = session.get if n % 2 else session.post
                async with method(f"{base}{path}") as resp:
                    assert resp.status == 200
                    await resp.read()

        await asyncio.gather(*(view(a.base if n % 4 < 2 else b.base, n) for n in range(10_000)))

        # Every instance shows what the other counted within a second (flushes: 0.5 s).
        async def both_show_all() -> bool:
            for base in (a.base, b.base):
                async with session.get(f"{base}/api/v1/articles/{ids}") as resp:
                    if (await resp.json())["hits"] != 10_000:
                        return False
            return True

        await _wait_until(both_show_all, 1.0)
    assert await a.terminate() == 0
    assert await b.terminate() == 0
    c = launch(instances, pg_url, tmp_path, 1)[0]
    await c.ready()
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{c.base}/api/v1/articles/{ids}") as resp,
    ):
        assert (await resp.json())["hits"] == 10_000


async def _wait_until(check: Any, seconds: float) -> float:
    """Poll `check()` until true; the seconds it took (fails past `seconds`)."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_write_shows_through_the_other_instance_within_a_second(
    pg_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    token = add_editor(settings_for(pg_url), "editor")
    a, b = launch(instances, pg_url, tmp_path, 2)
    await asyncio.gather(a.ready(), b.ready())
    async with aiohttp.ClientSession() as session:
        # Warm b's caches, so a stale cache would show.
        for path in ("/en/feed.atom", "/en/", "/en/articles/1"):
            async with session.get(f"{b.base}{path}") as resp:
                await resp.read()
        title = "Written through the first instance"
        body = sample_article(translations={"en": {"title": title}})
        article = await _post_json(
            session, f"{a.base}/api/v1/articles", json=body, headers=bearer(token)
        )

        async def shown(path: str) -> bool:
            async with session.get(f"{b.base}{path}") as resp:
                return resp.status == 200 and title in await resp.text()

        for path in ("/en/feed.atom", "/en/", f"/en/articles/{article['id']}"):
            await _wait_until(lambda path=path: shown(path), 1.0)
        tags = []
        for instance in (a, b):
            async with session.get(f"{instance.base}/en/feed.atom") as resp:
                tags.append(
                    (resp.headers["ETag"], resp.headers["Last-Modified"], await resp.read())
                )
        assert tags[0] == tags[1]


async def test_one_if_match_across_instances_has_exactly_one_winner(
    pg_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    token = add_editor(settings_for(pg_url), "editor")
    a, b = launch(instances, pg_url, tmp_path, 2)
    await asyncio.gather(a.ready(), b.ready())
    async with aiohttp.ClientSession() as session:
        article = await _post_json(
            session, f"{a.base}/api/v1/articles", json=sample_article(), headers=bearer(token)
        )
        url = f"/api/v1/articles/{article['id']}"
        async with session.get(f"{a.base}{url}") as resp:
            etag = resp.headers["ETag"]

        async def patch(base: str, n: int) -> int:
            headers = {**bearer(token), "If-Match": etag}
            body = {"category": f"c{n}"}
            async with session.patch(f"{base}{url}", json=body, headers=headers) as resp:
                return resp.status

        statuses = await asyncio.gather(*(patch((a, b)[n % 2].base, n) for n in range(20)))
        assert sorted(statuses) == [200] + [412] * 19


@contextlib.asynccontextmanager
async def proxy_to(target_host: str, target_port: int) -> AsyncIterator[Proxy]:
    proxy = Proxy(target_host, target_port)
    await proxy.open()
    try:
        yield proxy
    finally:
        await proxy.close()


class Proxy:
    """A TCP relay standing for the database's network: `cut()` drops every connection
    and refuses new ones (a restarting server), `restore()` listens again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            await self._close(writer)
            return
        self._writers.add(up_writer)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            await self._close(writer)
            await self._close(up_writer)
            self._relays.discard(task)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        await self._close(dst)

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        self._writers.discard(writer)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as a dying server gives
        await self._server.wait_closed()
        self._server = None
        await asyncio.gather(*self._relays, return_exceptions=True)

    async def restore(self) -> None:
        await self.open()

    async def close(self) -> None:
        if self._server is not None:
            await self.cut()


async def test_the_database_restarting_under_load_loses_nothing_acknowledged(
    pg_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    token = add_editor(settings_for(pg_url), "editor")
    parts = urlsplit(pg_url)
    async with proxy_to(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        through = urlunsplit(
            parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}")
        )
        instance = launch(instances, through, tmp_path, 1)[0]
        await instance.ready()
        acked_hits = 0
        acked_writes: list[int] = []
        statuses: dict[int, int] = {}
        slow = 0.0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            article = await _post_json(
                session,
                f"{instance.base}/api/v1/articles",
                json=sample_article(),
                headers=bearer(token),
            )
            stop = asyncio.Event()

            async def load() -> None:
                nonlocal acked_hits, slow
                n = 0
                while not stop.is_set():
                    n += 1
                    started = time.monotonic()
                    if n % 10 == 0:
                        url = f"{instance.base}/api/v1/articles"
                        req = session.post(url, json=sample_article(), headers=bearer(token))
                    else:
                        req = session.post(f"{instance.base}/api/v1/articles/{article['id']}/hits")
                    try:
                        async with req as resp:
                            statuses[resp.status] = statuses.get(resp.status, 0) + 1
                            if resp.status == 503:
                                assert resp.content_type == "application/problem+json"
                                slow = max(slow, time.monotonic() - started)
                            elif resp.status == 200:
                                acked_hits += 1
                            elif resp.status == 201:
                                acked_writes.append((await resp.json())["id"])
                    except (TimeoutError, aiohttp.ClientError):
                        statuses[0] = statuses.get(0, 0) + 1

            workers = [asyncio.create_task(load()) for _ in range(8)]
            await asyncio.sleep(1.0)
            await proxy.cut()
            await asyncio.sleep(1.0)
            started = time.monotonic()
            async with session.get(f"{instance.base}/healthz") as resp:
                assert resp.status == 503
                assert resp.content_type == "application/problem+json"
            assert time.monotonic() - started < 5.0
            await asyncio.sleep(1.0)
            await proxy.restore()
            back = time.monotonic()

            async def healthy() -> bool:
                async with session.get(f"{instance.base}/healthz") as resp:
                    return resp.status == 200

            await _wait_until(healthy, 10.0)
            recovered = time.monotonic() - back
            await asyncio.sleep(1.0)
            stop.set()
            await asyncio.gather(*workers)
        assert statuses.get(503, 0) > 0, statuses  # the outage was seen
        assert slow < 5.0  # answered quickly, not after a hang
        assert recovered < 10.0
        assert await instance.terminate() == 0

    def count(store: Any) -> Any:
        return store.article(article["id"], public_only=False)

    stored = with_store(settings_for(pg_url), count)
    assert stored.hits == acked_hits, statuses
    for article_id in acked_writes:
        assert (
            with_store(
                settings_for(pg_url),
                lambda store, i=article_id: store.article(i, public_only=False),
            )
            is not None
        )

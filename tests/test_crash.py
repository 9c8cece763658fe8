"""Crash safety against a real `newsfeed serve` process: SIGKILL mid-load, SIGTERM, backup.

Every write the server acknowledged must survive a SIGKILL (each is one committed
SQLite transaction); every hit acknowledged before a SIGTERM must survive a restart;
`newsfeed backup` taken during writes must be a consistent, complete database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from conftest import add_editor, bearer, free_port, sample_article, settings_for

from newsfeed import auth

CLIENTS = 8
ACKED_BEFORE_KILL = 80  # the kill comes after this many 201s, while clients keep posting
START_TIMEOUT = 20.0  # seconds for a server to answer /healthz (a bound, not a measure)


class Server:
    """`python -m newsfeed serve` on a free 127.0.0.1 port, over one database file."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self, session: aiohttp.ClientSession) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "NEWSFEED_DB": str(self.db_path),
            "NEWSFEED_HOST": "127.0.0.1",
            "NEWSFEED_PORT": str(port),
            "NEWSFEED_WORKERS": "1",
        }
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "newsfeed",
            "serve",
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                assert self.proc.returncode is None, "the server exited while starting"
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(self.url + "/healthz") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.05)

    async def stop(self, signum: signal.Signals) -> int:
        assert self.proc is not None
        self.proc.send_signal(signum)
        async with asyncio.timeout(30):
            return await self.proc.wait()

    def kill_if_running(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Server, aiohttp.ClientSession, str]]:
    path = tmp_path / "crash.db"
    token = add_editor(settings_for(path), "editor", auth.Role.EDITOR)
    server = Server(path)
    async with aiohttp.ClientSession() as session:
        try:
            await server.start(session)
            yield server, session, token
        finally:
            server.kill_if_running()
            if server.proc is not None:
                await server.proc.wait()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class Acked(list[int]):
    """Ids of acknowledged (201) articles; `reached(n)` waits until there are n."""

    def __init__(self) -> None:
        super().__init__()
        self._grew = asyncio.Event()

    def add(self, article_id: int) -> None:
        self.append(article_id)
        self._grew.set()

    async def reached(self, n: int) -> None:
        async with asyncio.timeout(60):
            while len(self) < n:
                self._grew.clear()
                await self._grew.wait()


async def post_until_stopped(
    server: Server, session: aiohttp.ClientSession, token: str, acked: Acked, n: int
) -> None:
    """Post articles until the server goes away; record each acknowledged (201) id."""
    i = 0
    while True:
        i += 1
        body = sample_article(slug=f"c{n}-{i}")
        try:
            async with session.post(
                server.url + "/api/v1/articles", json=body, headers=bearer(token)
            ) as resp:
                if resp.status != 201:
                    return
                acked.add((await resp.json())["id"])
        except (TimeoutError, aiohttp.ClientError):
            return


async def test_acknowledged_articles_survive_sigkill(
    served: tuple[Server, aiohttp.ClientSession, str],
) -> None:
    server, session, token = served
    acked = Acked()
    clients = [
        asyncio.create_task(post_until_stopped(server, session, token, acked, n))
        for n in range(CLIENTS)
    ]
    await acked.reached(ACKED_BEFORE_KILL)
    assert await server.stop(signal.SIGKILL) == -signal.SIGKILL
    await asyncio.gather(*clients)
    assert len(acked) >= ACKED_BEFORE_KILL
    assert integrity(server.db_path) == "ok"

    await server.start(session)
    for article_id in acked:
        async with session.get(
            f"{server.url}/api/v1/articles/{article_id}", headers=bearer(token)
        ) as resp:
            assert resp.status == 200, article_id
    listed: set[int] = set()
    cursor = ""
    while True:  # every page: more than 100 may have been acknowledged
        async with session.get(f"{server.url}/api/v1/articles?limit=100{cursor}") as resp:
            page = await resp.json()
        listed |= {item["id"] for item in page["items"]}
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert set(acked) <= listed
    assert await server.stop(signal.SIGTERM) == 0
    assert integrity(server.db_path) == "ok"


async def test_hits_acknowledged_before_sigterm_survive(
    served: tuple[Server, aiohttp.ClientSession, str],
) -> None:
    server, session, token = served
    async with session.post(
        server.url + "/api/v1/articles", json=sample_article(), headers=bearer(token)
    ) as resp:
        assert resp.status == 201
        article_id = (await resp.json())["id"]

    async def hit() -> int:
        async with session.post(f"{server.url}/api/v1/articles/{article_id}/hits") as resp:
            assert resp.status == 200
            return (await resp.json())["hits"]

    counts = await asyncio.gather(*(hit() for _ in range(150)))
    assert max(counts) == 150
    assert await server.stop(signal.SIGTERM) == 0
    await server.start(session)
    async with session.get(f"{server.url}/api/v1/articles/{article_id}") as resp:
        assert (await resp.json())["hits"] == 150


async def test_backup_while_writing(
    served: tuple[Server, aiohttp.ClientSession, str], tmp_path: Path
) -> None:
    server, session, token = served
    acked = Acked()
    writers = [
        asyncio.create_task(post_until_stopped(server, session, token, acked, n)) for n in range(4)
    ]
    await acked.reached(20)
    before = set(acked)
    target = tmp_path / "backups" / "copy.db"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "newsfeed",
        "backup",
        str(target),
        env={**os.environ, "NEWSFEED_DB": str(server.db_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    after_backup = len(acked)
    assert await server.stop(signal.SIGTERM) == 0
    await asyncio.gather(*writers)
    assert after_backup > len(before)  # the writers went on while the copy was made

    assert integrity(target) == "ok"
    conn = sqlite3.connect(target)
    try:
        ids = {row[0] for row in conn.execute("SELECT id FROM articles")}
        orphans = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM translations t WHERE t.article_id = a.id)"
        ).fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    assert before <= ids
    assert orphans == 0  # no write is half in the copy
    assert mode == "delete"
    assert f"backed up {len(ids)} articles".encode() in out
    assert not list(target.parent.glob("*.partial"))


async def test_sigterm_lets_requests_in_progress_finish(
    served: tuple[Server, aiohttp.ClientSession, str],
) -> None:
    """Requests the server has begun when SIGTERM comes are answered and stored.

    `Expect: 100-continue` makes the server say when it has routed a request; the body
    goes in the same write, because aiohttp stops reading from connections at shutdown
    (a body still in transit then is never read, and its request gets 408).
    """
    server, session, token = served
    streams = []
    for n in range(5):
        body = json.dumps(sample_article(slug=f"in-flight-{n}")).encode()
        host, port = server.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            (
                "POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n"
                "Expect: 100-continue\r\nConnection: close\r\n\r\n"
            ).encode()
            + body
        )
        await writer.drain()
        streams.append((reader, writer))
    for reader, _ in streams:
        assert (await reader.readline()).startswith(b"HTTP/1.1 100")
        assert await reader.readline() == b"\r\n"
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    for n, (reader, writer) in enumerate(streams):
        async with asyncio.timeout(30):
            response = await reader.read()
        writer.close()
        assert response.startswith(b"HTTP/1.1 201"), response
        assert f'"slug":"in-flight-{n}"'.encode() in response
    async with asyncio.timeout(30):
        assert await server.proc.wait() == 0
    conn = sqlite3.connect(server.db_path)
    try:
        found = conn.execute("SELECT count(*) FROM articles WHERE slug LIKE 'in-flight-%'")
        assert found.fetchone() == (5,)
    finally:
        conn.close()

"""Crash safety against a real `newsfeed serve` process: SIGKILL mid-load, SIGTERM, backup.

Every write the server acknowledged must survive a SIGKILL (each is one committed
SQLite transaction); every hit acknowledged before a SIGTERM must survive a restart;
`newsfeed backup` taken during writes must be a consistent, complete database.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
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


# --- restore ----------------------------------------------------------------------------


async def newsfeed(db_path: Path, *args: str) -> tuple[int, str, str]:
    """Run a `newsfeed` command on the database; (status, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "newsfeed",
        *args,
        env={**os.environ, "NEWSFEED_DB": str(db_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def article_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM articles")}
    finally:
        conn.close()


async def post(server: Server, session: aiohttp.ClientSession, token: str, slug: str) -> int:
    async with session.post(
        server.url + "/api/v1/articles", json=sample_article(slug=slug), headers=bearer(token)
    ) as resp:
        assert resp.status == 201
        return int((await resp.json())["id"])


async def test_restore_after_a_crash_holds_exactly_the_backup(
    served: tuple[Server, aiohttp.ClientSession, str], tmp_path: Path
) -> None:
    """SIGKILL after writes that are only in the write-ahead log; the restored database
    holds the backup's articles, none of the log's, and the old file is kept aside."""
    server, session, token = served
    kept = {await post(server, session, token, f"kept-{n}") for n in range(5)}
    copy = tmp_path / "backups" / "before.db"
    status, _, err = await newsfeed(server.db_path, "backup", str(copy))
    assert status == 0, err
    lost = {await post(server, session, token, f"lost-{n}") for n in range(5)}
    assert await server.stop(signal.SIGKILL) == -signal.SIGKILL
    wal = server.db_path.with_name(server.db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the crash left a log behind

    status, out, err = await newsfeed(server.db_path, "restore", str(copy))
    assert status == 0, err
    assert f"restored {len(kept)} articles" in out
    assert not wal.exists()  # the old log went aside: it can never be replayed into this
    assert article_ids(server.db_path) == kept
    assert integrity(server.db_path) == "ok"
    (aside,) = server.db_path.parent.glob(f"{server.db_path.name}.replaced-*[0-9]Z")
    assert str(aside) in out
    assert article_ids(aside) == kept | lost  # opened with its own log: nothing lost

    await server.start(session)
    listed: set[int] = set()
    async with session.get(f"{server.url}/api/v1/articles?limit=100") as resp:
        listed = {item["id"] for item in (await resp.json())["items"]}
    assert listed == kept
    for article_id in lost:
        async with session.get(f"{server.url}/api/v1/articles/{article_id}") as resp:
            assert resp.status == 404
    assert await server.stop(signal.SIGTERM) == 0


async def test_restore_is_refused_while_a_server_uses_the_database(
    served: tuple[Server, aiohttp.ClientSession, str], tmp_path: Path
) -> None:
    server, session, token = served
    await post(server, session, token, "one")
    copy = tmp_path / "copy.db"
    assert (await newsfeed(server.db_path, "backup", str(copy)))[0] == 0
    await post(server, session, token, "two")
    before = article_ids(server.db_path)
    status, out, err = await newsfeed(server.db_path, "restore", str(copy))
    assert status == 1 and out == ""
    assert err.strip() == (
        f"newsfeed: restore refused: {server.db_path} is in use by a running newsfeed serve: "
        "stop it first"
    )
    assert article_ids(server.db_path) == before
    assert not list(server.db_path.parent.glob("*.replaced-*"))
    async with session.get(f"{server.url}/healthz") as resp:
        assert resp.status == 200
    assert await server.stop(signal.SIGTERM) == 0
    status, _, err = await newsfeed(server.db_path, "restore", str(copy))  # stopped: done
    assert status == 0, err
    assert len(article_ids(server.db_path)) == len(before) - 1


def test_restore_refuses_a_bad_backup_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "site.db"
    add_editor(settings_for(target), "keep-me", auth.Role.EDITOR)  # migrates it
    good = tmp_path / "good.db"
    status, _, err = asyncio.run(newsfeed(target, "backup", str(good)))
    assert status == 0, err
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE other (x)").connection.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes())
    with damaged.open("r+b") as fp:  # garble the pages after the schema's
        fp.seek(4096 * 2)
        fp.write(b"\xff" * 4096 * 3)
    future = tmp_path / "future.db"
    future.write_bytes(good.read_bytes())
    conn = sqlite3.connect(future)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = target.read_bytes()
    for path, words in (
        (tmp_path / "missing.db", "does not exist"),
        (text, "not a usable SQLite database"),
        (empty, "not a newsfeed database"),
        (damaged, "database disk image is malformed|failed its integrity check"),
        (future, "schema version 999"),
        (target, "the database itself"),
    ):
        status, out, err = asyncio.run(newsfeed(target, "restore", str(path)))
        assert status == 1 and out == "", (path, out)
        assert re.search(words, err) and err.count("\n") == 1, (path, err)
        assert target.read_bytes() == before, path
    assert not list(tmp_path.glob("*.replaced-*"))
    assert not list(tmp_path.glob("*.restoring"))


def test_serve_refuses_to_start_during_a_restore(tmp_path: Path) -> None:
    """While a restore holds the database, `serve` stops at once with one line."""
    target = tmp_path / "site.db"
    with open(target.with_name(target.name + ".serve-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # what a restore in progress holds
        result = subprocess.run(
            [sys.executable, "-m", "newsfeed", "serve"],
            env={**os.environ, "NEWSFEED_DB": str(target), "NEWSFEED_PORT": str(free_port())},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr == f"newsfeed: {target} is being restored; start again when it is done\n"
    assert not target.exists()  # not even migrated

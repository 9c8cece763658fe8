"""PostgreSQL databases for tests: a migrated template per session, a fresh copy per test.

The server comes from `NEWSFEED_TEST_PG` (a URL whose role may create databases;
`bash .ci/postgres` starts a server and prints one). Without it the tests that need
PostgreSQL skip, saying so, unless `NEWSFEED_REQUIRE_PG=1` (set in CI), where they fail:
a CI run must never pass by skipping them.

Every test gets a database of its own, a copy of a migrated template (`CREATE DATABASE
… TEMPLATE`, ~50 ms on an idle machine, made ahead of time: `Databases`), so tests cannot
see each other's rows. Names carry the process id, so runs from several work trees can
share one server.

Use it from a test module (conftest.py is left to the SQLite app's fixtures):

    import pgfixture

    pg_server = pgfixture.pg_server
    pg_template = pgfixture.pg_template
    pg_databases = pgfixture.pg_databases
    pg_database = pgfixture.pg_database

    async def test_x(pg_database: str) -> None:
        store = await PostgresStore.open(pg_database, pool=4, timeout=5, migrate=False)
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import itertools
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_ENV = "NEWSFEED_TEST_PG"
REQUIRE_ENV = "NEWSFEED_REQUIRE_PG"
PREFIX = f"nf_{os.getpid()}"
T = TypeVar("T")
_numbers = itertools.count(1)


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def run_apart(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to its end on an event loop of its own, in a thread of its own,
    so that sync fixtures never touch the loop pytest-asyncio gives the tests."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


async def create_database(server: str, name: str, options: str = "") -> str:
    """Create database `name` on the server (`options`: e.g. `TEMPLATE x`); its URL."""
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" {options}')
    finally:
        await conn.close()
    return with_database(server, name)


async def drop_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def new_name(kind: str = "t") -> str:
    return f"{PREFIX}_{kind}{next(_numbers)}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The URL of a database on the test server (only to create and drop others)."""
    url = os.environ.get(URL_ENV, "")
    if not url:
        message = f"{URL_ENV} is not set: run `bash .ci/postgres` and export the URL it prints"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1: PostgreSQL tests may not skip)")
        pytest.skip(message)
    try:
        run_apart(lambda: _ping(url))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"{URL_ENV}={url} does not answer: {exc}")
    return url


async def _ping(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    await conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """The name of a database migrated to the newest schema, to copy from."""
    from newsfeed.store.postgres import PostgresStore

    name = new_name("template")

    async def make() -> None:
        await drop_database(pg_server, name)
        url = await create_database(pg_server, name)
        store = await PostgresStore.open(url, pool=1, timeout=10, migrate=True)
        await store.close()

    run_apart(make)
    yield name
    run_apart(lambda: drop_database(pg_server, name))


class Databases:
    """Fresh copies of the template, made ahead while earlier tests run, and dropped
    while later ones run: on a busy machine a CREATE or DROP DATABASE can take a second
    or two (waiting for the disk), which would triple the tests' time. The DDL runs on a
    few threads of its own; concurrent copies of one template are fine (nobody connects
    to it)."""

    AHEAD = 3  # copies kept ready (and threads doing the DDL)

    def __init__(self, server: str, template: str) -> None:
        self._server, self._template = server, template
        self._worker = concurrent.futures.ThreadPoolExecutor(self.AHEAD, "pgfixture")
        self._pending: list[concurrent.futures.Future[None]] = []
        self._ready = collections.deque(
            self._worker.submit(self._create) for _ in range(self.AHEAD)
        )

    def _create(self, options: str | None = None) -> str:
        name = new_name()
        options = f'TEMPLATE "{self._template}"' if options is None else options
        return asyncio.run(create_database(self._server, name, options))

    def _drop(self, url: str) -> None:
        asyncio.run(drop_database(self._server, urlsplit(url).path.lstrip("/")))

    def take(self) -> str:
        """A fresh database's URL (and another one is started)."""
        url = self._ready.popleft().result()
        self._ready.append(self._worker.submit(self._create))
        return url

    def make(self, options: str) -> str:
        """A new database made with `options` (e.g. its template and locale); hand it
        back with `give_back`."""
        return self._worker.submit(self._create, options).result()

    def give_back(self, url: str) -> None:
        self._pending.append(self._worker.submit(self._drop, url))

    def close(self) -> None:
        try:
            while self._ready:
                self.give_back(self._ready.popleft().result())
        finally:
            for done in self._pending:
                done.result()
            self._worker.shutdown()


@pytest.fixture(scope="session")
def pg_databases(pg_server: str, pg_template: str) -> Iterator[Databases]:
    databases = Databases(pg_server, pg_template)
    yield databases
    databases.close()


@pytest.fixture
def pg_database(pg_databases: Databases) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database of this test's own (dropped after)."""
    url = pg_databases.take()
    yield url
    pg_databases.give_back(url)


@pytest.fixture
def pg_empty(pg_databases: Databases) -> Iterator[str]:
    """The URL of a new database with no newsfeed schema and no pg_trgm yet."""
    url = pg_databases.make("TEMPLATE template0 LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'")
    yield url
    pg_databases.give_back(url)

"""The real app over a real store (a SQLite file in a temp dir, or a fresh PostgreSQL
database); helpers every test file uses."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from newsfeed import auth
from newsfeed.settings import LOCALES_DIR, Settings
from newsfeed.store import TABLES, Store, open_store
from newsfeed.web.app import create_app

BASE_URL = "http://news.example"
T = TypeVar("T")


def settings_for(db: str | Path, **env: str) -> Settings:
    """Settings for the database `db` (a path or a URL), as a started process gets them."""
    return Settings.from_env({"NEWSFEED_DB": str(db), "NEWSFEED_BASE_URL": BASE_URL, **env})


def sqlite_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings for a SQLite file in `tmp_path`, migrated."""
    result = Settings.from_env(
        {"NEWSFEED_DB": str(tmp_path / "newsfeed.db"), "NEWSFEED_BASE_URL": BASE_URL, **env}
    )
    with_store(result, lambda store: asyncio.sleep(0))  # migrates
    return result


STORES = ("sqlite", "postgres")


@pytest.fixture(params=STORES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The HTTP-level suite runs on both stores: a fresh SQLite file, or a fresh
    PostgreSQL database made from a migrated template."""
    if request.param == "postgres":
        return settings_for(request.getfixturevalue("pg_url"))
    return sqlite_settings(tmp_path)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: reads or writes the SQLite file itself")


# Modules whose tests start servers as processes and time what crosses between them: with
# `pytest -n 2 --dist loadgroup` (make test) they run one after another on one worker.
SERIAL_MODULES = frozenset(
    {"test_scaleout.py", "test_crash.py", "test_port.py", "test_hits.py", "test_metrics.py"}
)


# Modules whose tests share one started server (module-scoped) and read what earlier tests
# of the module did to it: each stays whole on one worker.
SHARED_SERVER_MODULES = frozenset({"test_contract.py", "test_fuzz.py", "test_any_request.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked sqlite_only runs on the SQLite store alone; the serial modules'
    tests share one xdist group."""
    keep, drop = [], []
    for item in items:
        if item.path.name in SERIAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("processes"))
        elif item.path.name in SHARED_SERVER_MODULES:  # their tests build on each other
            item.add_marker(pytest.mark.xdist_group(item.path.name))
        params = getattr(item, "callspec", None)
        on_pg = params is not None and params.params.get("settings") == "postgres"
        (drop if on_pg and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- PostgreSQL ------------------------------------------------------------------------
# NEWSFEED_TEST_PG names a database the tests may connect to (its server must let that
# role create databases); `.ci/run` sets it and NEWSFEED_REQUIRE_PG=1, which turns the
# skip of a machine without PostgreSQL into a failure.

_numbers = itertools.count(1)


def _pg_or_skip() -> str:
    url = os.environ.get("NEWSFEED_TEST_PG")
    if url:
        return url
    reason = "no PostgreSQL: set NEWSFEED_TEST_PG (`.ci/postgres` prints a URL)"
    if os.environ.get("NEWSFEED_REQUIRE_PG") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _on_database(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


def _admin(url: str, *statements: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


UTF8_DATABASE = "TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"


def _create_database(url: str, name: str, options: str = "") -> str:
    """A new empty database (by default one whose LC_CTYPE lets pg_trgm index Hangul)."""
    _admin(
        url,
        f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        f"CREATE DATABASE {name} {options or UTF8_DATABASE}",
    )
    return _on_database(url, name)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One database per run, migrated once; every test empties it (`pg_url`)."""
    url = _pg_or_skip()
    name = f"nf_test_{os.getpid()}"
    migrated = _create_database(url, name)
    with_store(settings_for(migrated), lambda store: asyncio.sleep(0))
    yield migrated
    _admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_EMPTY_ALL = """
DO $$ DECLARE tables text; BEGIN
    SELECT string_agg(quote_ident(tablename), ', ') INTO tables
    FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations';
    EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
END $$
"""


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The run's migrated PostgreSQL database, emptied: every table truncated and its
    identities restarted (~10 ms; a CREATE DATABASE per test costs far more under load)."""
    _admin(pg_database, _EMPTY_ALL)
    return pg_database


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The database NEWSFEED_TEST_PG names, for administrative statements."""
    return _pg_or_skip()


@pytest.fixture
def pg_new_database(pg_server: str) -> Iterator[Callable[..., str]]:
    """Makes brand-new databases (no schema) for one test, dropped after it."""
    made: list[str] = []

    def make(options: str = "") -> str:
        name = f"nf_new_{os.getpid()}_{next(_numbers)}"
        made.append(name)
        return _create_database(pg_server, name, options)

    yield make
    for name in made:
        _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_empty_url(pg_new_database: Callable[..., str]) -> str:
    """A brand-new PostgreSQL database with no schema at all."""
    return pg_new_database()


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Any], settings: Settings
) -> AsyncIterator[TestClient]:
    test_client = await aiohttp_client(create_app(settings))
    yield test_client
    await test_client.close()  # the app's cleanup (final hit flush) before the database goes


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work(store)` on a store of its own, from sync or async test code alike (in a
    thread with its own event loop), as the command line would."""

    async def run() -> T:
        store = await open_store(settings)
        try:
            return await work(store)
        finally:
            await store.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def add_editor(
    settings: Settings,
    name: str,
    role: auth.Role = auth.Role.EDITOR,
    langs: list[str] | None = None,
) -> str:
    return with_store(settings, lambda store: auth.add_editor(store, name, role, langs))


def revoke_editor(settings: Settings, name: str) -> bool:
    return with_store(settings, lambda store: auth.revoke_editor(store, name))


@pytest.fixture
def editor_token(settings: Settings) -> str:
    return add_editor(settings, "editor", auth.Role.EDITOR)


@pytest.fixture
def translator_token(settings: Settings) -> str:
    return add_editor(settings, "translator", auth.Role.TRANSLATOR)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sample_article(**overrides: Any) -> dict[str, Any]:
    """A valid create body: a published Korean+English article."""
    body: dict[str, Any] = {
        "category": "news",
        "status": "published",
        "published_at": "2020-09-15T10:00:00+09:00",
        "translations": {
            "ko": {
                "title": "첨단재생의학 협약",
                "summary": "요약",
                "body": "본문",
                "author": "홍보팀",
            },
            "en": {
                "title": "Regenerative medicine pact",
                "summary": "Summary",
                "body": "Body",
                "author": "Communications",
            },
        },
    }
    body.update(overrides)
    return body


async def create(client: TestClient, token: str, **overrides: Any) -> dict[str, Any]:
    """POST an article through the API and return it; fails the test unless 201."""
    resp = await client.post(
        "/api/v1/articles", json=sample_article(**overrides), headers=bearer(token)
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


def snapshot(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, to prove a rejected write changed nothing."""

    async def dump(store: Store) -> dict[str, list[dict[str, Any]]]:
        return {table: await store.dump(table) for table in TABLES}

    return with_store(settings, dump)


def locales_with(folder: Path, *extra: str) -> Path:
    """A copy of the packaged catalogs plus an empty (untranslated) one for each `extra`
    language: a language needs a catalog to be configured."""
    target = folder / "locales"
    shutil.copytree(LOCALES_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    for lang in extra:
        (target / lang / "LC_MESSAGES").mkdir(parents=True)
        with (target / lang / "LC_MESSAGES" / "messages.po").open("wb") as fp:
            write_po(fp, Catalog(locale=lang))
    return target


def sqlite_at_version(path: Path, version: int) -> None:
    """A SQLite file with only the first `version` migrations applied: a database made by
    an older release, for tests of what a later migration does to it. (Rewinding
    `user_version` on a newer file would run later migrations twice.)"""
    from newsfeed.store.sqlite.migrations import MIGRATIONS

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for number, script in enumerate(MIGRATIONS[:version], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    finally:
        conn.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, for a server started as a process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_problem_body(body: dict[str, Any], status: int) -> None:
    """The RFC 9457 shape every error answers with."""
    assert body["status"] == status
    assert body["type"] == "about:blank" or "/problems/" in body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]

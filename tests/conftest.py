"""The real app over a real store (a SQLite file in a temp dir, or a fresh PostgreSQL
database); helpers every test file uses."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient

from newsfeed import auth
from newsfeed.settings import Settings
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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sqlite_settings(tmp_path)


@pytest.fixture
async def client(aiohttp_client: Callable[..., Any], settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(settings))


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

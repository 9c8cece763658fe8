"""The real app over a real SQLite file in a temp dir; helpers every test file uses."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from newsfeed import auth
from newsfeed.settings import Settings
from newsfeed.store.sqlite import schema as db
from newsfeed.web.app import create_app

BASE_URL = "http://news.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    result = Settings.from_env(
        {"NEWSFEED_DB": str(tmp_path / "newsfeed.db"), "NEWSFEED_BASE_URL": BASE_URL}
    )
    db.migrate(result.db_path)
    return result


@pytest.fixture
async def client(aiohttp_client: Callable[..., Any], settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def editor_token(settings: Settings) -> str:
    return auth.add_editor(settings.db_path, "editor", auth.Role.EDITOR)


@pytest.fixture
def translator_token(settings: Settings) -> str:
    return auth.add_editor(settings.db_path, "translator", auth.Role.TRANSLATOR)


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


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the content tables, to prove a rejected write changed nothing."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("articles", "translations", "editors", "changes")
        }
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

"""The real app over a real SQLite file in a temp dir; helpers every test file uses."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from newsfeed import auth, db
from newsfeed.app import create_app
from newsfeed.settings import LOCALES_DIR, Settings

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

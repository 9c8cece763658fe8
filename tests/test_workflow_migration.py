"""Articles written before the translation workflow: after the migration their texts are
version 1, translated from the original's version 1, with that version kept as a
revision, and the workflow carries on from there."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from conftest import add_editor, bearer, settings_for, sqlite_at_version

from newsfeed.store.postgres import schema as pg_schema
from newsfeed.web.app import create_app

AT = "2020-09-15T01:00:00+00:00"


def _database_before_the_workflow(path: Path) -> None:
    sqlite_at_version(path, 7)  # the last migration before the workflow's
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        at = AT
        conn.execute(
            "INSERT INTO articles (id, category, status, published_at, published_us, "
            "created_at, updated_at, original_lang) "
            "VALUES (7, 'news', 'published', ?, 0, ?, ?, 'ko')",
            (at, at, at),
        )
        conn.executemany(
            "INSERT INTO translations (article_id, lang, title, summary, body, author, "
            "updated_at) VALUES (7, ?, ?, ?, '', '', ?)",
            [("ko", "제목", "요약", at), ("en", "Title", "", at)],
        )
    finally:
        conn.close()


@pytest.fixture
def pg_before_the_workflow(pg_empty_url: str) -> str:
    """A PostgreSQL database at schema version 2 holding one article of two texts."""
    target = pg_empty_url

    async def fill() -> None:
        import asyncpg

        conn = await asyncpg.connect(target)
        try:
            await conn.execute(
                "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for number, script in enumerate(pg_schema.MIGRATIONS[:2], start=1):
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
            await conn.execute(
                "INSERT INTO articles (id, category, status, published_at, published_us, "
                "created_at, updated_at, original_lang) "
                "VALUES (7, 'news', 'published', $1, 0, $1, $1, 'ko')",
                AT,
            )
            for lang, title, summary in (("ko", "제목", "요약"), ("en", "Title", "")):
                await conn.execute(
                    "INSERT INTO translations (article_id, lang, title, summary, body, author, "
                    "updated_at, search_text, pieces) VALUES (7, $1, $2, $3, '', '', $4, '', '{}')",
                    lang,
                    title,
                    summary,
                    AT,
                )
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, fill()).result()
    return target


@pytest.mark.sqlite_only
async def test_sqlite_texts_from_before_start_at_version_one(aiohttp_client, tmp_path):
    path = tmp_path / "old.db"
    _database_before_the_workflow(path)
    await _check_the_migrated_article(aiohttp_client, str(path))


async def test_postgres_texts_from_before_start_at_version_one(
    aiohttp_client, pg_before_the_workflow
):
    await _check_the_migrated_article(aiohttp_client, pg_before_the_workflow)


async def _check_the_migrated_article(aiohttp_client, db: str) -> None:
    settings = settings_for(db)
    token = add_editor(settings, "editor")  # opens the store: migrates
    client: TestClient = await aiohttp_client(create_app(settings))
    article = await (await client.get("/api/v1/articles/7")).json()
    ko, en = article["translations"]["ko"], article["translations"]["en"]
    assert (ko["version"], ko["source"], ko["stale"], ko["updated_by"]) == (1, None, False, None)
    assert (en["version"], en["source"], en["stale"]) == (1, {"lang": "ko", "version": 1}, False)
    revisions = await (
        await client.get("/api/v1/articles/7/translations/ko/revisions", headers=bearer(token))
    ).json()
    assert revisions["items"] == [
        {
            "version": 1,
            "created_at": AT,
            "editor": None,
            "fields": ["title", "summary"],
            "minor": False,
            "source": None,
        }
    ]
    resp = await client.put(
        "/api/v1/articles/7/translations/ko", json={"title": "새 제목"}, headers=bearer(token)
    )
    assert resp.status == 200
    en = (await resp.json())["translations"]["en"]
    assert en["stale"] is True
    diff = await (
        await client.get("/api/v1/articles/7/translations/en/source-diff", headers=bearer(token))
    ).json()
    assert "-제목" in diff["title"] and "+새 제목" in diff["title"]
    await client.close()  # the app's cleanup before the database goes

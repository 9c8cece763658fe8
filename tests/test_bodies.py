"""Bodies rendered at write time: stored with every write, filled for older texts, and
what the article page shows. These read and write the SQLite file itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import bearer, create, settings_for, sqlite_at_version, with_store

from newsfeed import render
from newsfeed.render import markdown_html
from newsfeed.store.sqlite.schema import migrate

pytestmark = pytest.mark.sqlite_only


def stored(path: Path, article_id: int) -> dict[str, str | None]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT lang, body_html FROM translations WHERE article_id = ?", (article_id,)
        ).fetchall()
        return dict(rows)
    finally:
        conn.close()


def execute(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(sql, args)
    finally:
        conn.close()


async def test_every_write_stores_the_rendered_body(client, settings, editor_token):
    article = await create(client, editor_token)
    path = settings.db_path
    ko = article["translations"]["ko"]["body"]
    assert stored(path, article["id"])["ko"] == render.markdown_html(ko)
    url = f"/api/v1/articles/{article['id']}/translations/en"
    resp = await client.put(
        url, json={"title": "T", "body": "*Hi* <script>x</script>"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    assert stored(path, article["id"])["en"] == "<p><em>Hi</em> </p>\n"
    resp = await client.put(url, json={"title": "T"}, headers=bearer(editor_token))
    assert resp.status == 200
    assert stored(path, article["id"])["en"] == ""


async def test_the_page_shows_the_stored_body(client, settings, editor_token):
    article = await create(client, editor_token)
    execute(
        settings.db_path,
        "UPDATE translations SET body_html = '<p>from the column</p>' WHERE article_id = ?",
        article["id"],
    )
    resp = await client.get(f"/ko/articles/{article['id']}")
    assert resp.status == 200
    assert "<p>from the column</p>" in await resp.text()


async def test_fill_renders_older_texts_and_leaves_search_alone(client, settings, editor_token):
    article = await create(
        client, editor_token, translations={"en": {"title": "Pact", "body": "**b** word"}}
    )
    path = settings.db_path
    execute(path, "UPDATE translations SET body_html = NULL")
    resp = await client.get(f"/en/articles/{article['id']}")  # rendered on the fly meanwhile
    assert resp.status == 200
    assert "<strong>b</strong>" in await resp.text()
    assert with_store(settings, lambda store: store.fill_bodies(markdown_html)) == 1
    assert stored(path, article["id"]) == {"en": "<p><strong>b</strong> word</p>\n"}
    assert with_store(settings, lambda store: store.fill_bodies(markdown_html)) == 0
    resp = await client.get("/en/search?q=word")
    assert resp.status == 200
    assert "Pact" in await resp.text()


def test_bodies_rendered_before_headings_moved_down_are_rendered_again(tmp_path: Path):
    """Migration 7 forgets bodies stored with a heading as <h1>; `fill_bodies` renders them
    anew."""
    path = tmp_path / "old.db"
    sqlite_at_version(path, 6)  # a database from before the change
    execute(
        path,
        "INSERT INTO articles (category, status, published_at, published_us, created_at, "
        "updated_at, original_lang) VALUES ('news', 'published', '2020-01-01T00:00:00+00:00', "
        "1577836800000000, '2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00+00:00', 'en')",
    )
    execute(
        path,
        "INSERT INTO translations (article_id, lang, title, body, updated_at, body_html) "
        "VALUES (1, 'en', 'T', '# Old', '2020-01-01T00:00:00+00:00', '<h1>Old</h1>\n')",
    )
    migrate(path)
    assert stored(path, 1) == {"en": None}
    assert with_store(settings_for(path), lambda store: store.fill_bodies(markdown_html)) == 1
    assert stored(path, 1) == {"en": "<h2>Old</h2>\n"}

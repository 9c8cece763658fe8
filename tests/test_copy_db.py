"""`newsfeed copy-db DEST_URL`, run as a real process: the whole site moves to an empty
database of either kind with its ids, hits and tokens, and a database that holds anything
is refused."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import (
    add_editor,
    bearer,
    create,
    revoke_editor,
    settings_for,
    snapshot,
    sqlite_settings,
    with_store,
)

from newsfeed import auth, copydb, seed
from newsfeed.settings import Settings
from newsfeed.store import TABLES, open_store
from newsfeed.web.app import create_app

ATOM_ID = re.compile(r"<id>(tag:[^<]*)</id>")


def copy_db(source: Settings, dest: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsfeed", "copy-db", dest],
        env={**os.environ, "NEWSFEED_DB": source.db},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def fill(aiohttp_client: Any, settings: Settings) -> dict[str, Any]:
    """A small site with what a copy must keep: texts in two languages and Korean, a
    deleted newest article (its number must never be given out again), a draft, hits,
    an active and a revoked editor. Answers the token and the Atom feeds' ids."""
    token = add_editor(settings, "alice")
    revoked = add_editor(settings, "bob", auth.Role.TRANSLATOR)
    revoke_editor(settings, "bob")
    client = await aiohttp_client(create_app(settings))
    first = await create(client, token, slug="first")
    await create(client, token, status="draft", published_at="2031-01-01T00:00:00+09:00")
    third = await create(client, token, category="events")
    odd = {"title": "😀 ]]> <script>&amp; \u200f첨단", "body": "a\tb\n\n**굵게** `]]>`"}
    await create(client, token, slug="odd", translations={"ko": odd, "en": {"title": "x"}})
    await translation_workflow(client, settings, token, first["id"])
    gone = await create(client, token)
    deleted = await client.delete(f"/api/v1/articles/{gone['id']}", headers=bearer(token))
    assert deleted.status == 204
    for article, views in ((first, 7), (third, 3)):
        for _ in range(views):
            resp = await client.post(f"/api/v1/articles/{article['id']}/hits")
            assert resp.status == 200
    feeds = {lang: await (await client.get(f"/{lang}/feed.atom")).text() for lang in ("ko", "en")}
    await client.close()  # the last hits are flushed on the way out
    return {"token": token, "revoked": revoked, "gone": gone["id"], "first": first, "feeds": feeds}


async def translation_workflow(client: Any, settings: Settings, token: str, article: int) -> None:
    """What the workflow keeps: revisions (minor or not), a stale translation, a confirm,
    the audit, a translator's languages and an answer kept for an Idempotency-Key."""
    mina = add_editor(settings, "mina", auth.Role.TRANSLATOR, ["en"])
    text = f"/api/v1/articles/{article}/translations"
    for lang, body, who in (
        ("ko", {"title": "오타 고침", "minor": True}, token),
        ("ko", {"title": "새 제목"}, token),
        ("en", {"title": "From the first", "source_version": 1}, mina),
    ):
        resp = await client.put(f"{text}/{lang}", json=body, headers=bearer(who))
        assert resp.status == 200, await resp.text()
    assert (
        await client.post(
            f"/api/v1/articles/{article}/translations/en/confirm",
            json={"source_version": 2},
            headers=bearer(mina),
        )
    ).status == 200
    kept = {"category": "news", "translations": {"en": {"title": "Once"}}}
    resp = await client.post(
        "/api/v1/articles", json=kept, headers=bearer(token) | {"Idempotency-Key": "copied"}
    )
    assert resp.status == 201


async def test_copy_to_sqlite_keeps_ids_hits_feeds_and_tokens(aiohttp_client, tmp_path: Path):
    source = sqlite_settings(tmp_path / "source")
    site = await fill(aiohttp_client, source)
    before = snapshot(source)
    assert sum(row["hits"] for row in before["articles"]) == 10

    dest = tmp_path / "dest" / "copy.db"
    result = copy_db(source, f"sqlite://{dest}")
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout and "hits 10 in both" in result.stdout
    for table in TABLES:
        assert re.search(rf"^\s+{table}\s+{len(before[table])} rows$", result.stdout, re.M)

    copied = settings_for(dest)
    assert snapshot(copied) == before
    assert snapshot(source) == before  # the source is only read
    await serves_the_same_site(aiohttp_client, copied, site)


async def test_round_trip_through_postgresql_keeps_every_table(
    aiohttp_client, tmp_path: Path, pg_empty_url: str
):
    """Into a database as `createdb` leaves it (copy-db makes the schema), and back."""
    source = sqlite_settings(tmp_path / "source")
    site = await fill(aiohttp_client, source)
    before = snapshot(source)

    there = copy_db(source, pg_empty_url)
    assert there.returncode == 0, there.stderr
    assert "verified" in there.stdout
    password = urlsplit(pg_empty_url).password
    if password:
        assert f":{password}@" not in there.stdout and ":***@" in there.stdout
    on_pg = settings_for(pg_empty_url)
    back_path = tmp_path / "back" / "again.db"
    back = copy_db(on_pg, f"sqlite://{back_path}")
    assert back.returncode == 0, back.stderr

    on_pg_rows, back_rows = snapshot(on_pg), snapshot(settings_for(back_path))
    for table in TABLES:
        assert on_pg_rows[table] == before[table], table
        assert back_rows[table] == before[table], table
    await serves_the_same_site(aiohttp_client, on_pg, site)


async def serves_the_same_site(aiohttp_client: Any, copied: Settings, site: dict[str, Any]):
    """The copy answers with the source's feed ids and hit counts, takes the old token
    (and still refuses the revoked one), and gives a new article a new number."""
    client = await aiohttp_client(create_app(copied))
    for lang, feed in site["feeds"].items():
        again = await (await client.get(f"/{lang}/feed.atom")).text()
        assert ATOM_ID.findall(again) == ATOM_ID.findall(feed) and len(ATOM_ID.findall(feed)) > 1
    page = await client.get(f"/api/v1/articles/{site['first']['id']}")
    assert (await page.json())["hits"] == 7
    new = await create(client, site["token"])
    assert new["id"] > site["gone"]
    refused = await client.post("/api/v1/articles", json={}, headers=bearer(site["revoked"]))
    assert refused.status == 401
    await client.close()


@pytest.mark.parametrize("holds", ["articles", "editors", "site_meta"])
async def test_a_destination_that_holds_anything_is_refused_and_left_alone(
    aiohttp_client, tmp_path: Path, holds: str
):
    source = sqlite_settings(tmp_path / "source")
    await fill(aiohttp_client, source)
    dest = sqlite_settings(tmp_path / "dest")
    if holds == "articles":
        client = await aiohttp_client(create_app(dest))
        await create(client, add_editor(dest, "dora"))
        await client.close()
    elif holds == "editors":
        add_editor(dest, "dora")
    else:
        with_store(dest, lambda store: store.set_site_value("tag_host", "news.example"))
    before = snapshot(dest)

    result = copy_db(source, dest.db)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0] and "nothing was written" in lines[0]
    assert snapshot(dest) == before


def test_copy_db_explains_itself_and_rejects_other_urls(tmp_path: Path):
    source = sqlite_settings(tmp_path)
    help_text = subprocess.run(
        [sys.executable, "-m", "newsfeed", "copy-db", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DEST_URL" in help_text and "empty" in help_text
    for dest, message in (("mysql://u:secret@h/db", "neither"), (source.db, "itself")):
        result = copy_db(source, dest)
        assert result.returncode == 2 and message in result.stderr
        assert "secret" not in result.stderr


async def test_verify_reports_any_difference(tmp_path: Path):
    source = await open_store(sqlite_settings(tmp_path / "source"))
    try:
        await seed.seed(source, ("ko", "en"))
        await source.add_hits({1: 5}, "p", 1)
        # (a change made to the copy, the sample size, what the failure must say)
        cases: list[tuple[str | None, int, str]] = [
            (None, 50, ""),
            (
                "UPDATE translations SET title = 'x' WHERE article_id = 3 AND lang = 'en'",
                50,
                "title",
            ),
            ("UPDATE articles SET hits = hits + 1 WHERE id = 2", 50, "hits is 1 in the copy, 0"),
            ("UPDATE articles SET hits = hits + 1 WHERE id = 2", 0, "hits: 5 in the source, 6"),
            ("DELETE FROM changes WHERE seq = 4", 50, "changes: 5 rows in the source, 4"),
        ]
        for number, (tamper, sample, words) in enumerate(cases):
            copied = sqlite_settings(tmp_path / f"dest{number}")
            dest = await open_store(copied)
            try:
                report = await copydb.copy_site(source, dest, batch=2)  # several batches
                assert report.hits == 5 and report.rows["translations"] == 9
                assert report.compared["translations"] == 9  # a sample of 50 takes all 9
                if tamper is None:
                    continue
                with closing(sqlite3.connect(copied.db)) as db:
                    db.execute(tamper)
                    db.commit()
                with pytest.raises(copydb.CopyFailed, match=words):
                    await copydb.verify(source, dest, sample=sample)
            finally:
                await dest.close()
    finally:
        await source.close()

"""`newsfeed copy-db DEST_URL`, run as a real process: the whole site moves to an empty
database with its ids, hits and tokens, and a database that holds anything is refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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

from newsfeed import auth
from newsfeed.settings import Settings
from newsfeed.store import TABLES
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

    client = await aiohttp_client(create_app(copied))
    for lang, feed in site["feeds"].items():
        again = await (await client.get(f"/{lang}/feed.atom")).text()
        assert ATOM_ID.findall(again) == ATOM_ID.findall(feed) and len(ATOM_ID.findall(feed)) > 1
    page = await client.get(f"/api/v1/articles/{site['first']['id']}")
    assert (await page.json())["hits"] == 7
    # The old token writes through the copy; a new article never reuses the deleted number.
    new = await create(client, site["token"])
    assert new["id"] > site["gone"]
    refused = await client.post("/api/v1/articles", json={}, headers=bearer(site["revoked"]))
    assert refused.status == 401


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

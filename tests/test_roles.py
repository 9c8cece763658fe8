"""Editors from the command line: translators' languages, the list, token rotation."""

from __future__ import annotations

import asyncio
import os
import sys

from conftest import bearer, create

from newsfeed.settings import Settings


async def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    """`newsfeed ARGS` as a process on the test's database: (exit status, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "newsfeed",
        *args,
        env={**os.environ, "NEWSFEED_DB": settings.db},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_a_translator_made_with_langs_writes_only_those(client, editor_token, settings):
    status, out, err = await cli(
        settings, "editor", "add", "mina", "--role", "translator", "--langs", "en,ja"
    )
    assert status == 0, err
    token = out.strip().splitlines()[-1]
    aid = (await create(client, editor_token))["id"]
    text = {"title": "Hello"}
    resp = await client.put(
        f"/api/v1/articles/{aid}/translations/en", json=text, headers=bearer(token)
    )
    assert resp.status == 200
    resp = await client.put(
        f"/api/v1/articles/{aid}/translations/ko", json=text, headers=bearer(token)
    )
    assert resp.status == 403
    assert "en, ja" in (await resp.json(content_type=None))["detail"]

    status, out, err = await cli(settings, "editor", "list")
    assert status == 0, err
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    assert rows["mina"][1:3] == ["translator", "en,ja"]
    assert rows["editor"][1:3] == ["editor", "all languages"]


async def test_langs_are_for_translators_and_must_be_codes(settings):
    for args in (
        ("editor", "add", "x1", "--role", "editor", "--langs", "en"),
        ("editor", "add", "x2", "--role", "translator", "--langs", "EN"),
        ("editor", "add", "x3", "--role", "translator", "--langs", ""),
        ("editor", "add", "x4", "--role", "translator", "--langs", "en,,ja"),
    ):
        status, out, err = await cli(settings, *args)
        assert status != 0 and err.strip(), args
    status, out, _ = await cli(settings, "editor", "list")
    assert out == ""


async def test_rotate_prints_a_new_token_and_ends_the_old_one(client, settings):
    status, out, err = await cli(settings, "editor", "add", "ana")
    assert status == 0, err
    old = out.strip().splitlines()[-1]
    status, out, err = await cli(settings, "editor", "rotate", "ana")
    assert status == 0, err
    new = out.strip().splitlines()[-1]
    assert new.startswith("nf_") and new != old
    body = {"category": "news", "translations": {"ko": {"title": "제목"}}}
    resp = await client.post("/api/v1/articles", json=body, headers=bearer(old))
    assert resp.status == 401
    resp = await client.post("/api/v1/articles", json=body, headers=bearer(new))
    assert resp.status == 201
    status, _, err = await cli(settings, "editor", "rotate", "nobody")
    assert status == 1 and "nobody" in err
    status, out, _ = await cli(settings, "--help")
    assert "translations" in out
    status, out, _ = await cli(settings, "editor", "--help")
    assert "rotate" in out

"""Idempotency-Key on POST /api/v1/articles: retries answer again and create nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import add_editor, assert_problem_body, bearer, sample_article, snapshot, with_store

from newsfeed import idempotency
from newsfeed.model import to_us, utcnow


async def post(client: TestClient, token: str, key: str | None, body: Any) -> Any:
    headers = bearer(token) | ({"Idempotency-Key": key} if key is not None else {})
    return await client.post("/api/v1/articles", json=body, headers=headers)


async def count(client: TestClient, token: str) -> int:
    listed = await (await client.get("/api/v1/articles?limit=100", headers=bearer(token))).json()
    return len(listed["items"])


async def test_a_retry_gets_the_first_answer_and_creates_nothing(client, editor_token):
    first = await post(client, editor_token, "order-17", sample_article(slug="once"))
    assert first.status == 201
    body = await first.read()
    for _ in range(2):
        again = await post(client, editor_token, "order-17", sample_article(slug="once"))
        assert again.status == 201
        assert await again.read() == body
        for header in ("Location", "ETag", "Content-Type"):
            assert again.headers[header] == first.headers[header]
        assert again.headers["Idempotent-Replayed"] == "true"
    assert await count(client, editor_token) == 1
    # the kept answer is the first one, even once the article has changed
    aid = json.loads(body)["id"]
    resp = await client.patch(
        f"/api/v1/articles/{aid}", json={"slug": "moved"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    again = await post(client, editor_token, "order-17", sample_article(slug="once"))
    assert json.loads(await again.read())["slug"] == "once"
    # spacing and key order are not another body; a quoted key is the same key
    same = json.dumps(sample_article(slug="once"), indent=2, sort_keys=True)
    resp = await client.post(
        "/api/v1/articles",
        data=same,
        headers=bearer(editor_token)
        | {"Idempotency-Key": '"order-17"', "Content-Type": "application/json"},
    )
    assert resp.status == 201 and await resp.read() == body


async def test_the_same_key_with_another_body_is_422(client, editor_token, settings):
    assert (await post(client, editor_token, "k1", sample_article())).status == 201
    before = snapshot(settings)
    resp = await post(client, editor_token, "k1", sample_article(category="events"))
    assert resp.status == 422
    problem = await resp.json(content_type=None)
    assert_problem_body(problem, 422)
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert snapshot(settings) == before


async def test_keys_belong_to_their_editor(client, editor_token, settings):
    other = add_editor(
        settings,
        "other",
    )
    assert (await post(client, editor_token, "shared", sample_article())).status == 201
    resp = await post(client, other, "shared", sample_article(category="events"))
    assert resp.status == 201
    assert await count(client, editor_token) == 2


async def test_two_concurrent_posts_with_one_key_make_one_article(client, editor_token):
    answers = await asyncio.gather(
        *(post(client, editor_token, "together", sample_article()) for _ in range(2))
    )
    statuses = sorted(r.status for r in answers)
    assert statuses in ([201, 201], [201, 409]), statuses
    assert await count(client, editor_token) == 1
    ids = {json.loads(await r.read())["id"] for r in answers if r.status == 201}
    assert len(ids) == 1
    for resp in answers:
        if resp.status == 409:
            assert_problem_body(await resp.json(content_type=None), 409)
    # and a later retry answers the kept response
    assert (await post(client, editor_token, "together", sample_article())).status == 201
    assert await count(client, editor_token) == 1


async def test_a_retry_while_the_first_is_in_progress_is_409(client, editor_token, settings):
    body = sample_article()
    digest = idempotency.fingerprint(json.loads(json.dumps(body)))
    now = to_us(utcnow())

    async def reserve(store: Any) -> Any:
        return await store.reserve_idempotency(
            "editor", "slow", digest, now, expire_before_us=0, abandoned_before_us=0
        )

    assert with_store(settings, reserve) is None  # a request holding it, still running
    before = snapshot(settings)
    resp = await post(client, editor_token, "slow", body)
    assert resp.status == 409
    assert_problem_body(await resp.json(content_type=None), 409)
    resp = await post(client, editor_token, "slow", sample_article(category="other"))
    assert resp.status == 422  # another body is refused as such, even while in progress
    assert snapshot(settings) == before


async def test_old_and_abandoned_keys_make_way(client, editor_token, settings):
    day_ago = to_us(utcnow()) - 25 * 3600 * 1_000_000

    async def reserve(store: Any) -> Any:
        return await store.reserve_idempotency(
            "editor", "old", "x" * 64, day_ago, expire_before_us=0, abandoned_before_us=0
        )

    assert with_store(settings, reserve) is None  # left in progress a day ago
    resp = await post(client, editor_token, "old", sample_article())
    assert resp.status == 201  # taken over: neither 409 nor 422
    assert await count(client, editor_token) == 1
    kept = [row["key"] for row in snapshot(settings)["idempotency_keys"]]
    assert kept == ["old"]


async def test_a_failed_create_keeps_no_answer(client, editor_token, settings):
    assert (await post(client, editor_token, None, sample_article(slug="taken"))).status == 201
    resp = await post(client, editor_token, "retry-me", sample_article(slug="taken"))
    assert resp.status == 409  # the slug
    assert snapshot(settings)["idempotency_keys"] == []
    resp = await post(client, editor_token, "retry-me", sample_article(slug="taken"))
    assert resp.status == 409  # tried afresh, not a replay


async def test_bad_keys_are_400_and_change_nothing(client, editor_token, settings):
    before = snapshot(settings)
    for key in ("", "   ", '""', "x" * 256, '"' + "x" * 256 + '"', "tab\there"):
        resp = await post(client, editor_token, key, sample_article())
        assert resp.status == 400, key
        assert_problem_body(await resp.json(content_type=None), 400)
    resp = await client.post(
        "/api/v1/articles",
        data=json.dumps(sample_article()).encode(),
        headers=bearer(editor_token)
        | {
            "Content-Type": "application/json",
            "Idempotency-Key": "ключ".encode().decode("latin-1"),
        },
    )
    assert resp.status == 400
    assert snapshot(settings) == before
    ok = await post(client, editor_token, "x" * 255, sample_article())
    assert ok.status == 201
    assert (await post(client, editor_token, "a b~!", sample_article())).status == 201

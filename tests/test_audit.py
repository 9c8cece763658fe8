"""The audit trail: every editorial write, newest first, kept after its article."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from conftest import add_editor, assert_problem_body, bearer, create, snapshot

from newsfeed import auth


async def audit(client: TestClient, token: str, query: str = "") -> dict[str, Any]:
    resp = await client.get(f"/api/v1/audit{query}", headers=bearer(token))
    assert resp.status == 200, await resp.text()
    return await resp.json()


def brief(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["action"], e["editor"], e["article"], e["lang"], e["version"]) for e in items]


async def test_every_editorial_write_is_listed_newest_first(client, editor_token, settings):
    bob = add_editor(settings, "bob", auth.Role.TRANSLATOR)
    article = await create(client, editor_token)
    aid = article["id"]
    headers = bearer(editor_token)
    text = {"title": "New title"}
    assert (
        await client.patch(f"/api/v1/articles/{aid}", json={"slug": "s"}, headers=headers)
    ).status == 200
    assert (
        await client.put(
            f"/api/v1/articles/{aid}/translations/ko", json={"title": "둘"}, headers=headers
        )
    ).status == 200
    assert (
        await client.put(f"/api/v1/articles/{aid}/translations/en", json=text, headers=bearer(bob))
    ).status == 200
    assert (
        await client.post(f"/api/v1/articles/{aid}/translations/en/confirm", headers=bearer(bob))
    ).status == 200
    restore = f"/api/v1/articles/{aid}/translations/en/revisions/1/restore"
    assert (await client.post(restore, headers=headers)).status == 200
    assert (
        await client.delete(f"/api/v1/articles/{aid}/translations/en", headers=headers)
    ).status == 204
    assert (await client.delete(f"/api/v1/articles/{aid}", headers=headers)).status == 204

    found = await audit(client, editor_token)
    assert brief(found["items"]) == [
        ("delete", "editor", aid, None, 7),  # the article's version (its ETag) when deleted
        ("delete-text", "editor", aid, "en", 3),
        ("restore", "editor", aid, "en", 3),
        ("confirm", "bob", aid, "en", 2),
        ("put-text", "bob", aid, "en", 2),
        ("put-text", "editor", aid, "ko", 2),
        ("patch", "editor", aid, None, 2),
        ("create", "editor", aid, None, 1),
    ]
    assert found["next_cursor"] is None
    stamps = [e["at"] for e in found["items"]]
    assert stamps == sorted(stamps, reverse=True)
    ids = [e["id"] for e in found["items"]]
    assert ids == sorted(ids, reverse=True)


async def test_rejected_writes_leave_no_entry(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    headers = {**bearer(editor_token), "If-Match": '"999.9"'}
    resp = await client.patch(f"/api/v1/articles/{aid}", json={"slug": "s"}, headers=headers)
    assert resp.status == 412
    resp = await client.put(
        f"/api/v1/articles/{aid}/translations/en", json={"title": ""}, headers=bearer(editor_token)
    )
    assert resp.status == 422
    assert [e["action"] for e in (await audit(client, editor_token))["items"]] == ["create"]


async def test_filters_and_pages(client, editor_token, settings):
    carol = add_editor(settings, "carol", auth.Role.EDITOR)
    first = (await create(client, editor_token))["id"]
    second = (await create(client, carol))["id"]
    for n in range(3):
        resp = await client.put(
            f"/api/v1/articles/{first}/translations/en",
            json={"title": f"v{n}"},
            headers=bearer(carol),
        )
        assert resp.status == 200
    mine = await audit(client, editor_token, f"?article={first}")
    assert [(e["action"], e["version"]) for e in mine["items"]] == [
        ("put-text", 4),
        ("put-text", 3),
        ("put-text", 2),
        ("create", 1),
    ]
    by_carol = await audit(client, editor_token, "?editor=carol")
    assert {e["editor"] for e in by_carol["items"]} == {"carol"}
    assert len(by_carol["items"]) == 4
    assert {e["article"] for e in by_carol["items"]} == {first, second}
    both = await audit(client, editor_token, f"?editor=carol&article={second}")
    assert brief(both["items"]) == [("create", "carol", second, None, 1)]
    assert (await audit(client, editor_token, "?editor=nobody"))["items"] == []

    seen, cursor = [], ""
    while True:
        page = await audit(client, editor_token, f"?limit=2{cursor}")
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    everything = await audit(client, editor_token, "?limit=100")
    assert seen == [e["id"] for e in everything["items"]] and len(seen) == 5


async def test_deleting_an_article_keeps_its_entries(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    assert (
        await client.delete(f"/api/v1/articles/{aid}", headers=bearer(editor_token))
    ).status == 204
    kept = await audit(client, editor_token, f"?article={aid}")
    assert [e["action"] for e in kept["items"]] == ["delete", "create"]


async def test_only_editors_read_it_and_bad_parameters_are_400(
    client, editor_token, translator_token, settings
):
    await create(client, editor_token)
    before = snapshot(settings)
    for headers, status in (({}, 401), (bearer("nf_x"), 401), (bearer(translator_token), 403)):
        resp = await client.get("/api/v1/audit", headers=headers)
        assert resp.status == status
        assert_problem_body(await resp.json(content_type=None), status)
    for query in (
        "?limit=0",
        "?limit=101",
        "?limit=x",
        "?article=0",
        "?article=abc",
        "?cursor=nonsense",
        "?editor=",
        "?cursor=" + "bmV3ZXN0LjEuMQ",  # a status board cursor: another list's
    ):
        resp = await client.get(f"/api/v1/audit{query}", headers=bearer(editor_token))
        assert resp.status == 400, query
        assert_problem_body(await resp.json(content_type=None), 400)
    assert snapshot(settings) == before

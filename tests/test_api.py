"""The JSON API over HTTP: reads, writes, auth, preconditions, errors."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sqlite3
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import (
    BASE_URL,
    add_editor,
    assert_problem_body,
    bearer,
    create,
    locales_with,
    revoke_editor,
    sample_article,
    snapshot,
)

from newsfeed import auth
from newsfeed.settings import Settings
from newsfeed.web.app import create_app


async def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/problem+json"
    body = await resp.json(content_type=None)
    assert_problem_body(body, status)
    return body


# --- create and read ---------------------------------------------------------------------


async def test_create_returns_201_location_etag_and_the_article(client, editor_token):
    resp = await client.post(
        "/api/v1/articles", json=sample_article(slug="mou"), headers=bearer(editor_token)
    )
    assert resp.status == 201
    body = await resp.json()
    assert resp.headers["Location"] == f"{BASE_URL}/api/v1/articles/{body['id']}"
    assert resp.headers["ETag"].startswith('"') and resp.headers["ETag"].endswith('"')
    assert body["slug"] == "mou"
    assert body["status"] == "published"
    assert body["published_at"] == "2020-09-15T10:00:00+09:00"
    assert body["original_lang"] == "ko"
    assert body["hits"] == 0
    assert list(body["translations"]) == ["ko", "en"]
    assert body["translations"]["en"]["title"] == "Regenerative medicine pact"

    read = await client.get(f"/api/v1/articles/{body['id']}")
    assert read.status == 200
    assert read.headers["ETag"] == resp.headers["ETag"]
    assert await read.json() == body


async def test_create_defaults(client, editor_token):
    body = await create(
        client,
        editor_token,
        status=None,
        published_at=None,
        translations={"en": {"title": "Only English"}},
    )
    assert body["status"] == "draft"
    assert body["original_lang"] == "en"  # the default language has no text
    assert body["published_at"] == body["created_at"]
    assert body["translations"]["en"] == {
        "title": "Only English",
        "summary": "",
        "body": "",
        "author": "",
        "updated_at": body["created_at"],
        "version": 1,
        "etag": body["translations"]["en"]["etag"],
        "source": None,
        "stale": False,
        "updated_by": "editor",
    }


async def test_original_lang_defaults_to_default_language_when_present(client, editor_token):
    body = await create(client, editor_token)
    assert body["original_lang"] == "ko"
    explicit = await create(client, editor_token, original_lang="en")
    assert explicit["original_lang"] == "en"


async def test_ids_increase(client, editor_token):
    first = await create(client, editor_token)
    second = await create(client, editor_token)
    assert second["id"] > first["id"]


async def test_text_is_stored_as_nfc_with_lf(client, editor_token):
    decomposed = "\u1112\u1161\u11ab"  # 한 as conjoining jamo
    body = await create(
        client,
        editor_token,
        translations={"ko": {"title": decomposed, "body": "첫 줄\r\n둘째 줄\ttab"}},
    )
    assert body["translations"]["ko"]["title"] == "한"
    assert body["translations"]["ko"]["body"] == "첫 줄\n둘째 줄\ttab"


async def test_drafts_and_scheduled_are_404_to_the_public_but_visible_with_a_token(
    client, editor_token, translator_token
):
    draft = await create(client, editor_token, status="draft")
    scheduled = await create(client, editor_token, published_at="2999-01-01T00:00:00+09:00")
    public = await create(client, editor_token)
    for hidden in (draft, scheduled):
        await problem(await client.get(f"/api/v1/articles/{hidden['id']}"), 404)
        resp = await client.get(
            f"/api/v1/articles/{hidden['id']}", headers=bearer(translator_token)
        )
        assert resp.status == 200
    listed = await (await client.get("/api/v1/articles")).json()
    assert [a["id"] for a in listed["items"]] == [public["id"]]
    listed = await (await client.get("/api/v1/articles", headers=bearer(editor_token))).json()
    # newest published_at first; the draft and the public one share a date: higher id first
    assert [a["id"] for a in listed["items"]] == [scheduled["id"], public["id"], draft["id"]]


async def test_get_with_if_none_match_answers_304(client, editor_token):
    article = await create(client, editor_token)
    first = await client.get(f"/api/v1/articles/{article['id']}")
    resp = await client.get(
        f"/api/v1/articles/{article['id']}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert resp.status == 304
    assert await resp.read() == b""


# --- list and pagination --------------------------------------------------------------------


async def test_list_is_newest_first_by_published_at_then_id(client, editor_token):
    old = await create(client, editor_token, published_at="2019-01-01T00:00:00Z")
    new = await create(client, editor_token, published_at="2021-01-01T00:00:00Z")
    same_a = await create(client, editor_token, published_at="2020-01-01T09:00:00+09:00")
    same_b = await create(client, editor_token, published_at="2020-01-01T00:00:00Z")
    body = await (await client.get("/api/v1/articles")).json()
    assert [a["id"] for a in body["items"]] == [new["id"], same_b["id"], same_a["id"], old["id"]]
    assert body["next_cursor"] is None


async def test_list_filters_by_lang_and_category(client, editor_token):
    ko_only = await create(
        client, editor_token, category="events", translations={"ko": {"title": "행사"}}
    )
    both = await create(client, editor_token)
    en = await (await client.get("/api/v1/articles?lang=en")).json()
    assert [a["id"] for a in en["items"]] == [both["id"]]
    assert set(en["items"][0]["translations"]) == {"ko", "en"}  # all texts are returned
    ko = await (await client.get("/api/v1/articles?lang=ko")).json()
    assert {a["id"] for a in ko["items"]} == {ko_only["id"], both["id"]}
    events = await (await client.get("/api/v1/articles?category=events")).json()
    assert [a["id"] for a in events["items"]] == [ko_only["id"]]


async def test_cursor_pagination_neither_skips_nor_repeats_while_the_list_grows(
    client, editor_token
):
    for day in range(1, 8):
        await create(client, editor_token, published_at=f"2020-01-0{day}T00:00:00Z")
    seen: list[int] = []
    url = "/api/v1/articles?limit=3"
    first = await (await client.get(url)).json()
    seen += [a["id"] for a in first["items"]]
    # Newer articles arrive between pages, one of them with a date inside the range
    # already read: neither may shift what the next page holds.
    await create(client, editor_token, published_at="2021-01-01T00:00:00Z")
    await create(client, editor_token, published_at="2020-01-06T12:00:00Z")
    cursor = first["next_cursor"]
    while cursor:
        page = await (await client.get(f"{url}&cursor={cursor}")).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


async def test_limit_bounds(client, editor_token):
    for _ in range(3):
        await create(client, editor_token)
    body = await (await client.get("/api/v1/articles?limit=1")).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    body = await (await client.get("/api/v1/articles?limit=100")).json()
    assert len(body["items"]) == 3 and body["next_cursor"] is None
    for bad in ("0", "101", "-1", "abc", "1.5", ""):
        body = await problem(await client.get(f"/api/v1/articles?limit={bad}"), 400)
        assert body["errors"][0]["field"] == "limit"


async def test_bad_query_parameters_are_400(client):
    for query, field in (
        ("lang=fr", "lang"),
        ("category=Bad!", "category"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm9wZQ", "cursor"),
    ):
        body = await problem(await client.get(f"/api/v1/articles?{query}"), 400)
        assert [e["field"] for e in body["errors"]] == [field]


async def test_cursor_with_numbers_sqlite_cannot_hold_is_400_not_500(client):
    for raw in (
        b"99999999999999999999999.1",
        b"1.99999999999999999999999",
        b"-9" + b"9" * 19 + b".1",
    ):
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        body = await problem(await client.get(f"/api/v1/articles?cursor={cursor}"), 400)
        assert [e["field"] for e in body["errors"]] == ["cursor"], raw


# --- patch, translations, delete -----------------------------------------------------------


async def test_patch_changes_fields_and_etag(client, editor_token):
    article = await create(client, editor_token, status="draft")
    article_etag = (
        await client.get(f"/api/v1/articles/{article['id']}", headers=bearer(editor_token))
    ).headers["ETag"]
    resp = await client.patch(
        f"/api/v1/articles/{article['id']}",
        headers=bearer(editor_token),
        json={
            "status": "published",
            "category": "events",
            "slug": "x-1",
            "published_at": "2021-05-05T05:05:05+09:00",
        },
    )
    assert resp.status == 200
    body = await resp.json()
    assert (body["status"], body["category"], body["slug"]) == ("published", "events", "x-1")
    assert body["published_at"] == "2021-05-05T05:05:05+09:00"
    etag = resp.headers["ETag"]
    assert etag != article_etag
    assert (await client.get(f"/api/v1/articles/{article['id']}")).headers["ETag"] == etag
    cleared = await client.patch(
        f"/api/v1/articles/{article['id']}", headers=bearer(editor_token), json={"slug": None}
    )
    assert (await cleared.json())["slug"] is None


async def test_patch_names_each_unknown_field_with_a_message_about_it(client, editor_token):
    article = await create(client, editor_token)
    resp = await client.patch(
        f"/api/v1/articles/{article['id']}",
        headers=bearer(editor_token),
        json={"hits": 5, "translations": {}},
    )
    body = await problem(resp, 422)
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["hits"] == "unknown field"
    assert "PUT" in messages["translations"]


async def test_put_translation_creates_201_then_replaces_200(
    client, editor_token, translator_token
):
    article = await create(client, editor_token, translations={"ko": {"title": "한국어"}})
    url = f"/api/v1/articles/{article['id']}/translations/en"
    before_etag = (await client.get(f"/api/v1/articles/{article['id']}")).headers["ETag"]
    resp = await client.put(
        url, json={"title": "English", "body": "*Hi*"}, headers=bearer(translator_token)
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["translations"]["en"]["title"] == "English"
    created_etag = resp.headers["ETag"]
    read = await client.get(f"/api/v1/articles/{article['id']}")
    assert created_etag == read.headers["ETag"]  # the new ETag, not the one from create
    assert created_etag != before_etag
    resp = await client.put(url, json={"title": "English v2"}, headers=bearer(translator_token))
    assert resp.status == 200
    assert resp.headers["ETag"] not in (created_etag, "")
    body = await resp.json()
    assert body["translations"]["en"]["title"] == "English v2"
    assert body["translations"]["en"]["body"] == ""  # replaced whole
    assert body["translations"]["ko"]["title"] == "한국어"


async def test_delete_translation_moves_original_lang_and_keeps_the_last(client, editor_token):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    resp = await client.delete(f"{url}/translations/ko", headers=bearer(editor_token))
    assert resp.status == 204 and await resp.read() == b""
    body = await (await client.get(url)).json()
    assert list(body["translations"]) == ["en"]
    assert body["original_lang"] == "en"
    before = snapshot_of(client)
    await problem(await client.delete(f"{url}/translations/en", headers=bearer(editor_token)), 409)
    assert snapshot_of(client) == before
    await problem(await client.delete(f"{url}/translations/ko", headers=bearer(editor_token)), 404)


async def test_delete_article_then_404_everywhere(client, editor_token):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    resp = await client.delete(url, headers=bearer(editor_token))
    assert resp.status == 204 and await resp.read() == b""
    await problem(await client.get(url), 404)
    await problem(await client.get(url, headers=bearer(editor_token)), 404)
    await problem(await client.post(f"{url}/hits"), 404)
    await problem(await client.delete(url, headers=bearer(editor_token)), 404)
    await problem(
        await client.patch(url, json={"status": "draft"}, headers=bearer(editor_token)), 404
    )


# --- If-Match ------------------------------------------------------------------------------


async def test_stale_if_match_is_412_and_changes_nothing(client, editor_token, settings):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    etag = (await client.get(url)).headers["ETag"]
    ok = await client.patch(
        url, json={"category": "events"}, headers={**bearer(editor_token), "If-Match": etag}
    )
    assert ok.status == 200
    before = snapshot(settings)
    for method, path, payload in (
        ("PATCH", url, {"category": "news"}),
        ("PUT", f"{url}/translations/en", {"title": "stale"}),
        ("DELETE", f"{url}/translations/en", None),
        ("DELETE", url, None),
    ):
        resp = await client.request(
            method, path, json=payload, headers={**bearer(editor_token), "If-Match": etag}
        )
        await problem(resp, 412)
    assert snapshot(settings) == before
    star = await client.patch(
        url, json={"category": "news"}, headers={**bearer(editor_token), "If-Match": "*"}
    )
    assert star.status == 200
    listed = await client.patch(
        url,
        json={"category": "events"},
        headers={**bearer(editor_token), "If-Match": f'"nope", {star.headers["ETag"]}'},
    )
    assert listed.status == 200


async def test_weak_or_malformed_if_match(client, editor_token, settings):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    etag = (await client.get(url)).headers["ETag"]
    before = snapshot(settings)
    for if_match, status in ((f"W/{etag}", 412), ("no-quotes", 400)):
        resp = await client.patch(
            url, json={"category": "x"}, headers={**bearer(editor_token), "If-Match": if_match}
        )
        await problem(resp, status)
    assert snapshot(settings) == before


async def test_two_editors_racing_with_the_same_if_match_exactly_one_wins(
    client, editor_token, settings
):
    second_token = add_editor(settings, "second", auth.Role.EDITOR)
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}/translations/en"
    etag = (await client.get(f"/api/v1/articles/{article['id']}")).headers["ETag"]
    results = await asyncio.gather(
        *(
            client.put(
                url, json={"title": f"version {n}"}, headers={**bearer(token), "If-Match": etag}
            )
            for n, token in enumerate([editor_token, second_token] * 5)
        )
    )
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [412] * 9
    winner = next(r for r in results if r.status == 200)
    final = await (await client.get(f"/api/v1/articles/{article['id']}")).json()
    assert (
        final["translations"]["en"]["title"] == (await winner.json())["translations"]["en"]["title"]
    )


async def test_etag_ignores_hits(client, editor_token):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    etag = (await client.get(url)).headers["ETag"]
    assert (await client.post(f"{url}/hits")).status == 200
    assert (await client.get(url)).headers["ETag"] == etag


# --- auth ----------------------------------------------------------------------------------


async def test_missing_wrong_and_revoked_tokens_are_401(client, editor_token, settings):
    before = snapshot(settings)
    for headers in (
        {},
        {"Authorization": "Bearer nf_wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": f"bearer {editor_token}x"},
    ):
        resp = await client.post("/api/v1/articles", json=sample_article(), headers=headers)
        await problem(resp, 401)
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert revoke_editor(settings, "editor")
    resp = await client.post(
        "/api/v1/articles", json=sample_article(), headers=bearer(editor_token)
    )
    await problem(resp, 401)
    assert snapshot(settings)["articles"] == before["articles"]


async def test_translator_may_only_put_translations(
    client, editor_token, translator_token, settings
):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    before = snapshot(settings)
    t = bearer(translator_token)
    await problem(await client.post("/api/v1/articles", json=sample_article(), headers=t), 403)
    await problem(await client.patch(url, json={"status": "draft"}, headers=t), 403)
    await problem(await client.delete(f"{url}/translations/en", headers=t), 403)
    await problem(await client.delete(url, headers=t), 403)
    assert snapshot(settings) == before
    assert (
        await client.put(f"{url}/translations/en", json={"title": "ok"}, headers=t)
    ).status == 200


@pytest.mark.sqlite_only
async def test_token_is_never_stored_in_clear(settings, editor_token):
    raw = settings.db_path.read_bytes()
    wal = settings.db_path.with_name(settings.db_path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert editor_token.encode() not in raw
    assert auth.hash_token(editor_token).encode() in raw


# --- validation ----------------------------------------------------------------------------


async def test_invalid_fields_are_422_with_every_field_and_change_nothing(
    client, editor_token, settings
):
    before = snapshot(settings)
    resp = await client.post(
        "/api/v1/articles",
        headers=bearer(editor_token),
        json={
            "category": "Bad Category",
            "slug": "UPPER",
            "status": "live",
            "colour": "red",
            "published_at": "2020-09-15 10:00",
            "original_lang": "fr",
            "translations": {
                "ko": {"title": "", "summary": "x" * 1001, "body": 5, "author": "a\x00"},
                "fr": {"title": "Bonjour"},
            },
        },
    )
    body = await problem(resp, 422)
    fields = {e["field"] for e in body["errors"]}
    assert fields >= {
        "category",
        "slug",
        "status",
        "colour",
        "published_at",
        "original_lang",
        "translations.ko.title",
        "translations.ko.summary",
        "translations.ko.body",
        "translations.ko.author",
        "translations.fr",
    }
    assert all(e["message"] for e in body["errors"])
    assert snapshot(settings) == before


async def test_text_limits_are_exact(client, editor_token):
    ok = {"title": "t" * 300, "summary": "s" * 1000, "body": "b" * 200_000, "author": "a" * 200}
    await create(client, editor_token, translations={"en": ok})
    for field, too_long in (("title", 301), ("summary", 1001), ("body", 200_001), ("author", 201)):
        text = {"title": "t", field: "x" * too_long}
        resp = await client.post(
            "/api/v1/articles",
            headers=bearer(editor_token),
            json=sample_article(translations={"en": text}),
        )
        body = await problem(resp, 422)
        assert [e["field"] for e in body["errors"]] == [f"translations.en.{field}"]


async def test_forbidden_characters_are_422(client, editor_token):
    for bad in ("\x00", "\x07", "\x1b", "\x7f", "\r", "\ufffe", "\uffff", "\ud800"):
        resp = await client.post(
            "/api/v1/articles",
            headers={**bearer(editor_token), "Content-Type": "application/json"},
            data=json.dumps(
                {"category": "news", "translations": {"en": {"title": f"a{bad}b"}}},
                ensure_ascii=True,
            ).encode(),
        )
        body = await problem(resp, 422)
        assert body["errors"][0]["field"] == "translations.en.title", bad


async def test_malformed_json_wrong_type_and_too_large(client, editor_token, settings):
    before = snapshot(settings)
    h = {**bearer(editor_token), "Content-Type": "application/json"}
    await problem(await client.post("/api/v1/articles", data=b'{"category":', headers=h), 400)
    await problem(await client.post("/api/v1/articles", data=b"\xff\xfe{}", headers=h), 400)
    await problem(
        await client.post(
            "/api/v1/articles",
            data=b"{}",
            headers={**bearer(editor_token), "Content-Type": "text/plain"},
        ),
        415,
    )
    await problem(
        await client.post("/api/v1/articles", data=io.BytesIO(b"x" * (1024 * 1024 + 1)), headers=h),
        413,
    )
    body = await problem(await client.post("/api/v1/articles", data=b"[]", headers=h), 422)
    assert body["errors"][0]["field"] == "body"
    assert snapshot(settings) == before


async def test_duplicate_slug_is_409(client, editor_token, settings):
    first = await create(client, editor_token, slug="same")
    other = await create(client, editor_token)
    before = snapshot(settings)
    body = await problem(
        await client.post(
            "/api/v1/articles", headers=bearer(editor_token), json=sample_article(slug="same")
        ),
        409,
    )
    assert body["errors"][0]["field"] == "slug"
    await problem(
        await client.patch(
            f"/api/v1/articles/{other['id']}", json={"slug": "same"}, headers=bearer(editor_token)
        ),
        409,
    )
    assert snapshot(settings) == before
    # re-setting an article's own slug is no conflict
    resp = await client.patch(
        f"/api/v1/articles/{first['id']}", json={"slug": "same"}, headers=bearer(editor_token)
    )
    assert resp.status == 200


async def test_unknown_route_and_wrong_method(client):
    await problem(await client.get("/api/v1/nothing"), 404)
    resp = await client.put("/api/v1/articles")
    await problem(resp, 405)
    assert "POST" in resp.headers["Allow"]
    for bad_id in ("0", "-1", "abc", "99999999999999999999999", "1.0"):
        await problem(await client.get(f"/api/v1/articles/{bad_id}"), 404)


async def test_unknown_language_in_translation_path_is_404(client, editor_token):
    article = await create(client, editor_token)
    resp = await client.put(
        f"/api/v1/articles/{article['id']}/translations/fr",
        json={"title": "Bonjour"},
        headers=bearer(editor_token),
    )
    await problem(resp, 404)


# --- hits, health ---------------------------------------------------------------------------


async def test_post_hits_counts_one_and_reads_count_none(client, editor_token):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    for expected in (1, 2, 3):
        resp = await client.post(f"{url}/hits")
        assert resp.status == 200
        assert await resp.json() == {"id": article["id"], "hits": expected}
    await client.get(url)
    await client.get("/api/v1/articles")
    assert (await (await client.get(url)).json())["hits"] == 3


async def test_hits_on_a_draft_are_404(client, editor_token):
    draft = await create(client, editor_token, status="draft")
    await problem(await client.post(f"/api/v1/articles/{draft['id']}/hits"), 404)


async def test_healthz(client):
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


def snapshot_of(client: TestClient) -> dict[str, list[dict[str, Any]]]:
    from newsfeed.web.keys import settings_key

    return snapshot(client.server.app[settings_key])


@pytest.mark.sqlite_only
def test_snapshot_reads_the_real_file(settings):
    conn = sqlite3.connect(settings.db_path)
    conn.execute(
        "INSERT INTO changes (article_id, langs, categories, changed_at) "
        "VALUES (1, 'ko', 'news', 'now')"
    )
    conn.commit()
    conn.close()
    assert snapshot(settings)["changes"] == [
        {"seq": 1, "article_id": 1, "langs": "ko", "categories": "news", "changed_at": "now"}
    ]


# --- contract details ------------------------------------------------------------------------


async def test_original_lang_is_the_first_language_given_without_the_default(
    aiohttp_client, tmp_path
):
    """With three languages, "first given" differs from "first configured"."""
    settings = Settings.from_env(
        {
            "NEWSFEED_DB": str(tmp_path / "three.db"),
            "NEWSFEED_BASE_URL": BASE_URL,
            "NEWSFEED_LANGS": "ko,en,ja",
            "NEWSFEED_LOCALES": str(locales_with(tmp_path, "ja")),
        }
    )
    client = await aiohttp_client(create_app(settings))
    token = add_editor(settings, "editor", auth.Role.EDITOR)
    given = {"ja": {"title": "日本語"}, "en": {"title": "English"}}
    body = await create(client, token, translations=given)
    assert body["original_lang"] == "ja"
    body = await create(client, token, translations={**given, "ko": {"title": "한국어"}})
    assert body["original_lang"] == "ko"  # the default language, when it has a text


async def test_if_match_star_on_a_deleted_article_is_404_not_412(client, editor_token, settings):
    article = await create(client, editor_token)
    url = f"/api/v1/articles/{article['id']}"
    assert (await client.delete(url, headers=bearer(editor_token))).status == 204
    before = snapshot(settings)
    star = {**bearer(editor_token), "If-Match": "*"}
    for method, path, payload in (
        ("PATCH", url, {"category": "events"}),
        ("PUT", f"{url}/translations/en", {"title": "late"}),
        ("DELETE", f"{url}/translations/en", None),
        ("DELETE", url, None),
    ):
        await problem(await client.request(method, path, json=payload, headers=star), 404)
    assert snapshot(settings) == before


async def test_limit_defaults_to_20(client, editor_token):
    made = [
        (await create(client, editor_token, published_at=f"2020-01-{day:02d}T00:00:00Z"))["id"]
        for day in range(1, 22)
    ]
    first = await (await client.get("/api/v1/articles")).json()
    assert [a["id"] for a in first["items"]] == made[::-1][:20]
    assert first["next_cursor"]
    rest = await (await client.get(f"/api/v1/articles?cursor={first['next_cursor']}")).json()
    assert [a["id"] for a in rest["items"]] == [made[0]]
    assert rest["next_cursor"] is None

"""The translation workflow over HTTP: versions, sources and staleness, text ETags,
confirm, source diffs, revisions and restore, translators' languages."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from babel.dates import format_date
from conftest import add_editor, assert_problem_body, bearer, create, snapshot

from newsfeed import auth

KO_V1 = {
    "title": "첨단재생의학센터 개소",
    "summary": "세포치료 연구와 진료를 한곳에서 합니다.",
    "body": "의료원이 첨단재생의학센터를 열었습니다.\n\n"
    "센터는 3층에 있습니다.\n\n문의는 홍보팀으로.",
    "author": "홍보팀",
}
EN_V1 = {
    "title": "Advanced Regenerative Medicine Center opens",
    "summary": "Cell therapy research and care under one roof.",
    "body": "The Medical Center has opened its center.\n\nIt is on the 3rd floor.\n\n"
    "Ask the press office.",
    "author": "Communications",
}


def url(article_id: int, lang: str, rest: str = "") -> str:
    return f"/api/v1/articles/{article_id}/translations/{lang}{rest}"


async def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/problem+json"
    body = await resp.json(content_type=None)
    assert_problem_body(body, status)
    return body


async def korean_only(client: TestClient, token: str, **overrides: Any) -> dict[str, Any]:
    return await create(client, token, translations={"ko": dict(KO_V1)}, **overrides)


async def put(
    client: TestClient,
    token: str,
    article_id: int,
    lang: str,
    text: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    resp = await client.put(
        url(article_id, lang), json=text, headers={**bearer(token), **(headers or {})}
    )
    assert resp.status == status, await resp.text()
    return await resp.json()


async def text_of(client: TestClient, token: str, article_id: int, lang: str) -> dict[str, Any]:
    resp = await client.get(url(article_id, lang), headers=bearer(token))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert resp.headers["ETag"] == body["etag"]
    return body


# --- versions, sources, staleness ---------------------------------------------------------


async def test_a_new_article_has_versions_sources_and_names(client, editor_token):
    article = await create(client, editor_token)
    ko, en = article["translations"]["ko"], article["translations"]["en"]
    assert (ko["version"], ko["source"], ko["stale"]) == (1, None, False)
    assert (en["version"], en["source"], en["stale"]) == (1, {"lang": "ko", "version": 1}, False)
    assert ko["updated_by"] == en["updated_by"] == "editor"
    assert ko["etag"] != en["etag"] != article["translations"]["ko"]["etag"].replace("ko", "en")
    for etag in (ko["etag"], en["etag"]):
        assert etag.startswith('"') and etag.endswith('"')


async def test_the_staleness_of_a_translation_follows_the_original(client, editor_token):
    """Create in Korean, translate, fix a typo (minor), rewrite a paragraph: the English
    text is stale, its diff shows the paragraph; confirming or retranslating ends it."""
    article = await korean_only(client, editor_token)
    aid = article["id"]
    en = (await put(client, editor_token, aid, "en", EN_V1, 201))["translations"]["en"]
    assert (en["source"], en["stale"]) == ({"lang": "ko", "version": 1}, False)

    typo = {**KO_V1, "summary": "세포 치료 연구와 진료를 한곳에서 합니다."}
    after_typo = await put(client, editor_token, aid, "ko", {**typo, "minor": True})
    assert after_typo["translations"]["ko"]["version"] == 2
    assert after_typo["translations"]["en"]["stale"] is False  # a minor write concerns no one

    rewritten = {**typo, "body": KO_V1["body"].replace("3층에", "새 별관 2층에")}
    after = await put(client, editor_token, aid, "ko", rewritten)
    assert after["translations"]["ko"]["version"] == 3
    en = after["translations"]["en"]
    assert en["stale"] is True and en["source"] == {"lang": "ko", "version": 1}
    assert en["version"] == 1  # the translation itself did not change

    diff = await (
        await client.get(url(aid, "en", "/source-diff"), headers=bearer(editor_token))
    ).json()
    assert (diff["from_version"], diff["to_version"], diff["stale"]) == (1, 3, True)
    assert "-센터는 3층에 있습니다." in diff["body"]
    assert "+센터는 새 별관 2층에 있습니다." in diff["body"]
    assert diff["body"][0].startswith("---") and diff["body"][1].startswith("+++")
    assert any(line.startswith("@@") for line in diff["body"])
    assert diff["title"] == []  # unchanged since version 1
    assert "+세포 치료 연구와 진료를 한곳에서 합니다." in diff["summary"]  # minor, yet changed

    # confirm: up to date without a new version
    resp = await client.post(url(aid, "en", "/confirm"), headers=bearer(editor_token))
    assert resp.status == 200, await resp.text()
    en = (await resp.json())["translations"]["en"]
    assert (en["stale"], en["source"], en["version"]) == (False, {"lang": "ko", "version": 3}, 1)
    diff = await (
        await client.get(url(aid, "en", "/source-diff"), headers=bearer(editor_token))
    ).json()
    assert (diff["from_version"], diff["to_version"], diff["stale"]) == (3, 3, False)
    assert diff["title"] == diff["summary"] == diff["body"] == []

    # another major rewrite, then a retranslation ends it too
    await put(client, editor_token, aid, "ko", {**rewritten, "title": "센터 개소"})
    assert (await text_of(client, editor_token, aid, "en"))["stale"] is True
    retranslated = await put(client, editor_token, aid, "en", {**EN_V1, "title": "Center opens"})
    en = retranslated["translations"]["en"]
    assert (en["stale"], en["source"], en["version"]) == (False, {"lang": "ko", "version": 4}, 2)


async def test_a_minor_write_keeps_a_stale_translation_stale(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "ko", {**KO_V1})  # major: en becomes stale
    assert (await text_of(client, editor_token, aid, "en"))["stale"] is True
    await put(client, editor_token, aid, "ko", {**KO_V1, "author": "홍보실", "minor": True})
    en = await text_of(client, editor_token, aid, "en")
    assert en["stale"] is True and en["source"] == {"lang": "ko", "version": 1}


async def test_source_version_names_what_the_translator_worked_from(client, editor_token):
    aid = (await korean_only(client, editor_token))["id"]
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "둘째 판"})  # ko v2
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "셋째 판"})  # ko v3
    en = (await put(client, editor_token, aid, "en", {**EN_V1, "source_version": 2}, 201))[
        "translations"
    ]["en"]
    assert (en["source"], en["stale"]) == ({"lang": "ko", "version": 2}, True)
    en = (await put(client, editor_token, aid, "en", {**EN_V1, "source_version": 3}))[
        "translations"
    ]["en"]
    assert (en["source"], en["stale"]) == ({"lang": "ko", "version": 3}, False)


async def test_bad_source_versions_are_422_and_change_nothing(client, editor_token, settings):
    aid = (await create(client, editor_token))["id"]
    before = snapshot(settings)
    for lang, body in (
        ("en", {**EN_V1, "source_version": 2}),  # newer than the original's current (1)
        ("en", {**EN_V1, "source_version": 0}),
        ("en", {**EN_V1, "source_version": "1"}),
        ("en", {**EN_V1, "source_version": True}),
        ("en", {**EN_V1, "minor": "yes"}),
        ("ko", {**KO_V1, "source_version": 1}),  # the original has no source
    ):
        body_ = await problem(
            await client.put(url(aid, lang), json=body, headers=bearer(editor_token)), 422
        )
        assert {e["field"] for e in body_["errors"]} & {"source_version", "minor"}, body_
    for version in (2, 0):
        resp = await client.post(
            url(aid, "en", "/confirm"),
            json={"source_version": version},
            headers=bearer(editor_token),
        )
        await problem(resp, 422)
    assert snapshot(settings) == before


async def test_confirm_rules(client, editor_token, settings):
    aid = (await korean_only(client, editor_token))["id"]
    before = snapshot(settings)
    await problem(await client.post(url(aid, "ko", "/confirm"), headers=bearer(editor_token)), 409)
    await problem(await client.post(url(aid, "en", "/confirm"), headers=bearer(editor_token)), 404)
    await problem(
        await client.post(url(aid + 1, "en", "/confirm"), headers=bearer(editor_token)), 404
    )
    await problem(await client.post(url(aid, "en", "/confirm")), 401)
    resp = await client.post(
        url(aid, "ko", "/confirm"), json={"x": 1}, headers=bearer(editor_token)
    )
    await problem(resp, 422)
    assert snapshot(settings) == before

    await put(client, editor_token, aid, "en", EN_V1, 201)
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "고친 제목"})  # ko v2, en stale
    etag = (await text_of(client, editor_token, aid, "en"))["etag"]
    resp = await client.post(
        url(aid, "en", "/confirm"), json={"source_version": 1}, headers=bearer(editor_token)
    )
    en = (await resp.json())["translations"]["en"]
    assert (en["source"], en["stale"]) == ({"lang": "ko", "version": 1}, True)
    # confirm moves the source: the text's ETag and the article's change, the version does not
    resp = await client.post(
        url(aid, "en", "/confirm"), headers={**bearer(editor_token), "If-Match": etag}
    )
    assert resp.status == 200  # the body-less confirm above kept source 1: the same ETag
    en = (await resp.json())["translations"]["en"]
    assert en["etag"] != etag and en["version"] == 1 and en["stale"] is False
    await problem(
        await client.post(
            url(aid, "en", "/confirm"), headers={**bearer(editor_token), "If-Match": etag}
        ),
        412,
    )


# --- the original moves -------------------------------------------------------------------


async def test_a_new_original_has_no_source_and_the_others_start_from_it(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Second"})  # en v2
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "둘째"})  # ko v2: en stale
    assert (await text_of(client, editor_token, aid, "en"))["stale"] is True

    resp = await client.patch(
        f"/api/v1/articles/{aid}", json={"original_lang": "en"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    texts = (await resp.json())["translations"]
    assert (texts["en"]["source"], texts["en"]["stale"]) == (None, False)
    assert (texts["ko"]["source"], texts["ko"]["stale"]) == ({"lang": "en", "version": 2}, False)
    assert texts["en"]["version"] == 2 and texts["ko"]["version"] == 2  # no new versions

    # now the English text is the one that makes the Korean stale
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Third"})
    assert (await text_of(client, editor_token, aid, "ko"))["stale"] is True

    # deleting the original's text: the remaining one is the original, without a source
    resp = await client.delete(url(aid, "en"), headers=bearer(editor_token))
    assert resp.status == 204
    read = await (await client.get(f"/api/v1/articles/{aid}", headers=bearer(editor_token))).json()
    assert read["original_lang"] == "ko"
    assert (read["translations"]["ko"]["source"], read["translations"]["ko"]["stale"]) == (
        None,
        False,
    )


async def test_deleting_the_original_rebases_the_other_texts(client, editor_token, settings):
    settings_langs = settings.langs
    assert settings_langs[:2] == ("ko", "en")
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "둘째"})  # en stale
    resp = await client.delete(url(aid, "ko"), headers=bearer(editor_token))
    assert resp.status == 204
    en = await text_of(client, editor_token, aid, "en")
    assert (en["original_lang"], en["source"], en["stale"]) == ("en", None, False)
    # its re-created Korean text is a translation of the English, numbered on from before
    ko = (await put(client, editor_token, aid, "ko", KO_V1, 201))["translations"]["ko"]
    assert (ko["version"], ko["source"]) == (3, {"lang": "en", "version": 1})


# --- a text's own ETag ----------------------------------------------------------------------


async def test_a_text_etag_is_not_upset_by_writes_to_other_languages(client, editor_token):
    article = await create(client, editor_token)
    aid, article_etag = article["id"], f'"{article["id"]}.1"'
    en_etag = article["translations"]["en"]["etag"]
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "한국어만 바뀜"})
    # the article's ETag moved: with it the English write conflicts, with the text's not
    await problem(
        await client.put(
            url(aid, "en"), json=EN_V1, headers={**bearer(editor_token), "If-Match": article_etag}
        ),
        412,
    )
    done = await put(client, editor_token, aid, "en", EN_V1, headers={"If-Match": en_etag})
    new_etag = done["translations"]["en"]["etag"]
    assert new_etag != en_etag
    # the old text ETag is now stale for its own text, and names nothing in another
    await problem(
        await client.put(
            url(aid, "en"), json=EN_V1, headers={**bearer(editor_token), "If-Match": en_etag}
        ),
        412,
    )
    await problem(
        await client.put(
            url(aid, "ko"), json=KO_V1, headers={**bearer(editor_token), "If-Match": new_etag}
        ),
        412,
    )
    resp = await client.delete(
        url(aid, "en"), headers={**bearer(editor_token), "If-Match": new_etag}
    )
    assert resp.status == 204


async def test_get_text_is_public_for_public_articles_only(client, editor_token, translator_token):
    public = await create(client, editor_token)
    draft = await create(client, editor_token, status="draft")
    resp = await client.get(url(public["id"], "en"))
    assert resp.status == 200
    body = await resp.json()
    assert body["title"] == "Regenerative medicine pact"
    assert (body["article"], body["lang"], body["original_lang"]) == (public["id"], "en", "ko")
    assert resp.headers["ETag"] == public["translations"]["en"]["etag"] == body["etag"]
    await problem(await client.get(url(draft["id"], "en")), 404)
    await problem(await client.get(url(draft["id"], "en"), headers=bearer("nf_wrong")), 404)
    assert (
        await client.get(url(draft["id"], "en"), headers=bearer(translator_token))
    ).status == 200
    await problem(await client.get(url(public["id"], "ja")), 404)
    await problem(await client.get(url(public["id"], "en") + "x"), 404)


async def test_twenty_concurrent_puts_with_one_text_etag_one_wins(client, editor_token):
    article = await create(client, editor_token)
    aid, etag = article["id"], article["translations"]["en"]["etag"]

    async def attempt(n: int) -> tuple[int, int]:
        resp = await client.put(
            url(aid, "en"),
            json={**EN_V1, "title": f"Attempt {n}"},
            headers={**bearer(editor_token), "If-Match": etag},
        )
        await resp.read()
        return n, resp.status

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    winners = [n for n, status in results if status == 200]
    assert len(winners) == 1, results
    assert sorted(status for _, status in results) == [200] + [412] * 19
    revisions = await (
        await client.get(url(aid, "en", "/revisions"), headers=bearer(editor_token))
    ).json()
    assert [r["version"] for r in revisions["items"]] == [2, 1]
    two = await (
        await client.get(url(aid, "en", "/revisions/2"), headers=bearer(editor_token))
    ).json()
    assert two["title"] == f"Attempt {winners[0]}"
    assert (await text_of(client, editor_token, aid, "en"))["title"] == f"Attempt {winners[0]}"


async def test_a_text_write_while_another_language_changes_is_no_conflict(client, editor_token):
    article = await create(client, editor_token)
    aid, en_etag = article["id"], article["translations"]["en"]["etag"]
    ko_writes = [
        client.put(url(aid, "ko"), json={**KO_V1, "title": f"판 {n}"}, headers=bearer(editor_token))
        for n in range(5)
    ]
    en_write = client.put(
        url(aid, "en"),
        json={**EN_V1, "title": "Mine"},
        headers={**bearer(editor_token), "If-Match": en_etag},
    )
    answers = await asyncio.gather(en_write, *ko_writes)
    assert [r.status for r in answers] == [200] * 6
    assert (await text_of(client, editor_token, aid, "en"))["title"] == "Mine"
    assert (await text_of(client, editor_token, aid, "ko"))["version"] == 6


# --- revisions and restore ------------------------------------------------------------------


async def test_revisions_keep_every_version_and_restore_writes_a_new_one(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Second"})
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Third", "body": "New body"})
    listed = await (
        await client.get(url(aid, "en", "/revisions"), headers=bearer(editor_token))
    ).json()
    assert [r["version"] for r in listed["items"]] == [3, 2, 1]
    assert listed["items"][0]["fields"] == ["title", "body"]
    assert listed["items"][1]["fields"] == ["title", "summary", "body"]  # same author
    assert listed["items"][2]["fields"] == ["title", "summary", "body", "author"]  # new
    assert {r["editor"] for r in listed["items"]} == {"editor"}
    assert all(r["created_at"] for r in listed["items"])

    one = await (
        await client.get(url(aid, "en", "/revisions/1"), headers=bearer(editor_token))
    ).json()
    assert (one["version"], one["title"], one["body"]) == (1, "Regenerative medicine pact", "Body")

    resp = await client.post(url(aid, "en", "/revisions/1/restore"), headers=bearer(editor_token))
    assert resp.status == 200, await resp.text()
    en = (await resp.json())["translations"]["en"]
    assert (en["version"], en["title"], en["body"]) == (4, "Regenerative medicine pact", "Body")
    listed = await (
        await client.get(url(aid, "en", "/revisions"), headers=bearer(editor_token))
    ).json()
    assert [r["version"] for r in listed["items"]] == [4, 3, 2, 1]
    assert listed["items"][0]["fields"] == ["title", "summary", "body"]
    # the page shows the restored text
    page = await (await client.get(f"/en/articles/{aid}")).text()
    assert "Regenerative medicine pact" in page and "Third" not in page


async def test_restore_honours_if_match_and_brings_back_the_source(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "둘째"})  # ko v2
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Second"})  # en v2 from ko v2
    stale = f'"{aid}.1"'
    resp = await client.post(
        url(aid, "en", "/revisions/1/restore"), headers={**bearer(editor_token), "If-Match": stale}
    )
    await problem(resp, 412)
    etag = (await text_of(client, editor_token, aid, "en"))["etag"]
    resp = await client.post(
        url(aid, "en", "/revisions/1/restore"), headers={**bearer(editor_token), "If-Match": etag}
    )
    en = (await resp.json())["translations"]["en"]
    # the restored content was translated from ko v1: it is stale again
    assert (en["version"], en["source"], en["stale"]) == (3, {"lang": "ko", "version": 1}, True)


async def test_a_revision_of_another_article_is_404(client, editor_token, settings):
    first = (await create(client, editor_token))["id"]
    second = (await create(client, editor_token))["id"]
    await put(client, editor_token, first, "en", {**EN_V1, "title": "Second"})  # first: en v2
    before = snapshot(settings)
    for path in (
        url(second, "en", "/revisions/2"),
        url(second, "en", "/revisions/0"),
        url(second, "en", "/revisions/x"),
        url(second, "ja", "/revisions/1"),
        url(999, "en", "/revisions/1"),
        url(999, "en", "/revisions"),
    ):
        await problem(await client.get(path, headers=bearer(editor_token)), 404)
    await problem(
        await client.post(url(second, "en", "/revisions/2/restore"), headers=bearer(editor_token)),
        404,
    )
    await problem(
        await client.post(url(999, "en", "/revisions/1/restore"), headers=bearer(editor_token)), 404
    )
    assert snapshot(settings) == before


async def test_a_deleted_text_keeps_its_revisions_and_can_be_restored(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Second"})
    assert (await client.delete(url(aid, "en"), headers=bearer(editor_token))).status == 204
    await problem(await client.get(url(aid, "en"), headers=bearer(editor_token)), 404)
    listed = await (
        await client.get(url(aid, "en", "/revisions"), headers=bearer(editor_token))
    ).json()
    assert [r["version"] for r in listed["items"]] == [2, 1]
    resp = await client.post(url(aid, "en", "/revisions/2/restore"), headers=bearer(editor_token))
    assert resp.status == 201
    assert resp.headers["Location"].endswith(f"/api/v1/articles/{aid}")
    en = (await resp.json())["translations"]["en"]
    assert (en["version"], en["title"], en["source"]) == (3, "Second", {"lang": "ko", "version": 1})


async def test_reads_of_the_workflow_need_a_token(client, editor_token):
    aid = (await create(client, editor_token))["id"]
    for path in (
        url(aid, "en", "/source-diff"),
        url(aid, "en", "/revisions"),
        url(aid, "en", "/revisions/1"),
        "/api/v1/translations?lang=en",
    ):
        resp = await problem(await client.get(path), 401)
        assert resp["status"] == 401
        await problem(await client.get(path, headers=bearer("nf_not-a-token")), 401)


async def test_updated_by_names_each_writer(client, editor_token, settings):
    other = add_editor(settings, "bob", auth.Role.TRANSLATOR)
    article = await create(client, editor_token)
    done = await put(client, other, article["id"], "en", EN_V1)
    assert done["translations"]["en"]["updated_by"] == "bob"
    assert done["translations"]["ko"]["updated_by"] == "editor"
    listed = await (await client.get("/api/v1/articles", headers=bearer(other))).json()
    assert listed["items"][0]["translations"]["en"]["updated_by"] == "bob"


# --- translators' languages ---------------------------------------------------------------


async def test_a_translator_limited_to_languages_is_403_elsewhere(client, editor_token, settings):
    english = add_editor(settings, "anna", auth.Role.TRANSLATOR, ["en", "ja"])
    anyone = add_editor(settings, "carl", auth.Role.TRANSLATOR)
    aid = (await create(client, editor_token))["id"]
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "둘째"})  # en stale
    before = snapshot(settings)
    for method, path, body in (
        ("PUT", url(aid, "ko"), KO_V1),
        ("POST", url(aid, "ko", "/confirm"), None),
        ("POST", url(aid, "ko", "/revisions/1/restore"), None),
        ("DELETE", url(aid, "en"), None),  # deleting a text is for editors only
        ("GET", "/api/v1/audit", None),
    ):
        resp = await client.request(method, path, json=body, headers=bearer(english))
        detail = (await problem(resp, 403))["detail"]
        assert detail
    assert snapshot(settings) == before

    assert (await client.post(url(aid, "en", "/confirm"), headers=bearer(english))).status == 200
    await put(client, english, aid, "en", EN_V1)
    await put(client, anyone, aid, "ko", KO_V1)  # no languages given: all of them


# --- pages ----------------------------------------------------------------------------------


async def test_a_stale_page_says_the_original_changed_with_its_date_and_a_link(
    client, editor_token
):
    aid = (await create(client, editor_token))["id"]
    page = await (await client.get(f"/en/articles/{aid}")).text()
    assert "after this translation" not in page
    resp = await client.put(
        url(aid, "ko"),
        json={**KO_V1, "title": "고친 제목", "minor": True},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    page = await (await client.get(f"/en/articles/{aid}")).text()
    assert "after this translation" not in page  # a minor change concerns no one
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "새 제목"})
    page = await (await client.get(f"/en/articles/{aid}")).text()
    # the date is the Korean text's last major write, in the page's language and zone
    ko = (await (await client.get(f"/api/v1/articles/{aid}")).json())["translations"]["ko"]
    day = datetime.fromisoformat(ko["updated_at"]).astimezone(ZoneInfo("Asia/Seoul")).date()
    when = format_date(day, "long", locale="en")
    assert f"The original text in Korean was updated on {when}, after this translation" in page
    assert f'<a href="/ko/articles/{aid}" hreflang="ko">Read the original</a>' in page
    # the original's own page has no such notice; a confirm ends it
    assert "원문이 수정되었습니다" not in await (await client.get(f"/ko/articles/{aid}")).text()
    assert (
        await client.post(url(aid, "en", "/confirm"), headers=bearer(editor_token))
    ).status == 200
    assert "after this translation" not in await (await client.get(f"/en/articles/{aid}")).text()


async def test_the_korean_page_says_it_in_korean(client, editor_token):
    aid = (await create(client, editor_token, original_lang="en"))["id"]
    await put(client, editor_token, aid, "en", {**EN_V1, "title": "Rewritten"})
    page = await (await client.get(f"/ko/articles/{aid}")).text()
    en = (await (await client.get(f"/api/v1/articles/{aid}")).json())["translations"]["en"]
    day = datetime.fromisoformat(en["updated_at"]).astimezone(ZoneInfo("Asia/Seoul")).date()
    when = format_date(day, "long", locale="ko")  # 2026년 12월 2일
    assert f"이 번역을 만든 뒤 {when}에 영어 원문이 수정되었습니다." in page
    assert f'<a href="/en/articles/{aid}" hreflang="en">원문 보기</a>' in page
    assert "after this translation" not in page


async def test_feeds_do_not_change_with_the_workflow(client, editor_token):
    """Staleness and sources are not in the feeds: a major write of the Korean text and a
    confirm of the English leave the English feeds' bytes and validators as they were."""
    aid = (await create(client, editor_token))["id"]
    paths = ("/en/feed.atom", "/en/feed.rss", "/en/feed.json")
    before = {}
    for path in paths:
        resp = await client.get(path)
        before[path] = (await resp.read(), resp.headers["ETag"], resp.headers["Last-Modified"])
    await asyncio.sleep(1.1)  # a change logged for English would move Last-Modified
    await put(client, editor_token, aid, "ko", {**KO_V1, "title": "새 제목"})
    assert (await text_of(client, editor_token, aid, "en"))["stale"] is True
    resp = await client.post(url(aid, "en", "/confirm"), headers=bearer(editor_token))
    assert resp.status == 200
    for path in paths:
        resp = await client.get(path)
        now = (await resp.read(), resp.headers["ETag"], resp.headers["Last-Modified"])
        assert now == before[path], path

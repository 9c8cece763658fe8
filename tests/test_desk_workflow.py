"""The translation workflow on the desk: stale texts with the original's changes shown,
confirming, minor changes, the original's version a translation was made from, the
revision history with restore, and translators limited to their languages. The desk
calls the workflow's own functions; these tests read the result back through the API.
"""

from __future__ import annotations

from typing import Any

import lxml.html
from aiohttp.test_utils import TestClient
from conftest import add_editor, bearer, create, snapshot
from deskforms import form, form_on, log_in, page, submit, submit_on, text_of

from newsfeed import auth

EN = "/desk/articles/1/texts/en"
KO = "/desk/articles/1/texts/ko"


async def text(client: TestClient, token: str, lang: str) -> Any:
    resp = await client.get(f"/api/v1/articles/1/translations/{lang}", headers=bearer(token))
    assert resp.status == 200
    return await resp.json()


async def put(client: TestClient, token: str, lang: str, **fields: Any) -> None:
    resp = await client.put(
        f"/api/v1/articles/1/translations/{lang}", json=fields, headers=bearer(token)
    )
    assert resp.status == 200, await resp.text()


async def test_a_stale_text_shows_what_changed_and_can_be_confirmed(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await put(client, editor_token, "ko", title="첨단재생의학 협약 체결", body="본문")
    await log_in(client, editor_token)
    board = await page(client, "/desk/")
    assert text_of(board, "//tbody/tr/td[contains(@class, 'cell')]/@class") == [
        "cell state-current",
        "cell state-stale",
    ]
    assert text_of(await page(client, "/desk/?text_lang=en&state=stale"), "//td[@class='no']") == [
        "1"
    ]
    assert not text_of(await page(client, "/desk/?text_lang=en&state=current"), "//td[@class='no']")
    counts = text_of(board, "//p[@class='counts']/a")
    assert counts == ["없음 0", "갱신 필요 1", "최신 0"]
    editor = await page(client, EN)
    doc = lxml.html.fromstring(editor)
    assert doc.xpath("//section[@class='stale-notice']")
    assert doc.xpath("//pre[@class='diff']/span[@class='del']/text()") == [
        "-첨단재생의학 협약",
        "-요약",
    ]
    assert doc.xpath("//pre[@class='diff']/span[@class='add']/text()") == [
        "+첨단재생의학 협약 체결"
    ]
    confirm = form(editor, f"{EN}/confirm")
    assert confirm.value("source_version") == "2"
    resp = await submit(client, confirm)
    assert resp.status == 303 and resp.headers["Location"] == f"{EN}?done=confirmed"
    en = await text(client, editor_token, "en")
    assert en["stale"] is False and en["source"] == {"lang": "ko", "version": 2}
    assert en["version"] == 1  # confirming writes no new version
    audit = await (await client.get("/api/v1/audit?article=1", headers=bearer(editor_token))).json()
    assert audit["items"][0]["action"] == "confirm" and audit["items"][0]["editor"] == "editor"
    assert not lxml.html.fromstring(await page(client, EN)).xpath(
        "//section[@class='stale-notice']"
    )


async def test_a_minor_change_of_the_original_leaves_translations_current(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    await submit_on(client, KO, KO, title="첨단재생의학 협약.", minor="1")
    assert (await text(client, editor_token, "en"))["stale"] is False
    await submit_on(client, KO, KO, title="첨단재생의학 협약 체결")
    assert (await text(client, editor_token, "en"))["stale"] is True
    ko = await text(client, editor_token, "ko")
    assert ko["version"] == 3 and ko["updated_by"] == "editor"
    # the original's form offers the choice; a translation's does not
    assert "minor" not in dict((await form_on(client, EN)).fields)


async def test_a_translation_records_the_original_version_it_was_made_from(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    mine = await form_on(client, EN)
    assert mine.value("source_version") == "1"
    # the original changes while the translator works: not a conflict for the English text
    await put(client, editor_token, "ko", title="새 제목", body="새 본문")
    resp = await submit(client, mine, title="Pact signed")
    assert resp.status == 303
    en = await text(client, editor_token, "en")
    assert en["title"] == "Pact signed"
    assert en["source"] == {"lang": "ko", "version": 1} and en["stale"] is True


async def test_history_lists_versions_and_restores_one(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    await submit_on(client, EN, EN, title="Second")
    await submit_on(client, EN, EN, title="Third", body="Changed body")
    history = await page(client, f"{EN}/history")
    assert text_of(history, "//tbody/tr/th/a/text()") == ["3판", "2판", "1판"]
    assert text_of(history, "//tbody/tr/td[2]") == ["editor"] * 3
    first = await page(client, f"{EN}/history/1")
    assert "Regenerative medicine pact" in lxml.html.fromstring(first).text_content()
    restore = form(first, f"{EN}/history/1/restore")
    # restoring from a page an edit has overtaken is a 409, and changes nothing
    await put(client, editor_token, "en", title="Fourth")
    before = snapshot(settings)
    resp = await submit(client, restore)
    assert resp.status == 409
    assert snapshot(settings) == before
    resp = await submit(client, form(await resp.text(), f"{EN}/history/1/restore"))
    assert resp.status == 303 and resp.headers["Location"] == f"{EN}?done=restored"
    en = await text(client, editor_token, "en")
    assert en["title"] == "Regenerative medicine pact" and en["version"] == 5
    current = await page(client, f"{EN}/history/5")
    assert not lxml.html.fromstring(current).xpath("//form[contains(@action, '/restore')]")
    assert (await client.get(f"{EN}/history/99")).status == 404
    assert (await client.get("/desk/articles/1/texts/xx/history")).status == 404


async def test_a_write_to_another_language_is_no_conflict(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    mine = await form_on(client, EN)
    await client.patch("/api/v1/articles/1", json={"category": "x"}, headers=bearer(editor_token))
    assert (await submit(client, mine, title="Mine")).status == 303
    assert (await text(client, editor_token, "en"))["title"] == "Mine"


async def test_a_translator_works_only_in_their_languages(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await put(client, editor_token, "ko", title="바뀐 원문")
    await log_in(client, editor_token)
    ko_form = await form_on(client, KO)
    restore_ko = form(await page(client, f"{KO}/history/1"), f"{KO}/history/1/restore")
    client.session.cookie_jar.clear()
    await log_in(client, add_editor(settings, "en-only", auth.Role.TRANSLATOR, ["en"]))
    ko_page = await page(client, KO)
    assert not lxml.html.fromstring(ko_page).xpath(f"//form[@action='{KO}']")
    csrf = (await form_on(client, EN)).value("csrf")
    before = snapshot(settings)
    for sent in (ko_form, restore_ko):
        resp = await submit(client, sent, csrf=csrf, title="Not mine")
        assert resp.status == 403, sent.action
    resp = await client.post(f"{KO}/confirm", data={"csrf": csrf, "version": '"1.1"'})
    assert resp.status == 403
    assert snapshot(settings) == before
    # English: write, confirm, restore
    await submit_on(client, EN, EN, title="Pact, translated again")
    en = await text(client, editor_token, "en")
    assert en["updated_by"] == "en-only" and en["stale"] is False
    await submit_on(client, f"{EN}/history/1", f"{EN}/history/1/restore")
    assert (await text(client, editor_token, "en"))["version"] == 3

"""Writing through the desk: create, settings, texts, deletes, preview. The same rules
as the API (roles, validation, If-Match), answered as pages: errors by their fields with
the input kept, 409 with both versions side by side. Forms are found in the HTML and
sent as a browser sends them, on both stores."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from aiohttp.test_utils import TestClient
from conftest import bearer, create, snapshot
from deskforms import form, log_in, page, submit, submit_on, text_of

NEW = "/desk/articles/new"


async def api_article(client: TestClient, token: str, article_id: int) -> Any:
    resp = await client.get(f"/api/v1/articles/{article_id}", headers=bearer(token))
    return resp.status, (await resp.json() if resp.status == 200 else None)


def field_value(html: str, name: str) -> str:
    doc = lxml.html.fromstring(html)
    element = doc.xpath(f"//form//*[@name='{name}']")[0]
    if element.tag == "textarea":
        return (element.text or "").removeprefix("\n")
    if element.tag == "select":
        chosen = element.xpath(".//option[@selected]") or element.xpath(".//option")
        return chosen[0].get("value")
    return element.get("value") or ""


# --- creating ------------------------------------------------------------------------


async def test_create_a_korean_article_and_add_its_english_text(
    client: TestClient, editor_token: str
) -> None:
    await log_in(client, editor_token)
    board = await page(client, "/desk/")
    assert text_of(board, "//a[@href='/desk/articles/new']")
    resp = await submit_on(
        client,
        NEW,
        NEW,
        lang="ko",
        category="news",
        slug="center-opens",
        status="published",
        published_at="2020-09-15T10:00",
        title="첨단재생의학센터 개소",
        summary="요약",
        body="의료원이 **센터**를 열었습니다.\n\n둘째 문단.",
        author="홍보팀",
    )
    assert resp.headers["Location"] == "/desk/articles/1?done=created"
    status, article = await api_article(client, editor_token, 1)
    assert article["original_lang"] == "ko" and article["slug"] == "center-opens"
    assert article["published_at"] == "2020-09-15T10:00:00+09:00"  # the site's time zone
    assert article["translations"]["ko"]["body"] == "의료원이 **센터**를 열었습니다.\n\n둘째 문단."
    html = await page(client, "/desk/articles/1?done=created")
    assert text_of(html, "//p[@class='done']")
    # the board shows Korean current (the original) and English missing
    board = await page(client, "/desk/")
    cells = text_of(board, "//tbody/tr/td[contains(@class, 'cell')]")
    assert "원문" in cells[0] and "없음" in cells[1]
    # add the English text from the side-by-side editor
    editor = await page(client, "/desk/articles/1/texts/en")
    doc = lxml.html.fromstring(editor)
    original = " ".join(doc.xpath("string(//section[@class='readonly'])").split())
    assert "첨단재생의학센터 개소" in original and "둘째 문단." in original
    await submit(
        client,
        form(editor, "/desk/articles/1/texts/en"),
        title="Regenerative Medicine Center Opens",
        body="The center opened.",
        author="Communications",
    )
    _, article = await api_article(client, editor_token, 1)
    assert article["translations"]["en"]["title"] == "Regenerative Medicine Center Opens"
    public = await page(client, "/en/articles/1")
    assert "Regenerative Medicine Center Opens" in public
    board = await page(client, "/desk/")
    assert "없음" not in " ".join(text_of(board, "//tbody/tr/td[contains(@class, 'cell')]"))


async def test_a_new_article_defaults_to_a_draft_published_now(
    client: TestClient, editor_token: str
) -> None:
    await log_in(client, editor_token)
    await submit_on(client, NEW, NEW, category="news", title="초안")
    status, article = await api_article(client, editor_token, 1)
    assert article["status"] == "draft"
    assert (await client.get("/ko/articles/1")).status == 404


async def test_invalid_fields_are_shown_by_their_fields_with_the_input_kept(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await log_in(client, editor_token)
    before = snapshot(settings)
    body = "<b>내용</b>\n" * 3
    resp = await submit_on(
        client,
        NEW,
        NEW,
        expect=422,
        category="Bad Category",
        slug="also bad",
        published_at="soon",
        title="   ",
        summary="s" * 1001,
        body=body,
        author="홍보팀",
    )
    html = await resp.text()
    summary = text_of(html, "//div[@class='error-summary']//a/@href")
    assert summary == ["#f-category", "#f-slug", "#f-published_at", "#f-title", "#f-summary"]
    doc = lxml.html.fromstring(html)
    for name in ("category", "slug", "published_at", "title", "summary"):
        element = doc.get_element_by_id(f"f-{name}")
        assert element.get("aria-invalid") == "true"
        assert f"f-{name}-error" in element.get("aria-describedby")
        assert doc.get_element_by_id(f"f-{name}-error").text_content().strip()
    assert "1,000" in doc.get_element_by_id("f-summary-error").text_content()
    # what was typed is still there, escaped
    assert field_value(html, "body").replace("\r\n", "\n") == body
    assert field_value(html, "author") == "홍보팀"
    assert field_value(html, "category") == "Bad Category"
    assert not doc.xpath("//form//b")
    assert snapshot(settings) == before


async def test_limits_are_the_apis(client: TestClient, settings: Any, editor_token: str) -> None:
    await log_in(client, editor_token)
    resp = await submit_on(client, NEW, NEW, expect=422, category="news", title="t" * 301)
    assert text_of(await resp.text(), "//div[@class='error-summary']//a/@href") == ["#f-title"]
    resp = await submit_on(
        client, NEW, NEW, expect=422, category="news", title="t", body="b" * 200_001
    )
    assert text_of(await resp.text(), "//div[@class='error-summary']//a/@href") == ["#f-body"]
    resp = await submit_on(client, NEW, NEW, expect=422, category="news", title="a\x01b")
    assert text_of(await resp.text(), "//div[@class='error-summary']//a/@href") == ["#f-title"]
    # the longest Korean body the API takes fits in the desk's form (multipart)
    await submit_on(client, NEW, NEW, category="news", title="긴 글", body="가" * 200_000)
    _, article = await api_article(client, editor_token, 1)
    assert len(article["translations"]["ko"]["body"]) == 200_000


async def test_a_taken_slug_is_409_by_its_field(client: TestClient, editor_token: str) -> None:
    await create(client, editor_token, slug="taken")
    await log_in(client, editor_token)
    resp = await submit_on(client, NEW, NEW, expect=409, category="news", slug="taken", title="t")
    html = await resp.text()
    assert text_of(html, "//div[@class='error-summary']//a/@href") == ["#f-slug"]
    assert field_value(html, "title") == "t"


async def test_html_in_fields_is_escaped_on_the_desk(client: TestClient, editor_token: str) -> None:
    title = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    await create(
        client,
        editor_token,
        translations={"ko": {"title": title, "body": "<script>alert(3)</script>\n\n*ok*"}},
    )
    await log_in(client, editor_token)
    for path in (
        "/desk/",
        "/desk/articles/1",
        "/desk/articles/1/texts/ko",
        "/desk/articles/1/texts/en",
    ):
        html = await page(client, path)
        doc = lxml.html.fromstring(html)
        assert not doc.xpath("//script | //img[@onerror]"), path
        assert title in doc.text_content() or path.endswith("/ko"), path
    assert field_value(await page(client, "/desk/articles/1/texts/ko"), "title") == title
    # the preview is the public page: the body sanitized, as readers get it
    preview = lxml.html.fromstring(await page(client, "/desk/articles/1/preview/ko"))
    assert not preview.xpath("//script | //*[@onerror]")
    assert preview.xpath("//div[@class='body']//em/text()") == ["ok"]


# --- settings ------------------------------------------------------------------------


async def test_settings_change_only_what_was_changed(client: TestClient, editor_token: str) -> None:
    created = await create(client, editor_token, published_at="2020-09-15T01:00:00+00:00")
    await log_in(client, editor_token)
    html = await page(client, "/desk/articles/1")
    assert field_value(html, "published_at") == "2020-09-15T10:00"  # shown in Asia/Seoul
    await submit_on(client, "/desk/articles/1", "/desk/articles/1", category="events", slug="pact")
    _, article = await api_article(client, editor_token, 1)
    assert article["category"] == "events" and article["slug"] == "pact"
    assert article["published_at"] == created["published_at"]  # untouched, offset kept
    resp = await submit_on(client, "/desk/articles/1", "/desk/articles/1")
    assert resp.headers["Location"].endswith("done=unchanged")
    await submit_on(
        client,
        "/desk/articles/1",
        "/desk/articles/1",
        status="draft",
        slug="",
        published_at="2031-01-02T03:04",
        original_lang="en",
    )
    _, article = await api_article(client, editor_token, 1)
    assert article["status"] == "draft" and article["slug"] is None
    assert article["published_at"] == "2031-01-02T03:04:00+09:00"
    assert article["original_lang"] == "en"


async def test_settings_errors_keep_the_input(client: TestClient, editor_token: str) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    resp = await submit_on(
        client,
        "/desk/articles/1",
        "/desk/articles/1",
        expect=422,
        category="",
        slug="good-slug",
        published_at="2020-02-30T10:00",
    )
    html = await resp.text()
    assert text_of(html, "//div[@class='error-summary']//a/@href") == [
        "#f-category",
        "#f-published_at",
    ]
    assert field_value(html, "slug") == "good-slug"
    assert field_value(html, "published_at") == "2020-02-30T10:00"


async def test_settings_from_an_older_version_are_409_with_both_side_by_side(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    mine = form(await page(client, "/desk/articles/1"), "/desk/articles/1")
    resp = await client.patch(
        "/api/v1/articles/1", json={"category": "events"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    before = snapshot(settings)
    resp = await submit(client, mine, slug="my-slug")
    assert resp.status == 409
    html = await resp.text()
    assert snapshot(settings) == before
    current = " ".join(
        lxml.html.fromstring(html).xpath("string(//section[@class='readonly'])").split()
    )
    assert "events" in current
    assert field_value(html, "slug") == "my-slug" and field_value(html, "category") == "news"
    resp = await submit(client, form(html, "/desk/articles/1"))
    assert resp.status == 303
    _, article = await api_article(client, editor_token, 1)
    assert article["slug"] == "my-slug" and article["category"] == "news"


# --- texts ---------------------------------------------------------------------------


async def test_a_text_from_an_older_version_is_409_and_nothing_is_lost(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    mine = form(await page(client, "/desk/articles/1/texts/en"), "/desk/articles/1/texts/en")
    resp = await client.put(
        "/api/v1/articles/1/translations/en",
        json={"title": "Their title", "body": "Their body"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    before = snapshot(settings)
    typed = "My body\nwith two lines"
    resp = await submit(client, mine, title="My title", body=typed.replace("\n", "\r\n"))
    assert resp.status == 409
    assert snapshot(settings) == before
    html = await resp.text()
    doc = lxml.html.fromstring(html)
    theirs = " ".join(doc.xpath("string(//section[contains(@class, 'theirs')])").split())
    assert "Their title" in theirs and "Their body" in theirs
    assert field_value(html, "title") == "My title"
    assert field_value(html, "body").replace("\r\n", "\n") == typed
    # saving again writes what was typed over the current version
    assert (await submit(client, form(html, "/desk/articles/1/texts/en"))).status == 303
    _, article = await api_article(client, editor_token, 1)
    assert article["translations"]["en"]["title"] == "My title"
    assert article["translations"]["en"]["body"] == typed


async def test_text_errors_keep_the_input(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    before = snapshot(settings)
    resp = await submit_on(
        client,
        "/desk/articles/1/texts/en",
        "/desk/articles/1/texts/en",
        expect=422,
        title="",
        body="kept body",
        author="a" * 201,
    )
    html = await resp.text()
    assert text_of(html, "//div[@class='error-summary']//a/@href") == ["#f-title", "#f-author"]
    assert field_value(html, "body") == "kept body"
    assert snapshot(settings) == before


async def test_an_unchanged_text_writes_nothing(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token, translations={"ko": {"title": "t", "body": "a\nb"}})
    await log_in(client, editor_token)
    before = snapshot(settings)
    resp = await submit_on(client, "/desk/articles/1/texts/ko", "/desk/articles/1/texts/ko")
    assert resp.headers["Location"].endswith("done=unchanged")
    assert snapshot(settings) == before


# --- roles ---------------------------------------------------------------------------


async def test_a_translator_may_only_write_texts(
    client: TestClient, settings: Any, editor_token: str, translator_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    editor_forms = {
        path: form(await page(client, path), action)
        for path, action in (
            ("/desk/articles/1", "/desk/articles/1"),
            ("/desk/articles/1/delete", "/desk/articles/1/delete"),
            ("/desk/articles/1/texts/en/delete", "/desk/articles/1/texts/en/delete"),
            (NEW, NEW),
        )
    }
    client.session.cookie_jar.clear()
    await log_in(client, translator_token)
    board = await page(client, "/desk/")
    assert not text_of(board, "//a[@href='/desk/articles/new']")
    html = await page(client, "/desk/articles/1")
    assert not lxml.html.fromstring(html).xpath("//form[@action='/desk/articles/1']")
    for path in (NEW, "/desk/articles/1/delete", "/desk/articles/1/texts/en/delete"):
        assert (await client.get(path)).status == 403, path
    translator_csrf = form(board, "/desk/logout").value("csrf")
    before = snapshot(settings)
    for sent in editor_forms.values():
        resp = await submit(client, sent, csrf=translator_csrf, category="x", title="x")
        assert resp.status == 403, sent.action
        assert resp.content_type == "text/html"
    assert snapshot(settings) == before
    await submit_on(
        client, "/desk/articles/1/texts/en", "/desk/articles/1/texts/en", title="Translated"
    )
    _, article = await api_article(client, editor_token, 1)
    assert article["translations"]["en"]["title"] == "Translated"


# --- deleting ------------------------------------------------------------------------


async def test_deleting_a_text_asks_first(client: TestClient, editor_token: str) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    html = await page(client, "/desk/articles/1")
    assert text_of(html, "//a[@href='/desk/articles/1/texts/en/delete']")
    confirm = await page(client, "/desk/articles/1/texts/en/delete")
    _, article = await api_article(client, editor_token, 1)
    assert set(article["translations"]) == {"ko", "en"}  # asking changed nothing
    resp = await submit(client, form(confirm, "/desk/articles/1/texts/en/delete"))
    assert resp.status == 303
    _, article = await api_article(client, editor_token, 1)
    assert set(article["translations"]) == {"ko"}
    # the last text cannot go: the page says so and offers no form to try
    confirm = await page(client, "/desk/articles/1/texts/ko/delete")
    assert not lxml.html.fromstring(confirm).xpath("//form[contains(@action, '/texts/')]")
    assert text_of(confirm, "//a[@href='/desk/articles/1/delete']")


async def test_deleting_the_last_text_by_a_stale_page_is_409(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    ko = form(
        await page(client, "/desk/articles/1/texts/ko/delete"), "/desk/articles/1/texts/ko/delete"
    )
    en = form(
        await page(client, "/desk/articles/1/texts/en/delete"), "/desk/articles/1/texts/en/delete"
    )
    assert (await submit(client, en)).status == 303
    before = snapshot(settings)
    resp = await submit(client, ko)
    assert resp.status == 409
    assert snapshot(settings) == before


async def test_deleting_an_article_asks_first_and_honours_its_version(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    confirm = form(await page(client, "/desk/articles/1/delete"), "/desk/articles/1/delete")
    await client.patch("/api/v1/articles/1", json={"category": "x"}, headers=bearer(editor_token))
    before = snapshot(settings)
    resp = await submit(client, confirm)
    assert resp.status == 409
    assert snapshot(settings) == before
    again = form(await resp.text(), "/desk/articles/1/delete")
    resp = await submit(client, again)
    assert resp.status == 303 and resp.headers["Location"] == "/desk/?done=deleted"
    assert (await api_article(client, editor_token, 1))[0] == 404
    assert (await client.get("/ko/articles/1")).status == 404
    assert (await client.get("/desk/articles/1")).status == 404


# --- preview and board ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "note"),
    [
        ({"status": "draft"}, "초안"),
        ({"published_at": "2999-01-01T00:00:00+09:00"}, "예약"),
    ],
)
async def test_preview_shows_what_readers_will_see_without_counting(
    client: TestClient, editor_token: str, overrides: dict[str, str], note: str
) -> None:
    await create(client, editor_token, **overrides)
    assert (await client.get("/ko/articles/1")).status == 404
    await log_in(client, editor_token)
    for _ in range(2):
        html = await page(client, "/desk/articles/1/preview/ko")
    doc = lxml.html.fromstring(html)
    banner = doc.xpath("string(//div[@class='preview-banner'])")
    assert "미리 보기" in banner and note in banner
    assert doc.xpath("//h1/text()") == ["첨단재생의학 협약"]
    assert doc.xpath("//span[@class='hits']/text()") == ["조회 0회"]
    assert not doc.xpath("//link[@rel='canonical']")
    _, article = await api_article(client, editor_token, 1)
    assert article["hits"] == 0
    english = lxml.html.fromstring(await page(client, "/desk/articles/1/preview/en"))
    assert english.get("lang") == "en"
    assert english.xpath("//h1/text()") == ["Regenerative medicine pact"]


async def test_board_filters_by_category_and_state(client: TestClient, editor_token: str) -> None:
    await create(client, editor_token)  # 1: news, ko+en
    await create(client, editor_token, category="events", translations={"ko": {"title": "행사"}})
    await create(client, editor_token, status="draft", translations={"en": {"title": "Draft"}})
    await log_in(client, editor_token)

    def numbers(html: str) -> list[str]:
        return text_of(html, "//tbody/tr/td[@class='no']")

    assert numbers(await page(client, "/desk/")) == ["3", "2", "1"]
    assert numbers(await page(client, "/desk/?category=events")) == ["2"]
    board = await page(client, "/desk/")
    filters = form(board, "/desk/")
    resp = await submit(client, filters, text_lang="en", state="missing")
    assert numbers(await resp.text()) == ["2"]
    assert numbers(await page(client, "/desk/?text_lang=ko&state=missing")) == ["3"]
    assert numbers(await page(client, "/desk/?text_lang=ko&state=current")) == ["2", "1"]
    statuses = text_of(board, "//tbody/tr/td[contains(@class, 'status')]")
    assert statuses == ["초안", "발행", "발행"]

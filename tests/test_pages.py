"""The public HTML pages over HTTP: languages, board, article pages, hits, errors, XSS."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest
from aiohttp.test_utils import TestClient
from conftest import BASE_URL, bearer, create, with_store

from newsfeed.settings import Settings
from newsfeed.web.keys import counter_key

HTML = "text/html"


async def page(client: TestClient, path: str, status: int = 200, **kwargs: Any) -> Any:
    """GET an HTML page, check its status and type, return the parsed document."""
    resp = await client.get(path, **kwargs)
    assert resp.status == status, await resp.text()
    assert resp.content_type == HTML
    assert resp.charset == "utf-8"
    doc = lxml.html.fromstring(await resp.text())
    doc.response = resp  # type: ignore[attr-defined]
    return doc


def texts(doc: Any, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]


async def set_hits(settings: Settings, article_id: int, n: int) -> None:
    """Give an article a stored count (as if n views had been flushed by another process)."""
    with_store(settings, lambda store: store.add_hits({article_id: n}, "another-process", 1))


# --- language negotiation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-US,en;q=0.9", "en"),
        ("ko-KR,ko;q=0.9,en;q=0.8", "ko"),
        (None, "ko"),
        ("fr-FR, de;q=0.5", "ko"),
        ("fr, en;q=0.3, ko;q=0.2", "en"),
        ("en;q=0, ko", "ko"),
        ("*", "ko"),
        ("garbage;;q=x,,", "ko"),
    ],
)
async def test_root_negotiates_language(client, accept, lang):
    headers = {"Accept-Language": accept} if accept is not None else {}
    resp = await client.get("/", headers=headers, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/{lang}/"
    assert "Accept-Language" in resp.headers["Vary"]


async def test_unknown_language_is_404(client):
    resp = await client.get("/fr/")
    assert resp.status == 404
    resp = await client.get("/fr/articles/1")
    assert resp.status == 404


# --- the board ----------------------------------------------------------------------


async def test_korean_board_formats_dates_and_counts(client, editor_token, settings):
    # 01:00 UTC on the 14th is 10:00 on the 14th in Seoul; 20:00 UTC is the 15th there.
    first = await create(client, editor_token, published_at="2020-09-14T20:00:00Z")
    await set_hits(settings, first["id"], 1234)
    doc = await page(client, "/ko/")
    assert doc.response.headers["Content-Language"] == "ko"
    assert doc.get("lang") == "ko"
    assert texts(doc, "//table//thead//th[@scope='col']") == ["번호", "제목", "등록일", "조회수"]
    (row,) = doc.xpath("//table/tbody/tr")
    assert texts(row, "./td[@class='no']") == [str(first["id"])]
    assert texts(row, "./th[@scope='row']") == ["첨단재생의학 협약"]
    assert texts(row, "./td[@class='date']") == ["2020년 9월 15일"]
    assert texts(row, "./td[@class='hits']") == ["1,234"]
    assert texts(doc, "//p[@class='count']") == ["글 1건"]


async def test_english_board(client, editor_token, settings):
    article = await create(client, editor_token)
    await set_hits(settings, article["id"], 1234)
    doc = await page(client, "/en/")
    assert doc.response.headers["Content-Language"] == "en"
    assert doc.get("lang") == "en"
    assert texts(doc, "//table//thead//th") == ["No.", "Title", "Date", "Hits"]
    assert texts(doc, "//tbody//td[@class='date']") == ["September 15, 2020"]
    assert texts(doc, "//tbody//td[@class='hits']") == ["1,234"]
    assert texts(doc, "//p[@class='count']") == ["1 article"]
    link = doc.xpath("//tbody//th/a")[0]
    assert link.get("href") == f"/en/articles/{article['id']}"
    assert link.text_content() == "Regenerative medicine pact"


async def test_board_newest_first_and_only_public(client, editor_token):
    old = await create(client, editor_token, published_at="2020-01-01T00:00:00Z")
    new = await create(client, editor_token, published_at="2021-01-01T00:00:00Z")
    await create(client, editor_token, status="draft")
    await create(client, editor_token, published_at="2999-01-01T00:00:00Z")
    doc = await page(client, "/ko/")
    assert texts(doc, "//tbody//td[@class='no']") == [str(new["id"]), str(old["id"])]


async def test_board_pages_and_category(client, editor_token):
    made = [
        await create(client, editor_token, published_at=f"2020-01-{day:02d}T00:00:00Z")
        for day in range(1, 22)
    ]
    made.append(await create(client, editor_token, category="events"))
    doc = await page(client, "/en/")
    ids = texts(doc, "//tbody//td[@class='no']")
    assert ids[:2] == [str(made[-1]["id"]), str(made[-2]["id"])] and len(ids) == 20
    assert texts(doc, "//p[@class='count']") == ["22 articles"]
    assert not doc.xpath("//a[@rel='prev']")
    assert doc.xpath("//a[@rel='next']/@href") == ["/en/?page=2"]
    doc = await page(client, "/en/?page=2")
    assert texts(doc, "//tbody//td[@class='no']") == [str(made[1]["id"]), str(made[0]["id"])]
    assert doc.xpath("//a[@rel='prev']/@href") == ["/en/"]  # page 1 has one address
    assert not doc.xpath("//a[@rel='next']")
    doc = await page(client, "/en/?category=events")
    assert texts(doc, "//tbody//td[@class='no']") == [str(made[-1]["id"])]
    doc = await page(client, "/en/?category=nothing-here")
    assert doc.xpath("//table") == [] and texts(doc, "//p[@class='empty']") == ["No articles yet."]
    # the cached total follows writes
    await create(client, editor_token)
    doc = await page(client, "/en/")
    assert texts(doc, "//p[@class='count']") == ["23 articles"]


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=", "category=Bad!"])
async def test_board_bad_parameters_are_localized_400(client, query):
    doc = await page(client, f"/ko/?{query}", status=400)
    assert doc.get("lang") == "ko"
    assert doc.response.headers["Content-Language"] == "ko"
    assert texts(doc, "//h1") == ["잘못된 요청"]


async def test_board_page_past_the_end_is_404(client, editor_token):
    await create(client, editor_token)
    doc = await page(client, "/en/?page=2", status=404)
    assert texts(doc, "//h1") == ["Page not found"]


async def test_board_falls_back_to_an_existing_language(client, editor_token):
    only_en = {"en": {"title": "English only", "body": "Text"}}
    article = await create(client, editor_token, translations=only_en)
    doc = await page(client, "/ko/")
    (link,) = doc.xpath("//tbody//th/a")
    assert link.text_content() == "English only"
    assert link.get("lang") == "en"
    assert link.get("href") == f"/ko/articles/{article['id']}"


# --- the article page ---------------------------------------------------------------


async def test_article_page(client, editor_token):
    body = "First paragraph with **bold**.\n\n- one\n- two\n\n[link](https://example.org/x)"
    translations = {
        "ko": {"title": "제목", "summary": "요약", "body": body, "author": "홍보팀"},
        "en": {"title": "Title", "summary": "Sum", "body": body, "author": "Press Office"},
    }
    article = await create(client, editor_token, translations=translations)
    path = f"/ko/articles/{article['id']}"
    doc = await page(client, path)
    assert doc.response.headers["Content-Language"] == "ko"
    assert doc.get("lang") == "ko"
    (node,) = doc.xpath("//article")
    assert node.get("lang") == "ko"
    assert texts(node, ".//h1") == ["제목"]
    assert texts(node, ".//*[@class='byline']") == ["글쓴이 홍보팀"]
    assert texts(node, ".//time") == ["2020년 9월 15일"]
    assert texts(node, ".//*[@class='hits']") == ["조회 1회"]
    assert texts(node, ".//div[@class='body']//strong") == ["bold"]
    assert texts(node, ".//div[@class='body']//li") == ["one", "two"]
    assert node.xpath(".//div[@class='body']//a/@href") == ["https://example.org/x"]
    assert not doc.xpath("//*[@class='notice']")
    # the other language's version is linked, and announced in <head> with absolute URLs
    assert doc.xpath("//nav[@class='versions']/a[@hreflang='en']/@href") == [
        f"/en/articles/{article['id']}"
    ]
    assert doc.xpath("//link[@rel='canonical']/@href") == [f"{BASE_URL}{path}"]
    assert doc.xpath("//link[@rel='alternate'][@hreflang]/@hreflang") == ["ko", "en", "x-default"]
    assert doc.xpath("//link[@rel='alternate'][@hreflang='en']/@href") == [
        f"{BASE_URL}/en/articles/{article['id']}"
    ]
    assert doc.xpath("//link[@type='application/rss+xml']/@href") == [f"{BASE_URL}/ko/feed.rss"]
    assert doc.xpath("//link[@type='application/atom+xml']/@href") == [f"{BASE_URL}/ko/feed.atom"]
    assert doc.xpath("//meta[@name='viewport']")
    doc = await page(client, f"/en/articles/{article['id']}")
    assert texts(doc, "//*[@class='byline']") == ["By Press Office"]
    assert texts(doc, "//article//time") == ["September 15, 2020"]
    assert texts(doc, "//*[@class='hits']") == ["2 views"]


async def test_every_page_links_feeds_and_alternates(client, editor_token):
    await create(client, editor_token)
    for path, same in [
        ("/en/", "/"),
        ("/en/?page=1", "/"),  # normalized
        ("/en/?category=news&x=1", "/?category=news"),
        ("/en/search?q=pact", "/search?q=pact"),
    ]:
        doc = await page(client, path)
        assert doc.xpath("//link[@hreflang='ko']/@href") == [f"{BASE_URL}/ko{same}"]
        assert doc.xpath("//link[@rel='canonical']/@href") == [f"{BASE_URL}/en{same}"]
        assert doc.xpath("//link[@type='application/rss+xml']/@href") == [f"{BASE_URL}/en/feed.rss"]


async def test_missing_translation_is_shown_with_a_notice(client, editor_token):
    only_ko = {"ko": {"title": "한국어만", "body": "본문입니다"}}
    article = await create(client, editor_token, translations=only_ko)
    doc = await page(client, f"/en/articles/{article['id']}")
    assert doc.response.headers["Content-Language"] == "en"
    assert doc.get("lang") == "en"
    (node,) = doc.xpath("//article")
    assert node.get("lang") == "ko"
    assert texts(node, ".//h1") == ["한국어만"]
    (notice,) = node.xpath(".//*[@class='notice']")
    assert notice.get("lang") == "en"
    assert "not been translated into English" in notice.text_content()
    assert "Korean" in notice.text_content()
    # the Korean page has no notice and no link to a missing English text
    doc = await page(client, f"/ko/articles/{article['id']}")
    assert not doc.xpath("//*[@class='notice']")
    assert not doc.xpath("//nav[@class='versions']/a[@hreflang]")


async def test_article_counts_one_hit_per_200_only(client, editor_token):
    article = await create(client, editor_token)
    path = f"/en/articles/{article['id']}"
    for expected in ("1 view", "2 views", "3 views"):
        doc = await page(client, path)
        assert texts(doc, "//*[@class='hits']") == [expected]
    resp = await client.head(path)
    assert resp.status == 200
    await page(client, f"/en/articles/{article['id'] + 100}", status=404)
    await page(client, f"/en/articles/{article['id']}x", status=404)
    doc = await page(client, path)
    assert texts(doc, "//*[@class='hits']") == ["4 views"]
    resp = await client.get(f"/api/v1/articles/{article['id']}")
    assert (await resp.json())["hits"] == 4


async def test_board_follows_counts_flushed_elsewhere(client, editor_token, settings):
    """Counts read once are kept until the database moves: views another process flushes
    show on the next board, the article page and the API, and so do this one's own."""
    article = await create(client, editor_token)
    board = "//tbody//td[@class='hits']"
    assert texts(await page(client, "/en/"), board) == ["0"]
    assert texts(await page(client, "/en/"), board) == ["0"]  # now read from what was kept
    await set_hits(settings, article["id"], 5)
    assert texts(await page(client, "/en/"), board) == ["5"]
    await set_hits(settings, article["id"], 7)
    assert texts(await page(client, "/ko/"), board) == ["12"]
    assert texts(await page(client, "/en/"), board) == ["12"]
    resp = await client.get(f"/api/v1/articles/{article['id']}")
    assert (await resp.json())["hits"] == 12
    assert texts(await page(client, f"/en/articles/{article['id']}"), "//*[@class='hits']") == [
        "13 views"
    ]
    await client.app[counter_key].flush()
    assert texts(await page(client, "/en/"), board) == ["13"]


async def test_kept_pages_follow_writes_and_hits(client, editor_token):
    """Pages are kept between requests; every write and every view must still show."""
    article = await create(client, editor_token)
    path = f"/en/articles/{article['id']}"
    assert texts(await page(client, "/en/"), "//tbody//td[@class='hits']") == ["0"]
    assert texts(await page(client, path), "//*[@class='hits']") == ["1 view"]
    assert texts(await page(client, "/en/"), "//tbody//td[@class='hits']") == ["1"]
    await client.app[counter_key].flush()  # the view moves from memory to the database
    assert texts(await page(client, "/en/"), "//tbody//td[@class='hits']") == ["1"]
    assert texts(await page(client, path), "//*[@class='hits']") == ["2 views"]
    await client.app[counter_key].flush()
    assert texts(await page(client, path), "//*[@class='hits']") == ["3 views"]
    resp = await client.put(
        f"/api/v1/articles/{article['id']}/translations/en",
        json={"title": "New title", "body": "New *body*"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    doc = await page(client, path)
    assert texts(doc, "//article//h1") == ["New title"]
    assert texts(doc, "//article//em") == ["body"]
    assert texts(doc, "//*[@class='hits']") == ["4 views"]
    assert texts(await page(client, "/en/"), "//tbody//th") == ["New title"]
    resp = await client.patch(
        f"/api/v1/articles/{article['id']}", json={"status": "draft"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    await page(client, path, status=404)
    doc = await page(client, "/en/")
    assert doc.xpath("//tbody") == []


async def test_scheduled_article_appears_when_due(client, editor_token):
    soon = datetime.now(UTC) + timedelta(seconds=1)
    await create(client, editor_token, published_at=soon.isoformat(timespec="microseconds"))
    doc = await page(client, "/en/")
    if datetime.now(UTC) < soon:  # a slow machine may already be past it: nothing to check
        assert doc.xpath("//tbody") == []
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.05)
    doc = await page(client, "/en/")
    assert len(doc.xpath("//tbody/tr")) == 1


@pytest.mark.parametrize(
    "overrides",
    [{"status": "draft"}, {"published_at": "2999-01-01T00:00:00Z"}],
    ids=["draft", "scheduled"],
)
async def test_hidden_article_is_a_localized_404(client, editor_token, overrides):
    article = await create(client, editor_token, **overrides)
    doc = await page(client, f"/ko/articles/{article['id']}", status=404)
    assert doc.get("lang") == "ko"
    assert texts(doc, "//h1") == ["페이지를 찾을 수 없습니다"]
    resp = await client.get(f"/api/v1/articles/{article['id']}", headers=bearer(editor_token))
    assert (await resp.json())["hits"] == 0


async def test_deleted_article_is_404(client, editor_token):
    article = await create(client, editor_token)
    resp = await client.delete(f"/api/v1/articles/{article['id']}", headers=bearer(editor_token))
    assert resp.status == 204
    doc = await page(client, f"/en/articles/{article['id']}", status=404)
    assert texts(doc, "//h1") == ["Page not found"]
    # like every page: the same address in every language, and this language's feeds
    assert doc.xpath("//link[@rel='alternate'][@hreflang]/@href") == [
        f"{BASE_URL}/ko/articles/{article['id']}",
        f"{BASE_URL}/en/articles/{article['id']}",
        f"{BASE_URL}/ko/articles/{article['id']}",  # x-default: the default language's
    ]
    assert doc.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == [
        f"{BASE_URL}/en/feed.atom"
    ]
    assert not doc.xpath("//link[@rel='canonical']")


async def test_wrong_method_is_a_localized_405(client):
    resp = await client.post("/ko/")
    assert resp.status == 405
    assert resp.content_type == HTML
    assert "GET" in resp.headers["Allow"]
    assert resp.headers["Content-Language"] == "ko"


async def test_static_css_is_cached(client):
    doc = await page(client, "/en/")
    (href,) = doc.xpath("//link[@rel='stylesheet']/@href")
    assert href.startswith("/static/site.css?v=")
    resp = await client.get(href)
    assert resp.status == 200
    assert resp.content_type == "text/css"
    assert "immutable" in resp.headers["Cache-Control"]
    etag = resp.headers["ETag"]
    resp = await client.get(href, headers={"If-None-Match": etag})
    assert resp.status == 304
    assert await resp.read() == b""
    resp = await client.get("/static/site.css")
    assert resp.status == 200 and "max-age" in resp.headers["Cache-Control"]
    assert (await client.get("/static/nothing.css")).status == 404


# --- no script can get in ---------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">tab</a>',
    "[md link](javascript:alert(1))",
    "<svg onload=alert(1)><circle r=1></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div style="background:url(javascript:alert(1))" onmouseover="x()">',
    '"><script>alert(1)</script><p x="',
    "<p>broken <b><i>markup</p></div></table>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="javascript:alert(1)"></object><embed src=x>',
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<style>body{display:none}</style><link rel=stylesheet href=//evil>",
]


def assert_inert(doc: Any) -> None:
    assert not doc.xpath("//script | //iframe | //object | //embed | //svg | //main//form")
    assert not doc.xpath("//body//style | //body//link | //*[@style]")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            squeezed = "".join(value.split()).lower()
            assert not squeezed.startswith("javascript:"), (element.tag, name, value)


async def test_xss_catalogue_renders_inert(client, editor_token):
    payload = "\n\n".join(XSS)
    text = {"title": payload[:300], "summary": payload[:1000], "body": payload, "author": XSS[1]}
    article = await create(client, editor_token, translations={"ko": text, "en": text})
    for path in (
        "/ko/",
        "/en/",
        f"/ko/articles/{article['id']}",
        f"/en/articles/{article['id']}",
        "/en/search?q=alert",
        "/en/search?q=script",
    ):
        doc = await page(client, path)
        assert_inert(doc)
    # the title is shown as text, not markup
    doc = await page(client, f"/en/articles/{article['id']}")
    assert texts(doc, "//article//h1")[0].startswith("<script>alert(1)</script>")
    assert texts(doc, "//*[@class='byline']") == ['By <img src=x onerror="alert(1)">']


async def test_pages_have_no_inline_script_or_style(client, editor_token):
    article = await create(client, editor_token)
    for path, status in (
        ("/ko/", 200),
        (f"/ko/articles/{article['id']}", 200),
        ("/ko/search?q=협약", 200),
        ("/ko/nowhere", 404),
    ):
        resp = await client.get(path)
        assert (resp.status, resp.content_type) == (status, HTML), path
        doc = lxml.html.fromstring(await resp.text())
        assert doc.xpath("//main"), path  # a real page, so the check below has markup to search
        assert not doc.xpath("//script | //style | //*[@style]"), path


async def test_language_without_trailing_slash_redirects_to_the_board(client):
    resp = await client.get("/en", allow_redirects=False)
    assert resp.status == 308
    assert resp.headers["Location"] == "/en/"
    resp = await client.get("/fr", allow_redirects=False)
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


# --- hreflang, headings, machine-readable dates ---------------------------------------


def alternates(doc: Any) -> list[tuple[str, str]]:
    return [
        (link.get("hreflang"), link.get("href"))
        for link in doc.xpath("//head/link[@rel='alternate'][@hreflang]")
    ]


async def test_hreflang_names_the_page_itself_and_x_default(client, editor_token):
    both = (await create(client, editor_token))["id"]
    only_ko = (await create(client, editor_token, translations={"ko": {"title": "한국어만"}}))["id"]
    english = (await create(client, editor_token, original_lang="en"))["id"]
    for lang in ("ko", "en"):
        doc = await page(client, f"/{lang}/?category=news")
        assert alternates(doc) == [
            ("ko", f"{BASE_URL}/ko/?category=news"),
            ("en", f"{BASE_URL}/en/?category=news"),
            ("x-default", f"{BASE_URL}/?category=news"),  # `/` negotiates
        ]
        doc = await page(client, f"/{lang}/articles/{both}")
        assert alternates(doc) == [
            ("ko", f"{BASE_URL}/ko/articles/{both}"),
            ("en", f"{BASE_URL}/en/articles/{both}"),
            ("x-default", f"{BASE_URL}/ko/articles/{both}"),  # its original language
        ]
        doc = await page(client, f"/{lang}/articles/{english}")
        assert alternates(doc)[-1] == ("x-default", f"{BASE_URL}/en/articles/{english}")
        # only the languages that have its text, also on the page that lacks it
        doc = await page(client, f"/{lang}/articles/{only_ko}")
        assert alternates(doc) == [
            ("ko", f"{BASE_URL}/ko/articles/{only_ko}"),
            ("x-default", f"{BASE_URL}/ko/articles/{only_ko}"),
        ]
        doc = await page(client, f"/{lang}/search?q=pact")
        assert [code for code, _ in alternates(doc)] == ["ko", "en", "x-default"]
    # the x-default of a board keeps its query through the negotiation
    resp = await client.get(
        "/?category=news", headers={"Accept-Language": "en"}, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/en/?category=news"


async def test_exactly_one_h1_per_page(client, editor_token):
    body = "# Heading in the body\n\n## Sub\n\n<h1>raw</h1>"
    translations = {
        "ko": {"title": "제목", "body": body},
        "en": {"title": "Pact title", "body": body},
    }
    article = await create(client, editor_token, translations=translations)
    for path, status in [
        ("/ko/", 200),
        (f"/en/articles/{article['id']}", 200),
        (f"/ko/articles/{article['id']}", 200),
        ("/en/search?q=pact", 200),
        ("/en/search", 200),
        ("/ko/articles/424242", 404),
        ("/en/?page=x", 400),
    ]:
        doc = await page(client, path, status=status)
        assert len(doc.xpath("//h1")) == 1, path
    doc = await page(client, f"/en/articles/{article['id']}")
    assert texts(doc, "//h1") == ["Pact title"]
    assert texts(doc, "//div[@class='body']/h2") == ["Heading in the body", "raw"]
    assert texts(doc, "//div[@class='body']/h3") == ["Sub"]


VALID_DATETIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?([+-]\d\d:\d\d|Z)"


@pytest.mark.parametrize(
    ("published_at", "shown"),
    [
        ("2020-09-15T10:00:00.123456+09:00", "2020-09-15T10:00:00.123+09:00"),
        ("2020-09-15T10:00:00.5Z", "2020-09-15T10:00:00.500+00:00"),
        ("2020-09-15T10:00:00+09:00", "2020-09-15T10:00:00+09:00"),
    ],
)
async def test_time_datetime_carries_at_most_milliseconds(
    client, editor_token, published_at, shown
):
    article = await create(client, editor_token, published_at=published_at)
    for path in ("/en/", f"/en/articles/{article['id']}", "/en/search?q=pact"):
        doc = await page(client, path)
        values = doc.xpath("//time/@datetime")
        assert values == [shown], path
        assert all(re.fullmatch(VALID_DATETIME, value) for value in values)


@pytest.mark.parametrize(
    ("category", "ko", "en"),
    [("news", "뉴스", "News"), ("events", "이벤트", "Events"), ("misc-2", "misc-2", "misc-2")],
)
async def test_categories_are_shown_with_their_label(client, editor_token, category, ko, en):
    """Known categories by their label in the page's language; others by their slug."""
    article = await create(client, editor_token, category=category)
    for lang, label in (("ko", ko), ("en", en)):
        doc = await page(client, f"/{lang}/articles/{article['id']}")
        assert texts(doc, "//p[@class='category']/a") == [label]
        assert doc.xpath("//p[@class='category']/a/@href") == [f"/{lang}/?category={category}"]
        doc = await page(client, f"/{lang}/?category={category}")
        assert label in texts(doc, "//p[@class='filter']")[0]

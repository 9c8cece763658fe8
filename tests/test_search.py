"""Search pages over HTTP: Korean substrings, short words, highlighting, staying in step."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
from aiohttp.test_utils import TestClient
from conftest import bearer, create

from newsfeed import search


def text(title: str, body: str = "", summary: str = "") -> dict[str, str]:
    return {"title": title, "summary": summary, "body": body}


async def results(client: TestClient, lang: str, q: str, page: int = 1) -> Any:
    resp = await client.get(f"/{lang}/search?q={quote(q)}&page={page}")
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Language"] == lang
    doc = lxml.html.fromstring(await resp.text())
    doc.ids = [  # type: ignore[attr-defined]
        int(href.rsplit("/", 1)[1]) for href in doc.xpath("//ol[@class='results']//h2/a/@href")
    ]
    return doc


@pytest.fixture
async def corpus(client, editor_token) -> dict[str, int]:
    made = {}
    for key, ko, en, when in [
        ("pact", "첨단재생의학 공동연구 협약", "Regenerative medicine pact", "2020-09-15"),
        ("mri", "자기공명영상 장비 도입", "New MRI scanner", "2021-01-01"),
        ("blood", "사랑의 헌혈 캠페인", "Blood drive", "2022-01-01"),
    ]:
        article = await create(
            client,
            editor_token,
            published_at=f"{when}T10:00:00+09:00",
            translations={
                "ko": text(ko, body=f"{ko}에 관한 본문입니다. 재생 치료"),
                "en": text(en, body=f"All about {en.lower()}.", summary="Summary text"),
            },
        )
        made[key] = article["id"]
    return made


async def test_korean_substring_matches_and_is_highlighted(client, corpus):
    doc = await results(client, "ko", "재생의학")
    assert doc.ids == [corpus["pact"]]
    marks = doc.xpath("//ol[@class='results']//h2//mark/text()")
    assert marks == ["재생의학"]
    assert doc.xpath("//html/@lang") == ["ko"]
    assert doc.xpath("//input[@name='q']/@value") == ["재생의학"]


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("협약", ["pact"]),  # two characters: below a trigram
        ("헌", ["blood"]),  # one character
        ("재생", ["blood", "mri", "pact"]),  # in every body, newest first
        ("재생 협약", ["pact"]),  # every word must match
        ("공명영상 장비", ["mri"]),
        ("없는낱말", []),
    ],
)
async def test_korean_queries(client, corpus, q, keys):
    doc = await results(client, "ko", q)
    expected = sorted((corpus[k] for k in keys), reverse=True)
    assert doc.ids == expected


async def test_english_is_case_insensitive_and_scoped_to_the_language(client, corpus):
    assert (await results(client, "en", "REGENERATIVE")).ids == [corpus["pact"]]
    assert (await results(client, "en", "mr")).ids == [corpus["mri"]]
    assert (await results(client, "en", "summary")).ids == sorted(corpus.values(), reverse=True)
    assert (await results(client, "ko", "Regenerative")).ids == []
    assert (await results(client, "en", "재생의학")).ids == []


@pytest.mark.parametrize(
    "q", ['"', '"unbalanced', "AND OR NOT", "pact*", "(", "NEAR(a b)", "%", "_", "\\", "a'b"]
)
async def test_query_syntax_is_never_an_error(client, corpus, q):
    doc = await results(client, "en", q)
    assert doc.ids == []


async def test_empty_query_shows_the_form(client, corpus):
    resp = await client.get("/en/search")
    assert resp.status == 200
    doc = lxml.html.fromstring(await resp.text())
    assert not doc.xpath("//ol[@class='results']")
    assert doc.xpath("//form[@role='search']/input[@name='q']")


async def test_search_follows_every_write(client, editor_token, corpus):
    article_id = corpus["pact"]
    resp = await client.put(
        f"/api/v1/articles/{article_id}/translations/ko",
        json=text("줄기세포 치료 협력", body="새 본문"),
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    assert (await results(client, "ko", "재생의학")).ids == []
    assert (await results(client, "ko", "줄기세포")).ids == [article_id]
    resp = await client.delete(
        f"/api/v1/articles/{article_id}/translations/en", headers=bearer(editor_token)
    )
    assert resp.status == 204
    assert (await results(client, "en", "Regenerative")).ids == []
    resp = await client.patch(
        f"/api/v1/articles/{article_id}", json={"status": "draft"}, headers=bearer(editor_token)
    )
    assert resp.status == 200
    assert (await results(client, "ko", "줄기세포")).ids == []
    resp = await client.delete(f"/api/v1/articles/{corpus['mri']}", headers=bearer(editor_token))
    assert resp.status == 204
    assert (await results(client, "ko", "자기공명")).ids == []


async def test_results_are_paginated(client, editor_token):
    made = [
        (
            await create(
                client,
                editor_token,
                published_at=f"2020-01-{day:02d}T00:00:00Z",
                translations={"en": text(f"Pagination number {day}")},
            )
        )["id"]
        for day in range(1, 23)
    ]
    doc = await results(client, "en", "pagination")
    assert doc.ids == made[::-1][:20]
    assert doc.xpath("//a[@rel='next']/@href") == ["/en/search?q=pagination&page=2"]
    assert not doc.xpath("//a[@rel='prev']")
    doc = await results(client, "en", "pagination", page=2)
    assert doc.ids == made[1::-1]
    assert doc.xpath("//a[@rel='prev']/@href") == [
        "/en/search?q=pagination"
    ]  # page 1 has one address
    assert not doc.xpath("//a[@rel='next']")
    resp = await client.get("/en/search?q=pagination&page=0")
    assert resp.status == 400 and resp.content_type == "text/html"


async def test_matched_markup_is_escaped(client, editor_token):
    title = "<b>재생의학</b> & <script>x</script>"
    article = await create(client, editor_token, translations={"ko": text(title)})
    doc = await results(client, "ko", "재생의학")
    assert doc.ids == [article["id"]]
    (heading,) = doc.xpath("//ol[@class='results']//h2/a")
    assert heading.text_content() == title
    assert heading.xpath(".//mark/text()") == ["재생의학"]
    assert not heading.xpath(".//b | .//script")


def test_highlight_and_terms():
    assert search.terms("  Foo  foo  bar ") == ["Foo", "bar"]
    assert str(search.highlight("a<b>ab", ["AB"])) == "a&lt;b&gt;<mark>ab</mark>"
    assert str(search.highlight("x & y", [])) == "x &amp; y"

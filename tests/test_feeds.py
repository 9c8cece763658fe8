"""Feeds over HTTP: RSS 2.0, Atom 1.0 and JSON Feed per language, caching and 304s."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiohttp.test_utils import TestClient
from conftest import BASE_URL, bearer, create, sample_article, sqlite_at_version
from lxml import etree

from newsfeed import model as articles
from newsfeed.feeds import authority
from newsfeed.store.sqlite.schema import migrate
from newsfeed.web.app import create_app
from newsfeed.web.keys import feed_cache_key

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
PLAIN = {"Accept-Encoding": "identity"}
TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json",
}


async def feed(client: TestClient, path: str, **headers: str) -> tuple[Any, bytes]:
    """GET without compression; the response and its body."""
    resp = await client.get(path, headers={**PLAIN, **headers})
    return resp, await resp.read()


async def ok(client: TestClient, path: str) -> bytes:
    resp, body = await feed(client, path)
    assert resp.status == 200, body
    return body


def parse(body: bytes) -> Any:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def atom_entries(body: bytes) -> list[Any]:
    return etree.fromstring(body).findall(f"{ATOM}entry")


async def put_text(client: TestClient, token: str, article_id: int, lang: str, **text: str):
    resp = await client.put(
        f"/api/v1/articles/{article_id}/translations/{lang}", json=text, headers=bearer(token)
    )
    assert resp.status in (200, 201), await resp.text()


async def test_three_formats_parse_with_their_fields(client, editor_token):
    both = await create(client, editor_token)
    ko_only = await create(
        client,
        editor_token,
        category="events",
        published_at="2021-01-02T09:00:00+09:00",
        translations={"ko": {"title": "행사", "summary": "", "body": "*강조*", "author": ""}},
    )
    for fmt, media_type in TYPES.items():
        resp, body = await feed(client, f"/ko/feed.{fmt}")
        assert resp.status == 200
        assert resp.headers["Content-Type"] == media_type
    rss = parse(await ok(client, "/ko/feed.rss"))
    assert rss.version == "rss20"
    assert rss.feed.language == "ko"
    assert rss.feed.link == f"{BASE_URL}/ko/"
    assert [e.title for e in rss.entries] == ["행사", "첨단재생의학 협약"]  # newest first
    first = rss.entries[1]
    assert first.id == f"tag:news.example,2026:article/{both['id']}/ko"
    assert first.guidislink is False
    assert first.link == f"{BASE_URL}/ko/articles/{both['id']}"
    assert first.author == "홍보팀"
    assert first.summary == "요약"
    assert first.content[0].value == "<p>본문</p>"
    assert [t.term for t in first.tags] == ["news"]
    assert first.published_parsed[:6] == (2020, 9, 15, 1, 0, 0)

    atom = parse(await ok(client, "/ko/feed.atom"))
    assert atom.version == "atom10"
    entry = atom.entries[1]
    assert entry.id == first.id
    assert entry.author == "홍보팀"
    assert entry.summary == "요약"
    assert entry.content[0].value == "<p>본문</p>"
    assert entry.content[0].type == "text/html"
    assert atom.entries[0].content[0].value == "<p><em>강조</em></p>"

    document = json.loads(await ok(client, "/ko/feed.json"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == f"{BASE_URL}/ko/feed.json"
    assert document["home_page_url"] == f"{BASE_URL}/ko/"
    assert document["language"] == "ko"
    items = document["items"]
    assert [i["id"] for i in items] == [
        f"tag:news.example,2026:article/{ko_only['id']}/ko",
        f"tag:news.example,2026:article/{both['id']}/ko",
    ]
    assert items[1]["url"] == f"{BASE_URL}/ko/articles/{both['id']}"
    assert items[1]["content_html"] == "<p>본문</p>\n"
    assert items[1]["summary"] == "요약"
    assert items[1]["authors"] == [{"name": "홍보팀"}]
    assert items[1]["tags"] == ["news"]
    assert "summary" not in items[0] and "authors" not in items[0]

    # en: only the article that has an English text
    en = parse(await ok(client, "/en/feed.rss"))
    assert [e.title for e in en.entries] == ["Regenerative medicine pact"]
    assert en.entries[0].id == f"tag:news.example,2026:article/{both['id']}/en"


async def test_atom_structure(client, editor_token):
    both = await create(client, editor_token)
    ko_only = await create(
        client, editor_token, translations={"ko": {"title": "한국어만", "body": "본문"}}
    )
    root = etree.fromstring(await ok(client, "/ko/feed.atom"))
    assert root.tag == f"{ATOM}feed"
    assert root.get(XML_LANG) == "ko"
    assert root.findtext(f"{ATOM}id") == "tag:news.example,2026:feed/ko"
    assert root.findtext(f"{ATOM}title") == "뉴스 & 이벤트"  # from the Korean catalog
    assert root.findtext(f"{ATOM}updated")
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [link.get("href") for link in self_links] == [f"{BASE_URL}/ko/feed.atom"]
    entries = atom_entries(etree.tostring(root))
    assert len(entries) == 2
    for entry in entries:
        for child in ("id", "title", "updated", "published", "author", "content"):
            assert entry.find(f"{ATOM}{child}") is not None, child
        assert entry.find(f"{ATOM}category").get("term") == "news"
    links = {
        entry.findtext(f"{ATOM}id"): [
            (link.get("rel"), link.get("type"), link.get("hreflang"), link.get("href"))
            for link in entry.findall(f"{ATOM}link")
        ]
        for entry in entries
    }
    # the alternate links keep rel, type and hreflang (feedgen 1.0.0 alone drops them)
    assert links[f"tag:news.example,2026:article/{both['id']}/ko"] == [
        ("alternate", "text/html", "ko", f"{BASE_URL}/ko/articles/{both['id']}"),
        ("alternate", "text/html", "en", f"{BASE_URL}/en/articles/{both['id']}"),
        ("alternate", "text/html", None, f"{BASE_URL}/ko/articles/{both['id']}"),
    ]
    assert links[f"tag:news.example,2026:article/{ko_only['id']}/ko"] == [
        ("alternate", "text/html", "ko", f"{BASE_URL}/ko/articles/{ko_only['id']}"),
    ]
    # a category feed says so in its id and self link
    root = etree.fromstring(await ok(client, "/en/feed.atom?category=news"))
    assert root.findtext(f"{ATOM}id") == "tag:news.example,2026:feed/en/news"
    assert root.get(XML_LANG) == "en"
    assert root.findtext(f"{ATOM}title") == "News & Events · news"
    assert f"{BASE_URL}/en/feed.atom?category=news" in {
        link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"
    }


async def test_atom_entry_link_is_the_feeds_language_whichever_alternate_a_reader_takes(
    client, editor_token
):
    both = await create(client, editor_token)
    for lang in ("ko", "en"):
        own = f"{BASE_URL}/{lang}/articles/{both['id']}"
        parsed = feedparser.parse(await ok(client, f"/{lang}/feed.atom"))
        entry = parsed.entries[0]
        assert entry.link == own  # feedparser takes the last alternate
        alternates = [link for link in entry.links if link.rel == "alternate"]
        assert alternates[0].href == own  # most readers take the first
        other = "en" if lang == "ko" else "ko"
        assert {(link.get("hreflang"), link.href) for link in alternates} >= {
            (other, f"{BASE_URL}/{other}/articles/{both['id']}")
        }


async def test_rss_structure(client, editor_token):
    article = await create(client, editor_token)
    channel = etree.fromstring(await ok(client, "/en/feed.rss")).find("channel")
    assert channel.findtext("language") == "en"
    assert channel.findtext("title") == "News & Events"
    assert channel.findtext("link") == f"{BASE_URL}/en/"
    self_link = channel.find(f"{ATOM}link")
    assert (self_link.get("rel"), self_link.get("href")) == ("self", f"{BASE_URL}/en/feed.rss")
    assert channel.findtext("lastBuildDate")
    (item,) = channel.findall("item")
    guid = item.find("guid")
    assert guid.text == f"tag:news.example,2026:article/{article['id']}/en"
    assert guid.get("isPermaLink") == "false"
    assert item.findtext("link") == f"{BASE_URL}/en/articles/{article['id']}"
    assert item.findtext("pubDate") == "Tue, 15 Sep 2020 10:00:00 +0900"
    assert item.findtext(f"{DC}creator") == "Communications"
    assert item.findtext("category") == "news"
    assert item.findtext("description") == "Summary"
    assert item.findtext(f"{CONTENT}encoded") == "<p>Body</p>\n"


async def test_ids_stay_when_the_text_is_edited(client, editor_token):
    article = await create(client, editor_token)
    before = {fmt: await ok(client, f"/ko/feed.{fmt}") for fmt in TYPES}
    await put_text(client, editor_token, article["id"], "ko", title="고친 제목", body="새 본문")
    after = {fmt: await ok(client, f"/ko/feed.{fmt}") for fmt in TYPES}
    assert before["atom"] != after["atom"]
    guid = f"tag:news.example,2026:article/{article['id']}/ko"
    for fmt in ("rss", "atom"):
        (entry,) = parse(after[fmt]).entries
        assert entry.id == guid
        assert entry.title == "고친 제목"
    assert json.loads(after["json"])["items"][0]["id"] == guid


ADVERSARIAL = [
    {"title": "축하합니다 🎉👩‍👩‍👧 🇰🇷", "summary": "emoji 😀", "body": "# 🎉\n\n😀"},
    {"title": "end ]]> of CDATA", "summary": "]]>", "body": "a ]]> b\n\n<![CDATA[ x ]]>"},
    {
        "title": "<script>alert('t')</script>",
        "summary": "<script>alert('s')</script>",
        "body": "<script>alert('b')</script>\n\n"
        '<a href="javascript:alert(1)" onclick="x()">x</a>',
    },
    {"title": "Q&A &amp; more &lt; &#x26;", "summary": "& &amp;", "body": "AT&T &amp; &copy;"},
    {
        "title": "\u202eRTL override\u202c \u200fمرحبا\u200e text",
        "summary": "\u200f\u200e",
        "body": "\u202bעברית\u202c",
    },
    {"title": "가" * 299 + "!", "summary": "", "body": ""},
    {"title": "empty summary", "summary": "", "body": "only a body"},
    {"title": "big body", "summary": "s", "body": ("word " * 40_000)[:200_000]},
    {
        "title": "한림대 Hallym 바이오 MOU 체결 signed",
        "summary": "한국어 and English 혼합",
        "body": "**한국어** text _mixed_ 본문",
        "author": "홍보팀 <pr@example.com> & Co",
    },
]


async def test_any_storable_text_gives_valid_feeds(client, editor_token):
    created = []
    for n, text in enumerate(ADVERSARIAL):
        when = f"2020-01-{n + 1:02d}T00:00:00+00:00"
        body = sample_article(published_at=when, translations={"ko": text, "en": text})
        resp = await client.post("/api/v1/articles", json=body, headers=bearer(editor_token))
        assert resp.status == 201, await resp.text()
        created.append(await resp.json())
    stored = {a["id"]: a["translations"]["ko"] for a in created}
    for lang in ("ko", "en"):
        rss_body = await ok(client, f"/{lang}/feed.rss")
        atom_body = await ok(client, f"/{lang}/feed.atom")
        json_body = await ok(client, f"/{lang}/feed.json")
        for body in (rss_body, atom_body):
            assert len(parse(body).entries) == len(ADVERSARIAL)
        # the exact stored title comes back out of every format
        entries = atom_entries(atom_body)
        by_id = {int(e.findtext(f"{ATOM}id").split("/")[-2]): e for e in entries}
        for article_id, text in stored.items():
            entry = by_id[article_id]
            assert entry.findtext(f"{ATOM}title") == text["title"]
            assert (entry.findtext(f"{ATOM}summary") or "") == text["summary"]
            content = entry.findtext(f"{ATOM}content") or ""
            assert "<script" not in content and "javascript:" not in content
            assert "onclick" not in content
        items = etree.fromstring(rss_body).find("channel").findall("item")
        rss_titles = {int(i.findtext("guid").split("/")[-2]): i.findtext("title") for i in items}
        assert rss_titles == {i: t["title"] for i, t in stored.items()}
        document = json.loads(json_body)
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        json_titles = {int(i["id"].split("/")[-2]): i["title"] for i in document["items"]}
        assert json_titles == {i: t["title"] for i, t in stored.items()}
        for item in document["items"]:
            assert item["url"].startswith(f"{BASE_URL}/{lang}/articles/")
            assert "<script" not in item["content_html"]


async def test_drafts_deleted_and_future_articles_never_show(client, editor_token):
    shown = await create(client, editor_token)
    await create(client, editor_token, status="draft")
    gone = await create(client, editor_token)
    resp = await client.delete(f"/api/v1/articles/{gone['id']}", headers=bearer(editor_token))
    assert resp.status == 204
    await create(client, editor_token, published_at="2999-01-01T00:00:00+00:00")
    for fmt in ("rss", "atom"):
        ids = [e.id for e in parse(await ok(client, f"/ko/feed.{fmt}")).entries]
        assert ids == [f"tag:news.example,2026:article/{shown['id']}/ko"]
    items = json.loads(await ok(client, "/ko/feed.json"))["items"]
    assert [i["id"] for i in items] == [f"tag:news.example,2026:article/{shown['id']}/ko"]


async def test_scheduled_article_appears_when_due_without_a_write(client, editor_token):
    cache = client.app[feed_cache_key]
    now = articles.utcnow()
    due = now + timedelta(hours=1)
    await create(client, editor_token, published_at=due.isoformat())
    resp, before = await feed(client, "/ko/feed.atom")
    before_etag = resp.headers["ETag"]
    assert atom_entries(before) == []
    cache.clock = lambda: due - timedelta(seconds=1)
    assert atom_entries(await ok(client, "/ko/feed.atom")) == []
    cache.clock = lambda: due
    resp, after = await feed(client, "/ko/feed.atom")
    assert len(atom_entries(after)) == 1
    assert resp.headers["ETag"] != before_etag
    due_http = due.replace(microsecond=0).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert resp.headers["Last-Modified"] == due_http


async def test_conditional_get(client, editor_token):
    article = await create(client, editor_token)
    for fmt in TYPES:
        resp, body = await feed(client, f"/ko/feed.{fmt}")
        etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert resp.headers["Cache-Control"] == "public, max-age=60"
        again, body2 = await feed(client, f"/ko/feed.{fmt}")
        assert again.headers["ETag"] == etag and body2 == body
        for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'}):
            resp, empty = await feed(client, f"/ko/feed.{fmt}", **headers)
            assert (resp.status, empty) == (304, b"")
            assert resp.headers["ETag"] == etag
        resp, empty = await feed(client, f"/ko/feed.{fmt}", **{"If-Modified-Since": modified})
        assert (resp.status, empty) == (304, b"")
        # If-None-Match wins over a matching If-Modified-Since
        resp, body3 = await feed(
            client, f"/ko/feed.{fmt}", **{"If-None-Match": '"other"', "If-Modified-Since": modified}
        )
        assert resp.status == 200 and body3 == body
        resp, _ = await feed(
            client, f"/ko/feed.{fmt}", **{"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"}
        )
        assert resp.status == 200
    # Last-Modified is the later of the last change and the newest published_at
    resp, _ = await feed(client, "/ko/feed.atom")
    old_etag = resp.headers["ETag"]
    await put_text(client, editor_token, article["id"], "ko", title="수정", body="새 본문")
    resp, _ = await feed(client, "/ko/feed.atom", **{"If-None-Match": old_etag})
    assert resp.status == 200
    assert resp.headers["ETag"] != old_etag
    stored = await (await client.get(f"/api/v1/articles/{article['id']}")).json()
    changed = articles.datetime.fromisoformat(stored["translations"]["ko"]["updated_at"])
    assert resp.headers["Last-Modified"] == changed.strftime("%a, %d %b %Y %H:%M:%S GMT")


async def etags(client: TestClient, *paths: str) -> dict[str, str]:
    return {path: (await feed(client, path))[0].headers["ETag"] for path in paths}


async def test_a_write_changes_exactly_the_feeds_it_touches(client, editor_token):
    article = await create(client, editor_token)
    paths = ("/ko/feed.atom", "/en/feed.atom", "/ko/feed.rss?category=news")
    paths += ("/ko/feed.json?category=events",)
    start = await etags(client, *paths)
    cache = client.app[feed_cache_key]
    kept = [("atom", "ko", None), ("rss", "ko", "news"), ("json", "ko", "events")]
    assert all(key in cache for key in [*kept, ("atom", "en", None)])
    # another language's text: the Korean feeds stay built and keep their ETag
    await put_text(client, editor_token, article["id"], "en", title="Edited", body="New")
    assert all(key in cache for key in kept)
    assert ("atom", "en", None) not in cache
    step = await etags(client, *paths)
    assert step["/en/feed.atom"] != start["/en/feed.atom"]
    for path in ("/ko/feed.atom", "/ko/feed.rss?category=news", "/ko/feed.json?category=events"):
        assert step[path] == start[path], path
    # another category: the news feed keeps its ETag, the all-categories feed changes
    await create(client, editor_token, category="events", published_at="2021-01-01T00:00:00Z")
    assert ("rss", "ko", "news") in cache
    assert ("atom", "ko", None) not in cache and ("json", "ko", "events") not in cache
    last = await etags(client, *paths)
    assert last["/ko/feed.rss?category=news"] == step["/ko/feed.rss?category=news"]
    assert last["/ko/feed.atom"] != step["/ko/feed.atom"]
    assert last["/ko/feed.json?category=events"] != step["/ko/feed.json?category=events"]
    # moving an article between categories changes both category feeds
    resp = await client.patch(
        f"/api/v1/articles/{article['id']}",
        json={"category": "events"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    moved = await etags(client, *paths)
    assert moved["/ko/feed.rss?category=news"] != last["/ko/feed.rss?category=news"]
    assert moved["/ko/feed.json?category=events"] != last["/ko/feed.json?category=events"]


async def test_a_write_in_another_process_reaches_this_cache(
    aiohttp_client, settings, editor_token
):
    reader = await aiohttp_client(create_app(settings))
    writer = await aiohttp_client(create_app(settings))
    await create(writer, editor_token)
    first = (await feed(reader, "/ko/feed.atom"))[0].headers["ETag"]
    article = await create(writer, editor_token, published_at="2021-01-01T00:00:00Z")
    for _ in range(50):  # the reader polls the change log every 0.5 s
        resp, body = await feed(reader, "/ko/feed.atom")
        if resp.headers["ETag"] != first:
            break
        await asyncio.sleep(0.1)
    assert resp.headers["ETag"] != first
    assert atom_entries(body)[0].findtext(f"{ATOM}id").endswith(f"/{article['id']}/ko")


async def test_gzip_round_trips(client, editor_token):
    await create(
        client, editor_token, translations={"ko": {"title": "압축", "body": "본문 " * 500}}
    )
    plain, plain_body = await feed(client, "/ko/feed.rss")
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"
    resp = await client.get(
        "/ko/feed.rss", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    packed = await resp.read()
    assert resp.status == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert resp.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed) == plain_body
    assert len(packed) < len(plain_body)
    assert resp.headers["ETag"] != plain.headers["ETag"]
    packed_etag = resp.headers["ETag"]
    resp = await client.get(
        "/ko/feed.rss",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed_etag},
        auto_decompress=False,
    )
    assert resp.status == 304 and await resp.read() == b""
    assert resp.headers["ETag"] == packed_etag
    resp = await client.get(
        "/ko/feed.rss", headers={"Accept-Encoding": "gzip;q=0"}, auto_decompress=False
    )
    assert "Content-Encoding" not in resp.headers and await resp.read() == plain_body


@pytest.mark.parametrize("fmt", sorted(TYPES))
async def test_bad_requests(client, fmt):
    resp, _ = await feed(client, f"/fr/feed.{fmt}")
    assert resp.status == 404
    resp, _ = await feed(client, f"/ko/feed.{fmt}?category=Bad_Category")
    assert resp.status == 400
    resp, body = await feed(client, f"/ko/feed.{fmt}?category=nothing-here")
    assert resp.status == 200 and body


async def test_feeds_add_no_hits(client, editor_token):
    article = await create(client, editor_token)
    for fmt in TYPES:
        await ok(client, f"/ko/feed.{fmt}")
        head = await client.head(f"/ko/feed.{fmt}")
        assert head.status == 200 and head.headers["ETag"]
    resp = await client.get(f"/api/v1/articles/{article['id']}")
    assert (await resp.json())["hits"] == 0


async def test_scheduled_article_appears_on_the_real_clock(client, editor_token):
    due = articles.utcnow() + timedelta(seconds=1.5)
    scheduled = await create(client, editor_token, published_at=due.isoformat())
    assert json.loads(await ok(client, "/en/feed.json"))["items"] == []
    for _ in range(60):  # no write happens: the cached feed must expire by itself
        items = json.loads(await ok(client, "/en/feed.json"))["items"]
        if items:
            break
        await asyncio.sleep(0.1)
    assert [i["id"] for i in items] == [f"tag:news.example,2026:article/{scheduled['id']}/en"]
    assert articles.utcnow() >= due


async def test_a_feed_holds_the_newest_20_and_category_narrows_it(client, editor_token):
    made = [
        (await create(client, editor_token, published_at=f"2020-01-{day:02d}T00:00:00Z"))["id"]
        for day in range(1, 22)
    ]
    event = await create(
        client, editor_token, category="events", published_at="2019-01-01T00:00:00Z"
    )
    newest = [f"tag:news.example,2026:article/{n}/en" for n in made[::-1][:20]]
    for fmt in ("rss", "atom"):
        assert [e.id for e in parse(await ok(client, f"/en/feed.{fmt}")).entries] == newest
    items = json.loads(await ok(client, "/en/feed.json"))["items"]
    assert [i["id"] for i in items] == newest
    # the oldest article, too old for the full feed, is its category's feed alone
    only_event = [f"tag:news.example,2026:article/{event['id']}/en"]
    for fmt in ("rss", "atom"):
        entries = parse(await ok(client, f"/en/feed.{fmt}?category=events")).entries
        assert [e.id for e in entries] == only_event
    items = json.loads(await ok(client, "/en/feed.json?category=events"))["items"]
    assert [i["id"] for i in items] == only_event


# --- ids that outlive the base URL ----------------------------------------------------


async def _feed_ids(client: TestClient) -> dict[str, list[str]]:
    """Every id in the Korean feeds (feed ids first) and the Atom entries' links."""
    atom = etree.fromstring(await ok(client, "/ko/feed.atom"))
    rss = etree.fromstring(await ok(client, "/ko/feed.rss"))
    document = json.loads(await ok(client, "/ko/feed.json"))
    return {
        "atom": [
            atom.findtext(f"{ATOM}id"),
            *(e.findtext(f"{ATOM}id") for e in atom.iter(f"{ATOM}entry")),
        ],
        "rss": [g.text for g in rss.iter("guid")],
        "json": [item["id"] for item in document["items"]],
        "links": atom.xpath("//a:entry/a:link/@href", namespaces={"a": ATOM[1:-1]}),
    }


async def test_feed_ids_survive_a_new_base_url(aiohttp_client, settings, editor_token):
    """The tag authority is fixed in the database when it is made: a move to another
    address changes every link, and no id."""
    first = await aiohttp_client(create_app(settings))
    made = [await create(first, editor_token, slug=f"a{n}") for n in range(2)]
    before = await _feed_ids(first)
    assert before["json"] == [f"tag:news.example,2026:article/{a['id']}/ko" for a in made[::-1]]
    await first.close()

    moved = replace(settings, base_url="https://www.example.org")
    second = await aiohttp_client(create_app(moved))
    after = await _feed_ids(second)
    for kind in ("atom", "rss", "json"):
        assert after[kind] == before[kind], kind
    assert all(link.startswith("https://www.example.org/") for link in after["links"])
    await create(second, editor_token, slug="after-the-move")  # new articles too
    newest = (await _feed_ids(second))["json"][0]
    assert newest.startswith("tag:news.example,2026:article/")


@pytest.mark.sqlite_only
async def test_an_upgraded_database_keeps_the_authority_its_feeds_used(
    aiohttp_client, tmp_path, settings
):
    """A database from before site_meta: its first start after the upgrade fixes the
    authority from the base URL it has been using; later ones keep it."""
    path = tmp_path / "old" / "newsfeed.db"
    sqlite_at_version(path, 5)  # as it was before migration 6
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO articles (id, category, status, published_at, published_us, "
            "created_at, updated_at, original_lang) VALUES (1, 'news', 'published', "
            "'2020-09-15T10:00:00+09:00', 1600131600000000, '2020-09-15T01:00:00+00:00', "
            "'2020-09-15T01:00:00+00:00', 'ko')"
        )
        conn.execute(
            "INSERT INTO translations (article_id, lang, title, updated_at) "
            "VALUES (1, 'ko', '제목', '2020-09-15T01:00:00+00:00')"
        )
    conn.close()
    old = replace(settings, db=str(path), base_url="http://old.example:8080")
    migrate(old.db_path)
    client = await aiohttp_client(create_app(old))
    ids = (await _feed_ids(client))["json"]
    assert ids == ["tag:old.example,2026:article/1/ko"]
    await client.close()
    client = await aiohttp_client(create_app(replace(old, base_url="https://new.example")))
    assert (await _feed_ids(client))["json"] == ids


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://News.Example:8080/x", "news.example"),
        ("http://127.0.0.1:8080", "127.0.0.1"),
        ("http://localhost:8080", "localhost"),
    ],
)
def test_tag_authority_is_the_base_url_host(base_url, expected):
    assert authority.authority_for(base_url) == expected


def test_tag_authority_of_an_address_no_tag_can_carry_is_a_name_of_its_own():
    made = {authority.authority_for("http://[::1]:8080") for _ in range(3)}
    assert len(made) == 3
    assert all(re.fullmatch(r"newsfeed-[0-9a-f]{12}\.invalid", name) for name in made)


# --- invalidation that has to bite ------------------------------------------------------


async def test_a_new_translation_refreshes_the_other_languages_feeds(client, editor_token):
    """Adding English to a Korean article changes the Korean entries too: they gain an
    alternate link to the English page (hreflang="en")."""
    article = await create(client, editor_token, translations={"ko": {"title": "한국어만"}})
    page = f"{BASE_URL}/en/articles/{article['id']}"

    def alternates(body: bytes) -> set[tuple[str | None, str]]:
        (entry,) = parse(body).entries
        return {(link.get("hreflang"), link.href) for link in entry.links}

    before_resp, before = await feed(client, "/ko/feed.atom")
    assert ("en", page) not in alternates(before)
    await put_text(client, editor_token, article["id"], "en", title="English at last")
    after_resp, after = await feed(client, "/ko/feed.atom")
    assert ("en", page) in alternates(after)
    assert after_resp.headers["ETag"] != before_resp.headers["ETag"]
    # removing it again takes the link away again
    resp = await client.delete(
        f"/api/v1/articles/{article['id']}/translations/en", headers=bearer(editor_token)
    )
    assert resp.status == 204
    assert ("en", page) not in alternates((await feed(client, "/ko/feed.atom"))[1])


def _age(path: Path, moment: str) -> None:
    """Date every write and text so far at `moment`, as if made long ago."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE changes SET changed_at = ?", (moment,))
        conn.execute("UPDATE translations SET updated_at = ?", (moment,))
        conn.execute("UPDATE articles SET updated_at = ?, created_at = ?", (moment, moment))
    conn.close()


@pytest.mark.sqlite_only  # dates the rows in the file itself
async def test_a_category_feed_keeps_etag_and_last_modified_when_another_is_written(
    aiohttp_client, settings, editor_token
):
    """Also when the feed is built again (another worker, a restart): its validators
    depend only on what it shows, not on writes to other categories."""
    first = await aiohttp_client(create_app(settings))
    await create(first, editor_token, category="news")  # published 2020-09-15
    _age(settings.db_path, "2020-09-15T02:00:00+00:00")
    paths = [f"/ko/feed.{fmt}?category=news" for fmt in ("atom", "rss", "json")]

    async def validators(client: TestClient) -> dict[str, tuple[str, str]]:
        found = {}
        for path in [*paths, "/ko/feed.atom"]:
            resp, _ = await feed(client, path)
            found[path] = (resp.headers["ETag"], resp.headers["Last-Modified"])
        return found

    before = await validators(first)
    assert before[paths[0]][1] == "Tue, 15 Sep 2020 02:00:00 GMT"
    await create(first, editor_token, category="events")  # now, in another category
    after = await validators(first)
    rebuilt = await validators(await aiohttp_client(create_app(settings)))
    for path in paths:
        assert after[path] == before[path], path
        assert rebuilt[path] == before[path], path
    # the feed of every category does show the new article: both validators move
    assert rebuilt["/ko/feed.atom"][0] != before["/ko/feed.atom"][0]
    assert rebuilt["/ko/feed.atom"][1] != before["/ko/feed.atom"][1]

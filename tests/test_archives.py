"""Month archives (RFC 5005 §4) over HTTP: every public article reachable exactly once by
following prev-archive from the feed, months in Asia/Seoul, caching and invalidation."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from aiohttp.test_utils import TestClient
from conftest import BASE_URL, assert_problem_body, bearer, create
from lxml import etree

from newsfeed.web.app import create_app
from newsfeed.web.keys import feed_cache_key

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
PLAIN = {"Accept-Encoding": "identity"}
# 2024-04-01 00:40 in Seoul: April there, still March in UTC
JUST_INTO_APRIL = datetime(2024, 3, 31, 15, 40, tzinfo=UTC)
MID_APRIL = datetime(2024, 4, 15, 3, 0, tzinfo=UTC)


def at(client: TestClient, moment: datetime) -> None:
    """Serve the feeds as of `moment` (what the store calls now, too)."""
    client.app[feed_cache_key].clock = lambda: moment


async def article(client: TestClient, token: str, when: str, **overrides: Any) -> int:
    text = {"title": f"at {when}", "body": "본문"}
    translations = overrides.pop("translations", {"ko": text, "en": text})
    made = await create(client, token, published_at=when, translations=translations, **overrides)
    return int(made["id"])


def links(root: Any) -> dict[str, str]:
    """The feed-level links of an Atom document or an RSS channel, by rel."""
    found = root.findall(f"{ATOM}link")
    if root.tag == "rss":
        found = root.find("channel").findall(f"{ATOM}link")
    return {link.get("rel"): link.get("href") for link in found if link.get("rel")}


def entry_ids(root: Any) -> list[int]:
    return [int(e.findtext(f"{ATOM}id").split("/")[-2]) for e in root.findall(f"{ATOM}entry")]


async def fetch(client: TestClient, url: str, status: int = 200, **headers: str) -> Any:
    resp = await client.get(url.removeprefix(BASE_URL), headers={**PLAIN, **headers})
    body = await resp.read()
    assert resp.status == status, body
    return resp, body


async def walk(client: TestClient, lang: str) -> tuple[list[int], list[tuple[str, list[int]]]]:
    """The feed's entries, then each archive's, following prev-archive to the end."""
    _, body = await fetch(client, f"/{lang}/feed.atom")
    root = etree.fromstring(body)
    feed_ids, archives, seen = entry_ids(root), [], set()
    url, newer = links(root).get("prev-archive"), None
    while url is not None:
        assert url not in seen, f"{url} twice: the chain loops"
        seen.add(url)
        resp, body = await fetch(client, url)
        assert resp.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert not feedparser.parse(body).bozo
        root = etree.fromstring(body)
        assert root.find(f"{FH}archive") is not None
        rels = links(root)
        assert rels["self"] == url
        assert rels["current"] == f"{BASE_URL}/{lang}/feed.atom"
        assert rels["hub"] == f"{BASE_URL}/websub"
        if newer is not None:
            assert rels.get("next-archive") == newer  # the chain holds both ways
        archives.append((url, entry_ids(root)))
        url, newer = rels.get("prev-archive"), url
    return feed_ids, archives


def assert_exactly_once(feed_ids, archives, public: set[int]) -> None:
    archived = [i for _, ids in archives for i in ids]
    assert len(archived) == len(set(archived)), "an article is in two archives"
    assert set(archived) | set(feed_ids) == public, "a gap: some article is nowhere"
    assert not (set(archived) | set(feed_ids)) - public, "a draft or scheduled one shows"


async def test_following_prev_archive_reaches_every_article_once_across_seoul_months(
    client, editor_token
):
    at(client, JUST_INTO_APRIL)
    march = [
        await article(client, editor_token, f"2024-03-{day:02d}T12:00:00+09:00")
        for day in range(2, 27)
    ]  # 25: more than a feed holds
    # the same evening in Seoul, one side of midnight or the other
    march_last = await article(client, editor_token, "2024-03-31T23:30:00+09:00")
    april_first = await article(client, editor_token, "2024-03-31T15:30:00Z")
    january = await article(client, editor_token, "2024-01-05T09:00:00+09:00")
    november = await article(client, editor_token, "2023-11-20T09:00:00+09:00")
    # never shown: a draft, an article scheduled for later, a Korean-only one in /en/
    await article(client, editor_token, "2024-03-15T09:00:00+09:00", status="draft")
    await article(client, editor_token, "2024-04-01T09:00:00+09:00")  # due at 00:00 UTC
    ko_only = await article(
        client,
        editor_token,
        "2024-03-10T09:00:00+09:00",
        translations={"ko": {"title": "한국어만", "body": "본문"}},
    )
    public = {*march, march_last, april_first, january, november}

    feed_ids, archives = await walk(client, "en")
    assert_exactly_once(feed_ids, archives, public)
    assert [url.rsplit("/", 1)[1] for url, _ in archives] == [
        "2024-03.atom",
        "2024-01.atom",
        "2023-11.atom",
    ]
    assert feed_ids[0] == april_first  # April in Seoul: the current month, in the feed
    assert len(feed_ids) == 20  # the newest 20: April's one is fewer
    assert set(archives[0][1]) == {*march, march_last}  # 23:30 KST is March
    ko_feed, ko_archives = await walk(client, "ko")
    assert_exactly_once(ko_feed, ko_archives, public | {ko_only})
    # newest first inside an archive
    _, body = await fetch(client, "/en/archive/2024-03.atom")
    assert entry_ids(etree.fromstring(body)) == [march_last, *march[::-1]]

    # the RSS feed names the same newest archive and the hub
    _, body = await fetch(client, "/en/feed.rss")
    rels = links(etree.fromstring(body))
    assert rels["prev-archive"] == f"{BASE_URL}/en/archive/2024-03.atom"
    assert rels["hub"] == f"{BASE_URL}/websub"
    assert rels["self"] == f"{BASE_URL}/en/feed.rss"


async def test_the_feed_holds_all_of_a_busy_current_month(client, editor_token):
    at(client, MID_APRIL)
    old = await article(client, editor_token, "2024-02-01T09:00:00+09:00")
    april = [
        await article(client, editor_token, f"2024-04-{day:02d}T09:00:00+09:00")
        for day in range(1, 15)
        for _ in range(2)
    ]  # 28 this month
    feed_ids, archives = await walk(client, "en")
    assert sorted(feed_ids) == sorted(april)
    assert archives == [(f"{BASE_URL}/en/archive/2024-02.atom", [old])]
    # a category feed keeps 20 and links no archive
    _, body = await fetch(client, "/en/feed.atom?category=news")
    root = etree.fromstring(body)
    assert len(entry_ids(root)) == 20 and "prev-archive" not in links(root)
    # the month in progress is an archive too, linked from the closed one before it
    _, body = await fetch(client, "/en/archive/2024-04.atom")
    assert sorted(entry_ids(etree.fromstring(body))) == sorted(april)
    assert links(etree.fromstring(body)).get("next-archive") is None
    _, body = await fetch(client, "/en/archive/2024-02.atom")
    assert links(etree.fromstring(body))["next-archive"] == f"{BASE_URL}/en/archive/2024-04.atom"


@pytest.mark.parametrize(
    "month", ["2024-12", "2023-12", "2024-13", "2024-00", "2024-4", "24-04", "2024-04x", "abcd-ef"]
)
async def test_months_without_articles_malformed_or_to_come_are_404(client, editor_token, month):
    at(client, MID_APRIL)
    await article(client, editor_token, "2023-11-20T09:00:00+09:00")
    await article(client, editor_token, "2024-01-20T09:00:00+09:00")
    resp = await client.get(f"/en/archive/{month}.atom")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"
    assert_problem_body(await resp.json(), 404)
    assert (await client.get("/fr/archive/2024-01.atom")).status == 404
    assert (await client.get("/en/archive/2024-01.atom")).status == 200


async def test_validators_304_gzip_and_cache_lifetimes(client, editor_token):
    at(client, MID_APRIL)
    await article(client, editor_token, "2024-01-20T09:00:00+09:00")
    await article(client, editor_token, "2024-04-02T09:00:00+09:00")
    for month, lifetime in (("2024-01", "86400"), ("2024-04", "60")):
        path = f"/en/archive/{month}.atom"
        resp, body = await fetch(client, path)
        assert resp.headers["Cache-Control"] == f"public, max-age={lifetime}"
        assert f'<{BASE_URL}/websub>; rel="hub"' in resp.headers["Link"]
        assert f'<{BASE_URL}{path}>; rel="self"' in resp.headers["Link"]
        etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
        for validator in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
            again, empty = await fetch(client, path, 304, **validator)
            assert empty == b"" and again.headers["ETag"] == etag
        packed = await client.get(path, headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(await packed.read()) == body
        assert packed.headers["ETag"] != etag


async def test_a_redated_article_moves_and_only_the_months_it_touches_change(client, editor_token):
    at(client, MID_APRIL)
    nov = await article(client, editor_token, "2023-11-20T09:00:00+09:00")
    jan = await article(client, editor_token, "2024-01-20T09:00:00+09:00")
    feb = await article(client, editor_token, "2024-02-20T09:00:00+09:00")
    mar = await article(client, editor_token, "2024-03-20T09:00:00+09:00")
    mar2 = await article(client, editor_token, "2024-03-21T09:00:00+09:00")
    months = ("2023-11", "2024-01", "2024-02", "2024-03")

    async def etags() -> dict[str, str]:
        found = {}
        for month in months:
            resp = await client.get(f"/en/archive/{month}.atom", headers=PLAIN)
            found[month] = resp.headers.get("ETag") if resp.status == 200 else None
        return found

    before = await etags()
    # March 21 -> January: both months change, February and November do not
    resp = await client.patch(
        f"/api/v1/articles/{mar2}",
        json={"published_at": "2024-01-25T09:00:00+09:00"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    after = await etags()
    assert after["2024-03"] != before["2024-03"] and after["2024-01"] != before["2024-01"]
    assert after["2024-02"] == before["2024-02"] and after["2023-11"] == before["2023-11"]
    _, body = await fetch(client, "/en/archive/2024-01.atom")
    assert entry_ids(etree.fromstring(body)) == [mar2, jan]
    _, body = await fetch(client, "/en/archive/2024-03.atom")
    assert entry_ids(etree.fromstring(body)) == [mar]
    # November's only article leaves: November is gone, January's prev-archive skips it
    resp = await client.patch(
        f"/api/v1/articles/{nov}",
        json={"published_at": "2024-02-01T09:00:00+09:00"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    await fetch(client, "/en/archive/2023-11.atom", 404)
    _, body = await fetch(client, "/en/archive/2024-01.atom")
    assert "prev-archive" not in links(etree.fromstring(body))
    # a draft in an empty month: no archive, and no archive's bytes change
    now = await etags()
    await article(client, editor_token, "2023-12-01T09:00:00+09:00", status="draft")
    assert await etags() == now
    await fetch(client, "/en/archive/2023-12.atom", 404)
    # an edit in February leaves its neighbours' bytes alone
    resp = await client.put(
        f"/api/v1/articles/{feb}/translations/en",
        json={"title": "February, edited", "body": "b"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    edited = await etags()
    assert edited["2024-02"] != now["2024-02"]
    assert (edited["2024-01"], edited["2024-03"]) == (now["2024-01"], now["2024-03"])
    # publishing into an empty month makes it an archive and relinks its neighbours
    await article(client, editor_token, "2023-12-02T09:00:00+09:00")
    _, body = await fetch(client, "/en/archive/2024-01.atom")
    assert links(etree.fromstring(body))["prev-archive"] == f"{BASE_URL}/en/archive/2023-12.atom"
    assert_exactly_once(
        *await walk(client, "en"),
        {jan, feb, mar, mar2, nov}
        | {
            i
            for i in entry_ids(
                etree.fromstring((await fetch(client, "/en/archive/2023-12.atom"))[1])
            )
        },
    )


async def test_the_month_ending_closes_it_without_a_write(client, editor_token):
    march = datetime(2024, 3, 31, 14, 59, tzinfo=UTC)  # 23:59 in Seoul
    at(client, march)
    first = await article(client, editor_token, "2024-03-05T09:00:00+09:00")
    resp, body = await fetch(client, "/en/feed.atom")
    assert "prev-archive" not in links(etree.fromstring(body))
    resp, _ = await fetch(client, "/en/archive/2024-03.atom")
    assert resp.headers["Cache-Control"] == "public, max-age=60"
    at(client, JUST_INTO_APRIL)
    _, body = await fetch(client, "/en/feed.atom")
    assert links(etree.fromstring(body))["prev-archive"] == f"{BASE_URL}/en/archive/2024-03.atom"
    assert entry_ids(etree.fromstring(body)) == [first]  # still the newest 20
    resp, _ = await fetch(client, "/en/archive/2024-03.atom")
    assert resp.headers["Cache-Control"] == "public, max-age=86400"


async def test_a_scheduled_article_joins_its_month_when_due(client, editor_token):
    at(client, MID_APRIL)
    await article(client, editor_token, "2024-04-02T09:00:00+09:00")
    later = await article(client, editor_token, "2024-04-20T09:00:00+09:00")
    _, body = await fetch(client, "/en/archive/2024-04.atom")
    assert later not in entry_ids(etree.fromstring(body))
    at(client, datetime(2024, 4, 20, 0, 0, tzinfo=UTC))
    _, body = await fetch(client, "/en/archive/2024-04.atom")
    assert entry_ids(etree.fromstring(body))[0] == later


async def test_a_write_in_another_process_reaches_its_archives(
    aiohttp_client, settings, editor_token
):
    reader = await aiohttp_client(create_app(settings))
    writer = await aiohttp_client(create_app(settings))
    at(reader, MID_APRIL)
    made = await article(writer, editor_token, "2024-01-20T09:00:00+09:00")
    resp, _ = await fetch(reader, "/en/archive/2024-01.atom")
    first = resp.headers["ETag"]
    await writer.put(
        f"/api/v1/articles/{made}/translations/en",
        json={"title": "Edited", "body": "New"},
        headers=bearer(editor_token),
    )
    for _ in range(50):  # the reader follows the change log every 0.5 s
        resp, body = await fetch(reader, "/en/archive/2024-01.atom")
        if resp.headers["ETag"] != first:
            break
        await asyncio.sleep(0.1)
    assert b"Edited" in body

"""The sitemap (sitemaps.org 0.9) and robots.txt."""

from __future__ import annotations

from datetime import timedelta

from conftest import BASE_URL, bearer, create
from lxml import etree

from newsfeed import model
from newsfeed.web.keys import sitemaps_key

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


async def sitemap(client, path: str = "/sitemap.xml"):
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    return etree.fromstring(await resp.read())


def entries(root) -> dict[str, tuple[str | None, dict[str, str]]]:
    """loc -> (lastmod, {hreflang: href})"""
    return {
        url.findtext(f"{SM}loc"): (
            url.findtext(f"{SM}lastmod"),
            {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")},
        )
        for url in root.findall(f"{SM}url")
    }


async def test_every_public_page_in_every_language_it_has(client, editor_token):
    both = await create(client, editor_token)
    ko_only = await create(
        client,
        editor_token,
        published_at="2021-05-01T09:00:00+09:00",
        translations={"ko": {"title": "한국어만", "body": "본문"}},
    )
    en_original = await create(
        client,
        editor_token,
        original_lang="en",
        translations={"en": {"title": "E", "body": "b"}, "ko": {"title": "K", "body": "b"}},
    )
    await create(client, editor_token, status="draft")
    future = (model.utcnow() + timedelta(days=1)).isoformat()
    await create(client, editor_token, published_at=future)
    gone = await create(client, editor_token)
    await client.delete(f"/api/v1/articles/{gone['id']}", headers=bearer(editor_token))

    root = await sitemap(client)
    assert root.tag == f"{SM}urlset"
    found = entries(root)
    page = f"{BASE_URL}/{{}}/articles/{{}}".format
    assert set(found) == {
        f"{BASE_URL}/ko/",
        f"{BASE_URL}/en/",
        page("ko", both["id"]),
        page("en", both["id"]),
        page("ko", ko_only["id"]),
        page("ko", en_original["id"]),
        page("en", en_original["id"]),
    }
    lastmod, links = found[page("en", both["id"])]
    assert links == {
        "ko": page("ko", both["id"]),
        "en": page("en", both["id"]),
        "x-default": page("ko", both["id"]),  # the original language's page
    }
    assert found[page("ko", en_original["id"])][1]["x-default"] == page("en", en_original["id"])
    assert found[page("ko", ko_only["id"])][1] == {}  # no other language: no alternates
    text_updated = both["translations"]["en"]["updated_at"]
    assert lastmod == model.datetime.fromisoformat(text_updated).isoformat()
    board = found[f"{BASE_URL}/en/"][1]
    assert board == {"ko": f"{BASE_URL}/ko/", "en": f"{BASE_URL}/en/", "x-default": f"{BASE_URL}/"}


async def test_it_follows_writes(client, editor_token):
    before = entries(await sitemap(client))
    assert set(before) == {f"{BASE_URL}/ko/", f"{BASE_URL}/en/"}
    made = await create(client, editor_token)
    after = entries(await sitemap(client))
    assert f"{BASE_URL}/en/articles/{made['id']}" in after


async def test_past_the_limit_an_index_of_sitemaps(client, editor_token):
    client.app[sitemaps_key].per_file = 3  # 50,000 in production
    made = [(await create(client, editor_token))["id"] for _ in range(3)]
    index = await sitemap(client)
    assert index.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert locs == [f"{BASE_URL}/sitemap-{n}.xml" for n in (1, 2, 3)]  # 2 boards + 6 pages
    seen = []
    for loc in locs:
        part = await sitemap(client, loc.removeprefix(BASE_URL))
        assert part.tag == f"{SM}urlset" and len(part.findall(f"{SM}url")) <= 3
        seen += list(entries(part))
    assert len(seen) == len(set(seen)) == 2 + 2 * len(made)
    for path in ("/sitemap-4.xml", "/sitemap-0.xml", "/sitemap-01.xml", "/sitemap-x.xml"):
        resp = await client.get(path)
        assert resp.status == 404 and resp.content_type == "application/problem+json"


async def test_robots_names_the_sitemap_and_keeps_crawlers_out(client):
    resp = await client.get("/robots.txt")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    lines = (await resp.text()).splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /desk/", "Disallow: /api/"} <= set(lines)
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines

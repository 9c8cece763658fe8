"""The contract's headline promises, checked from outside against one real server.

One `newsfeed serve` process (free port, temp database filled by `newsfeed seed`,
tokens made with `newsfeed editor add`) answers every request here over real HTTP,
the way a reader, a feed reader, a partner site or an editor would meet it. The
module's tests share that server and run in file order; each one creates what it
changes, so none depends on another's writes.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any
from urllib.parse import quote

import feedparser
import lxml.etree
import lxml.html
import pytest
from conftest import assert_problem_body, free_port

BASE_URL = "http://news.example:8000/site"  # configured, never the address served from
START_TIMEOUT = 20.0  # seconds for /healthz to answer (a bound, not a measure)
ARTICLE = {  # a published bilingual article, as an editor would post it
    "category": "news",
    "status": "published",
    "translations": {
        "ko": {"title": "계약 시험 기사", "body": "본문 **굵게**", "author": "홍보팀"},
        "en": {"title": "Contract test article", "body": "Body **bold**", "author": "Office"},
    },
}


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def html(self) -> Any:
        return lxml.html.fromstring(self.body.decode("utf-8"))


@dataclass
class Server:
    port: int
    env: dict[str, str]
    editor: str
    translator: str

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Reply:
        """One request on its own connection; redirects are not followed."""
        sent = dict(headers or {})
        data = body
        if body is not None and not isinstance(body, bytes):
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=sent)
            resp = conn.getresponse()
            return Reply(resp.status, resp.msg, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "newsfeed", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert not check or result.returncode == 0, result.stderr
        return result

    def create(self, **overrides: Any) -> dict[str, Any]:
        reply = self.request(
            "POST", "/api/v1/articles", {**ARTICLE, **overrides}, token=self.editor
        )
        assert reply.status == 201, reply.body
        return reply.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db_path = tmp_path_factory.mktemp("contract") / "newsfeed.db"
    port = free_port()
    env = {
        **os.environ,
        "NEWSFEED_DB": str(db_path),
        "NEWSFEED_HOST": "127.0.0.1",
        "NEWSFEED_PORT": str(port),
        "NEWSFEED_BASE_URL": BASE_URL,
        "NEWSFEED_WORKERS": "1",
    }
    for name in ("NEWSFEED_LANGS", "NEWSFEED_TIMEZONE", "NEWSFEED_LOCALES"):
        env.pop(name, None)  # the defaults: ko,en in Asia/Seoul, the checkout's catalogs
    probe = Server(port, env, "", "")
    assert "added 5" in probe.cli("seed").stdout
    # The seeded article 1 has been read 1,233 times before the server starts.
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE articles SET hits = 1233 WHERE id = 1")
    conn.close()
    tokens = []
    for name, role in (("ed", "editor"), ("tr", "translator")):
        out = probe.cli("editor", "add", name, "--role", role).stdout
        tokens.append(out.strip().splitlines()[-1])  # alone on the last line
    log = db_path.with_name("serve.log")  # a file, not a pipe: the access log never blocks
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsfeed", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    srv = Server(port, env, *tokens)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if srv.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server never answered /healthz"
            time.sleep(0.05)
        yield srv
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def text_of(doc: Any, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]


def assert_problem(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    body = reply.json()
    assert_problem_body(body, status)
    return body


# --- command line ------------------------------------------------------------------------


def test_tokens_are_printed_once_refused_twice_and_end_when_revoked(server):
    for token in (server.editor, server.translator):
        assert token and " " not in token
    out = server.cli("editor", "add", "temp", "--role", "editor").stdout
    token = out.strip().splitlines()[-1]
    assert server.create(slug="made-by-temp")["slug"] == "made-by-temp"
    again = server.cli("editor", "add", "temp", "--role", "editor", check=False)
    assert again.returncode != 0 and token not in again.stdout
    server.cli("editor", "revoke", "temp")
    reply = server.request("POST", "/api/v1/articles", ARTICLE, token=token)
    assert_problem(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


# --- pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang"), [("en-US,en;q=0.9", "en"), ("ko-KR", "ko"), (None, "ko"), ("fr", "ko")]
)
def test_root_sees_other_by_accept_language(server, accept, lang):
    reply = server.get("/", headers={"Accept-Language": accept} if accept else {})
    assert reply.status == 303
    assert reply.headers["Location"].endswith(f"/{lang}/")
    assert "Accept-Language" in reply.headers["Vary"]


@pytest.mark.parametrize(
    ("lang", "date", "heading"),
    [
        ("ko", "2020년 9월 15일", "번호"),
        ("en", "September 15, 2020", "No."),
    ],
)
def test_board_is_localized_with_alternates_and_feed_autodiscovery(server, lang, date, heading):
    reply = server.get(f"/{lang}/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Content-Language"] == lang
    doc = reply.html()
    assert doc.get("lang") == lang
    # every language, itself included, and x-default: `/`, which negotiates
    assert doc.xpath("//link[@rel='alternate'][@hreflang]/@hreflang") == ["ko", "en", "x-default"]
    assert doc.xpath("//link[@rel='alternate'][@hreflang]/@href") == [
        f"{BASE_URL}/ko/",
        f"{BASE_URL}/en/",
        f"{BASE_URL}/",
    ]
    for kind, fmt in (("rss", "rss"), ("atom", "atom")):
        assert doc.xpath(f"//link[@rel='alternate'][@type='application/{kind}+xml']/@href") == [
            f"{BASE_URL}/{lang}/feed.{fmt}"
        ]
    assert text_of(doc, "//table//th[@scope='col']")[0] == heading
    first = doc.xpath(f"//tr[.//a[@href='/{lang}/articles/1']]")[0]
    assert text_of(first, ".//time") == [date]
    # the Korean-only article 4 is listed on the English board too, marked as Korean
    fallback = doc.xpath(f"//a[@href='/{lang}/articles/4']")[0]
    assert fallback.get("lang") == (None if lang == "ko" else "ko")


def test_article_page_counts_its_view_and_formats_the_count(server):
    doc = server.get("/en/articles/1").html()  # 1,233 stored + this view
    assert text_of(doc, "//*[@class='hits']") == ["1,234 views"]
    assert text_of(doc, "//time") == ["September 15, 2020"]
    board = server.get("/ko/").html()
    row = board.xpath("//tr[.//a[@href='/ko/articles/1']]")[0]
    assert text_of(row, "./td[@class='hits']") == ["1,234"]
    doc = server.get("/ko/articles/1").html()
    assert text_of(doc, "//*[@class='hits']") == ["조회 1,235회"]
    assert text_of(doc, "//time") == ["2020년 9월 15일"]


def test_untranslated_article_is_shown_in_its_language_with_a_notice(server):
    reply = server.get("/en/articles/4")
    assert reply.status == 200
    assert reply.headers["Content-Language"] == "en"
    doc = reply.html()
    assert doc.get("lang") == "en"
    assert doc.xpath("//article/@lang") == ["ko"]
    notice = doc.xpath("//*[contains(@class, 'notice')]")[0]
    assert notice.get("lang") == "en" and "not been translated" in notice.text_content()
    assert doc.xpath("//link[@rel='alternate'][@hreflang='ko']/@href") == [
        f"{BASE_URL}/ko/articles/4"
    ]


def test_errors_under_a_language_are_localized_pages(server):
    for path, lang, heading in (
        ("/ko/articles/999", "ko", "페이지를 찾을 수 없습니다"),
        ("/en/articles/999", "en", "Page not found"),
    ):
        reply = server.get(path)
        assert reply.status == 404
        assert reply.headers["Content-Type"].startswith("text/html")
        assert reply.headers["Content-Language"] == lang
        doc = reply.html()
        assert doc.get("lang") == lang and text_of(doc, "//h1") == [heading]
        assert doc.xpath("//link[@rel='alternate'][@hreflang]/@href") == [
            f"{BASE_URL}/ko/articles/999",
            f"{BASE_URL}/en/articles/999",
            f"{BASE_URL}/ko/articles/999",  # x-default: the default language's
        ]
    assert server.get("/ko/?page=abc").status == 400
    assert server.get("/ko/?category=Not_OK").status == 400
    assert_problem(server.get("/fr/"), 404)  # unknown language: not a page of this site
    assert_problem(server.get("/fr/articles/1"), 404)


def test_search_matches_korean_substrings_in_its_language(server):
    reply = server.get("/ko/search?q=" + quote("공명"))  # inside 자기공명영상
    assert reply.status == 200 and reply.headers["Content-Language"] == "ko"
    doc = reply.html()
    assert doc.get("lang") == "ko"
    assert doc.xpath("//ol[@class='results']//a/@href") == ["/ko/articles/3"]
    english = server.get("/en/search?q=MRI").html()
    assert english.xpath("//ol[@class='results']//a/@href") == ["/en/articles/3"]


# --- feeds -------------------------------------------------------------------------------

FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json",
}


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_feed_types_validators_gzip_and_self_link(server, fmt):
    path = f"/en/feed.{fmt}"
    reply = server.get(path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == FEED_TYPES[fmt]
    etag, modified = reply.headers["ETag"], reply.headers["Last-Modified"]
    assert etag.startswith('"')
    for validator in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = server.get(path, headers=validator)
        assert again.status == 304 and again.body == b""
        assert again.headers["ETag"] == etag
    packed = server.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == reply.body
    gzip_etag = {"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    assert server.get(path, headers=gzip_etag).status == 304
    if fmt == "json":
        feed = reply.json()
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["language"] == "en" and feed["feed_url"] == f"{BASE_URL}{path}"
        assert all(item["url"].startswith(f"{BASE_URL}/en/articles/") for item in feed["items"])
        return
    parsed = feedparser.parse(reply.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [f"{BASE_URL}{path}"]
    assert parsed.entries and all(e.link.startswith(f"{BASE_URL}/en/") for e in parsed.entries)
    assert "/4/" not in " ".join(e.id for e in parsed.entries)  # no English text: not here
    root = lxml.etree.fromstring(reply.body)
    if fmt == "atom":
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    else:
        assert root.findtext("channel/language") == "en"


def test_feed_ids_survive_edits_and_entries_link_the_other_language(server):
    article = server.create()
    before = feedparser.parse(server.get("/en/feed.atom").body)
    entry = next(e for e in before.entries if e.link.endswith(f"/en/articles/{article['id']}"))
    assert {(link.get("hreflang"), link.href) for link in entry.links} >= {
        ("ko", f"{BASE_URL}/ko/articles/{article['id']}")
    }
    rss_ids = {e.id for e in feedparser.parse(server.get("/en/feed.rss").body).entries}
    etag = server.get("/en/feed.atom").headers["ETag"]
    url = f"/api/v1/articles/{article['id']}/translations/en"
    assert server.request("PUT", url, {"title": "Edited"}, token=server.translator).status == 200
    after = feedparser.parse(server.get("/en/feed.atom").body)
    edited = next(e for e in after.entries if e.id == entry.id)
    assert edited.title == "Edited"
    assert {e.id for e in feedparser.parse(server.get("/en/feed.rss").body).entries} == rss_ids
    assert server.get("/en/feed.atom", headers={"If-None-Match": etag}).status == 200


# --- JSON API ----------------------------------------------------------------------------


def test_write_cycle_with_location_etags_and_preconditions(server):
    reply = server.request("POST", "/api/v1/articles", ARTICLE, token=server.editor)
    assert reply.status == 201
    article = reply.json()
    path = f"/api/v1/articles/{article['id']}"
    assert reply.headers["Location"] == f"{BASE_URL}{path}"
    etag = reply.headers["ETag"]
    read = server.get(path)
    assert read.status == 200 and read.headers["ETag"] == etag
    assert read.json()["translations"]["ko"]["title"] == ARTICLE["translations"]["ko"]["title"]
    assert server.get(path, headers={"If-None-Match": etag}).status == 304
    stale = server.request(
        "PATCH", path, {"category": "events"}, {"If-Match": '"0.0"'}, token=server.editor
    )
    assert_problem(stale, 412)
    assert server.get(path).json()["category"] == "news"  # changed nothing
    star = server.request("PATCH", path, {"category": "events"}, {"If-Match": "*"}, server.editor)
    assert star.status == 200 and star.json()["category"] == "events"
    assert star.headers["ETag"] != etag
    fresh = server.request(
        "PATCH", path, {"slug": "cycle"}, {"If-Match": star.headers["ETag"]}, server.editor
    )
    assert fresh.status == 200 and fresh.json()["slug"] == "cycle"
    text = f"{path}/translations/en"
    assert server.request("DELETE", text, token=server.translator).status == 403
    gone = server.request("DELETE", text, token=server.editor)
    assert gone.status == 204 and gone.body == b""
    put = server.request("PUT", text, {"title": "Back"}, token=server.translator)
    assert put.status == 201 and put.json()["translations"]["en"]["title"] == "Back"
    assert server.request("PUT", text, {"title": "Again"}, token=server.translator).status == 200
    server.request("DELETE", f"{path}/translations/ko", token=server.editor)
    assert_problem(server.request("DELETE", text, token=server.editor), 409)  # the last text
    deleted = server.request("DELETE", path, token=server.editor)
    assert deleted.status == 204 and deleted.body == b""
    assert_problem(server.get(path), 404)
    assert server.get(f"/en/articles/{article['id']}").status == 404


def test_drafts_and_scheduled_articles_only_with_a_token(server):
    draft = server.create(status="draft")
    scheduled = server.create(published_at="2999-01-01T00:00:00Z")
    for article in (draft, scheduled):
        path = f"/api/v1/articles/{article['id']}"
        assert_problem(server.get(path), 404)
        assert server.get(f"/ko/articles/{article['id']}").status == 404
        assert server.get(path, token=server.translator).status == 200
    public = {a["id"] for a in server.get("/api/v1/articles?limit=100").json()["items"]}
    seen = {
        a["id"]
        for a in server.get("/api/v1/articles?limit=100", token=server.editor).json()["items"]
    }
    assert draft["id"] not in public and {draft["id"], scheduled["id"]} <= seen


def test_lists_are_newest_first_with_cursor_paging(server):
    same = "2025-01-01T00:00:00+09:00"
    ids = [server.create(published_at=same)["id"] for _ in range(3)]
    listed = server.get("/api/v1/articles?lang=en&limit=100").json()["items"]
    assert all("en" in a["translations"] for a in listed)
    keys = [(datetime.fromisoformat(a["published_at"]), a["id"]) for a in listed]
    assert keys == sorted(keys, reverse=True)  # published_at, then id, descending
    assert [a["id"] for a in listed if a["id"] in ids] == sorted(ids, reverse=True)
    first = server.get("/api/v1/articles?limit=2").json()
    second = server.get(f"/api/v1/articles?limit=2&cursor={first['next_cursor']}").json()
    everything = server.get("/api/v1/articles?limit=4").json()["items"]
    assert [a["id"] for a in first["items"] + second["items"]] == [a["id"] for a in everything]
    board = server.get("/en/").html().xpath("//table[@class='board']//td[@class='no']")
    assert [int(td.text) for td in board if int(td.text) in ids] == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "field"),
    [
        ("GET", "/api/v1/articles?limit=0", None, {}, 400, "limit"),
        ("GET", "/api/v1/articles?limit=101", None, {}, 400, "limit"),
        ("GET", "/api/v1/articles?cursor=nope", None, {}, 400, "cursor"),
        (
            "GET",
            "/api/v1/articles?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OS4x",
            None,
            {},
            400,
            "cursor",
        ),
        ("GET", "/api/v1/articles?lang=fr", None, {}, 400, "lang"),
        ("GET", "/api/v1/articles?category=Bad!", None, {}, 400, "category"),
        ("POST", "/api/v1/articles", b"{", {"Content-Type": "application/json"}, 400, None),
        ("POST", "/api/v1/articles", b"{}", {"Content-Type": "text/plain"}, 415, None),
        ("POST", "/api/v1/articles", {**ARTICLE, "extra": 1}, {}, 422, "extra"),
        ("POST", "/api/v1/articles", {"translations": {}}, {}, 422, "category"),
        ("GET", "/api/v1/nothing", None, {}, 404, None),
        ("GET", "/api/v1/articles/999999", None, {}, 404, None),
        ("PUT", "/api/v1/articles", {}, {}, 405, None),
    ],
)
def test_errors_are_problem_json_with_the_contract_status(
    server, method, path, body, headers, status, field
):
    reply = server.request(method, path, body, headers, token=server.editor)
    problem = assert_problem(reply, status)
    if field:
        assert field in [e["field"] for e in problem["errors"]]
    if status == 405:
        assert "GET" in reply.headers["Allow"]


def test_auth_and_size_errors(server):
    for token in (None, "nf_wrong"):
        reply = server.request("POST", "/api/v1/articles", ARTICLE, token=token)
        assert_problem(reply, 401)
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(
        server.request("POST", "/api/v1/articles", ARTICLE, token=server.translator), 403
    )
    huge = b'{"category": "news", "x": "' + b"x" * (1024 * 1024) + b'"}'
    big = server.request(
        "POST", "/api/v1/articles", huge, {"Content-Type": "application/json"}, server.editor
    )
    assert_problem(big, 413)


# --- hits --------------------------------------------------------------------------------


def test_only_page_views_and_posted_hits_count(server):
    article = server.create()
    page, api = f"/ko/articles/{article['id']}", f"/api/v1/articles/{article['id']}"

    def hits() -> int:
        return server.get(api).json()["hits"]

    assert server.get(page).status == 200
    assert hits() == 1
    assert server.request("HEAD", page).status == 200
    etag = server.get(api).headers["ETag"]
    assert server.get(api, headers={"If-None-Match": etag}).status == 304
    for path in ("/ko/feed.rss", "/ko/feed.atom", "/ko/feed.json", "/ko/", "/api/v1/articles"):
        assert server.get(path).status == 200
    assert server.get(f"/ko/articles/{article['id'] + 1000}").status == 404
    assert hits() == 1
    posted = server.request("POST", f"{api}/hits")
    assert posted.status == 200 and posted.json() == {"id": article["id"], "hits": 2}
    assert server.get(api).headers["ETag"] == etag  # hits are not editorial
    assert server.get(page).html().xpath("string(//*[@class='hits'])") == "조회 3회"


# --- operations --------------------------------------------------------------------------


def test_openapi_health_and_metrics_and_never_a_500(server):
    doc = server.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    problem_type = doc["components"]["schemas"]["Problem"]["properties"]["type"]
    assert "about:blank" in problem_type["enum"]
    health = server.get("/healthz")
    assert health.status == 200 and health.json() == {"status": "ok"}
    metrics = server.get("/metrics")
    assert metrics.status == 200 and metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.body.decode()
    assert 'route="article",status="200"' in text
    assert "newsfeed_hits_total" in text
    assert 'status="5' not in text  # nothing any test here sent earned a 500

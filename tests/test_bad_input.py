"""A catalogue of what clients get wrong, each answered with the contract's status.

Every case checks the status, the problem+json shape, the fields named for 422, and that
the database is exactly as it was: a rejected request changes nothing.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import (
    add_editor,
    assert_problem_body,
    bearer,
    create,
    revoke_editor,
    sample_article,
    snapshot,
)
from yarl import URL

from newsfeed import auth
from newsfeed.model import Cursor
from newsfeed.settings import Settings


def j(data: Any) -> bytes:
    return json.dumps(data).encode()


def article(**overrides: Any) -> bytes:
    return j(sample_article(**overrides))


def text(**fields: Any) -> bytes:
    return j({"title": "Title", "summary": "", "body": "", "author": "", **fields})


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def with_ko(**ko: Any) -> bytes:
    body = sample_article()
    body["translations"]["ko"].update(ko)
    return j(body)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # sent as is (already percent-encoded); {id}, {solo} name seeded articles
    status: int
    body: bytes | None = None
    content_type: str | None = "application/json"
    token: str = "editor"  # editor | translator | revoked | none | raw:<header value>
    headers: tuple[tuple[str, str], ...] = ()
    fields: tuple[str, ...] = ()  # fields that errors[] must name

    @property
    def needs_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH")


A = "/api/v1/articles"
ART = A + "/{id}"
KO = ART + "/translations/ko"
EN = ART + "/translations/en"
MIB = 1024 * 1024

CASES: dict[str, Case] = {
    # --- malformed JSON: 400 ---------------------------------------------------
    "truncated-json": Case("POST", A, 400, b'{"category": "news", "transl'),
    "js-object-literal": Case("POST", A, 400, b"{category: 'news'}"),
    "empty-body": Case("POST", A, 400, b""),
    "patch-not-json": Case("PATCH", ART, 400, b"status=published"),
    "put-truncated": Case("PUT", EN, 400, b'{"title": "x"'),
    "invalid-utf8": Case("POST", A, 400, b'{"category": "n\xffws"}'),
    "overlong-utf8-slash": Case("PUT", EN, 400, b'{"title": "\xc0\xaf"}'),
    "raw-nul-in-string": Case("PUT", EN, 400, b'{"title": "a\x00b"}'),
    "deep-nesting": Case("POST", A, 400, b"[" * 100_000),
    "trailing-garbage": Case("PATCH", ART, 400, b'{"status": "draft"} x'),
    "nan-literal": Case("PATCH", ART, 400, b'{"status": NaN}'),
    "int-past-python-limit": Case("PATCH", ART, 400, b'{"status": 1' + b"0" * 5000 + b"}"),
    "int-past-python-limit-nested": Case(
        "POST", A, 400, b'{"translations": {"ko": {"title": [' + b"9" * 4500 + b"]}}}"
    ),
    "huge-exponent": Case("PATCH", ART, 400, b'{"status": 1e999999}'),
    "negative-huge-exponent": Case("PUT", EN, 400, b'{"title": -1.5e400}'),
    "repeated-key": Case("PATCH", ART, 400, b'{"status": "draft", "status": "published"}'),
    "repeated-key-nested": Case("PUT", EN, 400, b'{"title": "a", "body": "x", "title": "b"}'),
    "repeated-key-escaped": Case("PATCH", ART, 400, b'{"slug": "a", "\\u0073lug": "b"}'),
    # --- Content-Encoding: decoded here; unsupported 415, undecodable 400 --------
    "gzip-not-gzip": Case("POST", A, 400, article(), headers=(("Content-Encoding", "gzip"),)),
    "gzip-truncated": Case(
        "POST", A, 400, gzip.compress(article())[:-12], headers=(("Content-Encoding", "gzip"),)
    ),
    "gzip-trailing-garbage": Case(
        "PUT", EN, 400, gzip.compress(text()) + b"junk", headers=(("Content-Encoding", "gzip"),)
    ),
    "deflate-not-deflate": Case(
        "PATCH", ART, 400, j({"status": "draft"}), headers=(("Content-Encoding", "deflate"),)
    ),
    "gzip-bomb": Case(
        "PUT", EN, 413, gzip.compress(b" " * (2 * MIB)), headers=(("Content-Encoding", "gzip"),)
    ),
    "encoding-br": Case("POST", A, 415, article(), headers=(("Content-Encoding", "br"),)),
    "encoding-zstd": Case("PUT", EN, 415, text(), headers=(("Content-Encoding", "zstd"),)),
    "encoding-unknown": Case("PATCH", ART, 415, j({}), headers=(("Content-Encoding", "foo"),)),
    "encoding-two": Case(
        "POST",
        A,
        415,
        gzip.compress(gzip.compress(article())),
        headers=(("Content-Encoding", "gzip, gzip"),),
    ),
    # --- wrong JSON types: 422 ------------------------------------------------
    "array-body": Case("POST", A, 422, b"[]", fields=("body",)),
    "string-body": Case("POST", A, 422, b'"news"', fields=("body",)),
    "null-put": Case("PUT", EN, 422, b"null", fields=("body",)),
    "category-number": Case("POST", A, 422, article(category=5), fields=("category",)),
    "translations-list": Case("POST", A, 422, article(translations=[]), fields=("translations",)),
    "translations-empty": Case("POST", A, 422, article(translations={}), fields=("translations",)),
    "title-number": Case("POST", A, 422, with_ko(title=7), fields=("translations.ko.title",)),
    "title-missing": Case("PUT", EN, 422, j({"body": "x"}), fields=("title",)),
    "title-blank": Case("PUT", EN, 422, text(title="   "), fields=("title",)),
    "status-unknown": Case("PATCH", ART, 422, j({"status": "archived"}), fields=("status",)),
    "status-bool": Case("POST", A, 422, article(status=True), fields=("status",)),
    "date-words": Case(
        "PATCH", ART, 422, j({"published_at": "yesterday"}), fields=("published_at",)
    ),
    "date-no-offset": Case(
        "PATCH", ART, 422, j({"published_at": "2020-09-15T10:00:00"}), fields=("published_at",)
    ),
    "date-feb-30": Case(
        "POST", A, 422, article(published_at="2020-02-30T10:00:00Z"), fields=("published_at",)
    ),
    "date-year-0": Case(
        "POST", A, 422, article(published_at="0000-01-01T00:00:00Z"), fields=("published_at",)
    ),
    "unknown-field": Case("POST", A, 422, article(hits=10**6), fields=("hits",)),
    "patch-translations": Case(
        "PATCH", ART, 422, j({"translations": {}}), fields=("translations",)
    ),
    "patch-empty": Case("PATCH", ART, 422, b"{}", fields=("body",)),
    "text-unknown-field": Case("PUT", EN, 422, text(lang="en"), fields=("lang",)),
    # a name that is not valid Unicode (a lone surrogate) is shown escaped
    "unknown-field-lone-surrogate": Case(
        "POST", A, 422, article(**{"\ud800": 1}), fields=("\\ud800",)
    ),
    "text-unknown-field-lone-surrogate": Case(
        "PUT", EN, 422, text(**{"x\udfff": 1}), fields=("x\\udfff",)
    ),
    "translation-lang-lone-surrogate": Case(
        "POST",
        A,
        422,
        article(translations={"\udbff": {"title": "x"}}),
        fields=("translations.\\udbff",),
    ),
    "unknown-field-control-char": Case(
        "PATCH", ART, 422, j({"a\u0007b": 1}), fields=("a\\u0007b",)
    ),
    # --- characters no feed can carry: 422 ------------------------------------
    "nul-escape": Case(
        "POST", A, 422, with_ko(title="a\u0000b"), fields=("translations.ko.title",)
    ),
    "escape-char": Case("PUT", EN, 422, text(body="\u001b[31mred"), fields=("body",)),
    "lone-cr": Case("PUT", EN, 422, text(author="a\rb"), fields=("author",)),
    "del-char": Case("PUT", EN, 422, text(title="a\u007f"), fields=("title",)),
    "lone-surrogate": Case(
        "PUT", EN, 422, b'{"title": "x", "summary": "\\ud800"}', fields=("summary",)
    ),
    "noncharacter": Case("PUT", EN, 422, text(title="a\ufffe"), fields=("title",)),
    # --- overlong fields: 422; bodies over 1 MiB: 413 -------------------------
    "title-301": Case("PUT", EN, 422, text(title="t" * 301), fields=("title",)),
    "summary-1001": Case("PUT", EN, 422, text(summary="s" * 1001), fields=("summary",)),
    "body-200001": Case("PUT", EN, 422, text(body="b" * 200_001), fields=("body",)),
    "author-201": Case("PUT", EN, 422, text(author="a" * 201), fields=("author",)),
    "slug-81": Case("POST", A, 422, article(slug="s" * 81), fields=("slug",)),
    "category-41": Case("PATCH", ART, 422, j({"category": "c" * 41}), fields=("category",)),
    "body-over-1mib": Case("POST", A, 413, article(padding="x" * MIB)),
    "put-over-1mib": Case("PUT", EN, 413, text(body="가" * (MIB // 2))),
    # --- content types: 415 ----------------------------------------------------
    "text-plain": Case("POST", A, 415, article(), content_type="text/plain"),
    "form": Case(
        "POST", A, 415, b"category=news", content_type="application/x-www-form-urlencoded"
    ),
    "no-content-type": Case("PUT", EN, 415, text(), content_type=None),
    "latin1-charset": Case(
        "PATCH", ART, 415, j({"status": "draft"}), content_type="application/json; charset=latin-1"
    ),
    "xml": Case("PATCH", ART, 415, b"<status>draft</status>", content_type="application/xml"),
    # --- languages ---------------------------------------------------------------
    "put-unknown-lang": Case("PUT", ART + "/translations/fr", 404, text()),
    "put-lang-uppercase": Case("PUT", ART + "/translations/KO", 404, text()),
    "delete-unknown-lang": Case("DELETE", ART + "/translations/xx", 404),
    "create-unknown-lang": Case(
        "POST", A, 422, article(translations={"fr": {"title": "x"}}), fields=("translations.fr",)
    ),
    "original-lang-unknown": Case(
        "PATCH", ART, 422, j({"original_lang": "fr"}), fields=("original_lang",)
    ),
    "original-lang-without-text": Case(
        "POST",
        A,
        422,
        article(original_lang="en", translations={"ko": {"title": "x"}}),
        fields=("original_lang",),
    ),
    "list-unknown-lang": Case("GET", A + "?lang=fr", 400, fields=("lang",)),
    # --- slugs and categories --------------------------------------------------
    "slug-spaces": Case("POST", A, 422, article(slug="Bad Slug"), fields=("slug",)),
    "slug-dots": Case("PATCH", ART, 422, j({"slug": "../etc"}), fields=("slug",)),
    "slug-number": Case("PATCH", ART, 422, j({"slug": 12}), fields=("slug",)),
    "category-bang": Case("POST", A, 422, article(category="News!"), fields=("category",)),
    "category-missing": Case(
        "POST", A, 422, j({"translations": {"ko": {"title": "x"}}}), fields=("category",)
    ),
    "list-category-upper": Case("GET", A + "?category=NEWS", 400, fields=("category",)),
    "list-category-empty": Case("GET", A + "?category=", 400, fields=("category",)),
    "list-category-sql": Case("GET", A + "?category=%27%20OR%201=1--", 400, fields=("category",)),
    "duplicate-slug-create": Case("POST", A, 409, article(slug="taken")),
    "duplicate-slug-patch": Case("PATCH", "/api/v1/articles/{solo}", 409, j({"slug": "taken"})),
    # --- identifiers match over the whole string: no trailing newline ----------
    "slug-newline": Case("POST", A, 422, article(slug="news\n"), fields=("slug",)),
    "slug-newline-patch": Case("PATCH", ART, 422, j({"slug": "fresh\n"}), fields=("slug",)),
    "category-newline": Case("POST", A, 422, article(category="news\n"), fields=("category",)),
    "category-newline-patch": Case(
        "PATCH", ART, 422, j({"category": "news\n"}), fields=("category",)
    ),
    "date-newline": Case(
        "PATCH", ART, 422, j({"published_at": "2020-09-15T10:00:00Z\n"}), fields=("published_at",)
    ),
    "date-arabic-digits": Case(
        "PATCH", ART, 422, j({"published_at": "٢٠٢٠-09-15T10:00:00Z"}), fields=("published_at",)
    ),
    "original-lang-newline": Case(
        "PATCH", ART, 422, j({"original_lang": "ko\n"}), fields=("original_lang",)
    ),
    "translation-lang-newline": Case(
        "POST",
        A,
        422,
        article(translations={"ko\n": {"title": "x"}}),
        fields=("translations.ko\\u000a",),
    ),
    "list-category-newline": Case("GET", A + "?category=news%0A", 400, fields=("category",)),
    "list-lang-newline": Case("GET", A + "?lang=ko%0A", 400, fields=("lang",)),
    "list-limit-newline": Case("GET", A + "?limit=5%0A", 400, fields=("limit",)),
    "list-cursor-newline": Case("GET", A + "?cursor={cursor}%0A", 400, fields=("cursor",)),
    "list-cursor-padded": Case("GET", A + "?cursor={cursor}%3D", 400, fields=("cursor",)),
    "id-newline": Case("GET", A + "/{id}%0A", 404),
    "hit-id-newline": Case("POST", A + "/{id}%0A/hits", 404, content_type=None),
    "lang-path-newline": Case("PUT", ART + "/translations/en%0A", 404, text()),
    "if-match-newline-tag": Case(
        "PATCH", ART, 400, j({"status": "draft"}), headers=(("If-Match", '"{id}.1"x'),)
    ),
    # --- ids -------------------------------------------------------------------
    "id-zero": Case("GET", A + "/0", 404),
    "id-negative": Case("GET", A + "/-1", 404),
    "id-huge": Case("GET", A + "/99999999999999999999999999", 404),
    "id-int64-overflow": Case("PATCH", A + "/9223372036854775808", 404, j({"status": "draft"})),
    "id-letters": Case("POST", A + "/abc/hits", 404, content_type=None),
    "id-exponent": Case("POST", A + "/1e3/hits", 404, content_type=None),
    "id-fullwidth-digit": Case("GET", A + "/%EF%BC%91", 404),
    "id-missing-article": Case("DELETE", A + "/424242", 404),
    "hit-missing-article": Case("POST", A + "/424242/hits", 404, content_type=None),
    "put-missing-article": Case("PUT", A + "/424242/translations/en", 404, text()),
    "id-invalid-utf8": Case("GET", A + "/%ff", 404),
    "id-nul": Case("GET", A + "/1%00", 404),
    "id-with-spaces": Case("GET", A + "/%201%20", 404),
    "lang-invalid-utf8": Case("PUT", ART + "/translations/%ff%fe", 404, text()),
    # --- path tricks -------------------------------------------------------------
    "dotdot": Case("GET", "/api/v1/../../etc/passwd", 404),
    "encoded-dotdot": Case("GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd", 404),
    "encoded-slash-id": Case("GET", A + "/1%2fhits", 404),
    "encoded-slash-lang": Case("PUT", ART + "/translations/..%2fen", 404, text()),
    "double-encoded": Case("GET", A + "/%252e%252e", 404),
    "backslash": Case("GET", "/api/v1/articles\\..\\healthz", 404),
    # --- cursors and limits: 400 -----------------------------------------------
    "limit-zero": Case("GET", A + "?limit=0", 400, fields=("limit",)),
    "limit-negative": Case("GET", A + "?limit=-5", 400, fields=("limit",)),
    "limit-101": Case("GET", A + "?limit=101", 400, fields=("limit",)),
    "limit-huge": Case("GET", A + "?limit=" + "9" * 40, 400, fields=("limit",)),
    "limit-word": Case("GET", A + "?limit=ten", 400, fields=("limit",)),
    "limit-float": Case("GET", A + "?limit=2.5", 400, fields=("limit",)),
    "limit-empty": Case("GET", A + "?limit=", 400, fields=("limit",)),
    "cursor-garbage": Case("GET", A + "?cursor=%%%", 400, fields=("cursor",)),
    "cursor-not-ours": Case("GET", A + "?cursor=" + b64("x.y"), 400, fields=("cursor",)),
    "cursor-zero-id": Case(
        "GET", A + "?cursor=" + b64("1600131600000000.0"), 400, fields=("cursor",)
    ),
    "cursor-empty": Case("GET", A + "?cursor=", 400, fields=("cursor",)),
    "cursor-invalid-utf8": Case("GET", A + "?cursor=%ff%fe", 400, fields=("cursor",)),
    "lang-query-invalid-utf8": Case("GET", A + "?lang=%ff", 400, fields=("lang",)),
    "limit-nul": Case("GET", A + "?limit=1%00", 400, fields=("limit",)),
    "limit-fullwidth": Case("GET", A + "?limit=%EF%BC%95", 400, fields=("limit",)),
    # --- preconditions ---------------------------------------------------------------
    "if-match-unquoted": Case(
        "PATCH", ART, 400, j({"status": "draft"}), headers=(("If-Match", "1.1"),)
    ),
    "if-match-unterminated": Case(
        "DELETE", ART, 400, headers=(("If-Match", '"1.1'),), content_type=None
    ),
    "if-match-empty-list": Case("PUT", EN, 400, text(), headers=(("If-Match", ","),)),
    "if-match-empty": Case("PATCH", ART, 400, j({"status": "draft"}), headers=(("If-Match", ""),)),
    "if-match-non-ascii": Case("PUT", EN, 400, text(), headers=(("If-Match", '"é" x'),)),
    "if-match-stale": Case(
        "PATCH", ART, 412, j({"status": "draft"}), headers=(("If-Match", '"{id}.999"'),)
    ),
    "if-match-weak": Case("PUT", EN, 412, text(), headers=(("If-Match", 'W/"{id}.1"'),)),
    "if-match-other-article": Case(
        "DELETE", ART, 412, headers=(("If-Match", '"{solo}.1"'),), content_type=None
    ),
    "if-match-stale-text-delete": Case(
        "DELETE", EN, 412, headers=(("If-Match", '"{id}.7"'),), content_type=None
    ),
    # --- conflicts ----------------------------------------------------------------
    "delete-last-translation": Case("DELETE", "/api/v1/articles/{solo}/translations/ko", 409),
    "delete-absent-translation": Case("DELETE", "/api/v1/articles/{solo}/translations/en", 404),
    # --- tokens and roles ---------------------------------------------------------
    "no-token": Case("POST", A, 401, article(), token="none"),
    "garbage-token": Case("PATCH", ART, 401, j({"status": "draft"}), token="raw:Bearer nope"),
    "prefixed-garbage-token": Case("DELETE", ART, 401, token="raw:Bearer nf_" + "A" * 43),
    "basic-auth": Case("PUT", EN, 401, text(), token="raw:Basic ZWRpdG9yOmVkaXRvcg=="),
    "bearer-empty": Case("POST", A, 401, article(), token="raw:Bearer "),
    "bearer-two-words": Case("POST", A, 401, article(), token="raw:Bearer a b"),
    "token-8k": Case("POST", A, 401, article(), token="raw:Bearer nf_" + "x" * 8000),
    "revoked-token": Case("POST", A, 401, article(), token="revoked"),
    "revoked-token-put": Case("PUT", EN, 401, text(), token="revoked"),
    "translator-creates": Case("POST", A, 403, article(), token="translator"),
    "translator-patches": Case("PATCH", ART, 403, j({"status": "draft"}), token="translator"),
    "translator-deletes": Case("DELETE", ART, 403, token="translator", content_type=None),
    "translator-deletes-text": Case("DELETE", EN, 403, token="translator", content_type=None),
    # --- routes and methods -------------------------------------------------------
    "unknown-route": Case("GET", "/api/v1/nope", 404),
    "unknown-route-newline": Case("PUT", A + "//translations/ko%0A", 404, text()),
    "unknown-expectation": Case("GET", A, 417, headers=(("Expect", "nonsense"),)),
    "unknown-expectation-write": Case("POST", A, 417, article(), headers=(("Expect", "200-ok"),)),
    "unknown-version": Case("GET", "/api/v2/articles", 404),
    "put-collection": Case("PUT", A, 405, article()),
    "delete-collection": Case("DELETE", A, 405, content_type=None),
    "get-hits": Case("GET", ART + "/hits", 405),
    "post-article": Case("POST", ART, 405, article()),
    "patch-translation": Case("PATCH", EN, 405, text()),
}


@pytest.fixture
async def seeded(client: TestClient, editor_token: str, settings: Settings) -> dict[str, str]:
    """Two articles ({id}: ko+en with slug 'taken'; {solo}: ko only) and a revoked editor."""
    full = await create(client, editor_token, slug="taken")
    solo = await create(
        client, editor_token, slug="solo", translations={"ko": {"title": "한 언어만"}}
    )
    revoked = add_editor(settings, "gone", auth.Role.EDITOR)
    assert revoke_editor(settings, "gone")
    cursor = Cursor(full["id"] * 1_000_000, full["id"]).encode()  # a real one, shape-wise
    return {"id": str(full["id"]), "solo": str(solo["id"]), "revoked": revoked, "cursor": cursor}


def _headers(case: Case, tokens: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    headers = {name: value.format(**ids) for name, value in case.headers}
    if case.token.startswith("raw:"):
        headers["Authorization"] = case.token.removeprefix("raw:")
    elif case.token != "none":
        headers.update(bearer(tokens[case.token]))
    if case.content_type is not None and case.needs_body:
        headers["Content-Type"] = case.content_type
    return headers


def assert_problem(status: int, content_type: str, body: dict[str, Any], expected: int) -> None:
    assert status == expected, body
    assert content_type == "application/problem+json"
    assert_problem_body(body, expected)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_bad_input(
    case: Case,
    client: TestClient,
    seeded: dict[str, str],
    editor_token: str,
    translator_token: str,
    settings: Settings,
) -> None:
    tokens = {"editor": editor_token, "translator": translator_token, "revoked": seeded["revoked"]}
    before = snapshot(settings)
    url = URL(str(client.make_url("/")).rstrip("/") + case.path.format(**seeded), encoded=True)
    resp = await client.session.request(
        case.method,
        url,
        data=None if case.body is None and not case.needs_body else io.BytesIO(case.body or b""),
        headers=_headers(case, tokens, seeded),
        skip_auto_headers=("Content-Type",),
    )
    async with resp:
        body = await resp.json(content_type=None)
        assert_problem(resp.status, resp.content_type, body, case.status)
        if case.status == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        if case.status == 405:
            assert resp.headers["Allow"]
        if case.fields or case.status == 422:
            named = {error["field"] for error in body["errors"]}
            assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])
            assert set(case.fields) <= named, body["errors"]
    assert snapshot(settings) == before


def test_catalogue_size() -> None:
    assert len(CASES) >= 40
    assert {c.status for c in CASES.values()} >= {
        400,
        401,
        403,
        404,
        405,
        409,
        412,
        413,
        415,
        417,
        422,
    }


@pytest.mark.parametrize(
    "accept_language",
    ["", "*", "xx-YY;q=abc", "ko;q=2,,en;q=-1", "a" * 4000, "en-US,en;q=0.9,*;q=0.1,zz", ";;;,,,"],
)
async def test_garbage_accept_language_is_ignored(
    client: TestClient, seeded: dict[str, str], accept_language: str, settings: Settings
) -> None:
    before = snapshot(settings)
    resp = await client.get("/api/v1/articles", headers={"Accept-Language": accept_language})
    assert resp.status == 200
    assert [item["id"] for item in (await resp.json())["items"]] == [
        int(seeded["solo"]),
        int(seeded["id"]),
    ]
    assert snapshot(settings) == before


# Pages, feeds and static files: bad input there answers a localized HTML page (or
# problem+json outside a known language), never a 500, and counts no hit.
PAGE_CASES: dict[str, tuple[str, int, str]] = {
    "page-zero": ("/ko/?page=0", 400, "text/html"),
    "page-negative": ("/en/?page=-1", 400, "text/html"),
    "page-word": ("/ko/?page=two", 400, "text/html"),
    "page-huge": ("/ko/?page=" + "9" * 30, 400, "text/html"),
    "board-category-upper": ("/en/?category=NEWS", 400, "text/html"),
    "board-category-empty": ("/ko/?category=", 400, "text/html"),
    "feed-category-bad": ("/ko/feed.rss?category=a%20b", 400, "text/html"),
    "unknown-lang-board": ("/xx/", 404, "application/problem+json"),
    "unknown-lang-feed": ("/fr/feed.atom", 404, "application/problem+json"),
    "page-id-word": ("/ko/articles/abc", 404, "text/html"),
    "page-id-zero": ("/ko/articles/0", 404, "text/html"),
    "page-id-negative": ("/en/articles/-1", 404, "text/html"),
    "page-id-huge": ("/en/articles/" + "9" * 30, 404, "text/html"),
    "page-id-missing": ("/ko/articles/424242", 404, "text/html"),
    # near misses of the seeded article's address: they must count no hit on it
    "page-id-suffix": ("/ko/articles/{id}x", 404, "text/html"),
    "page-id-signed": ("/en/articles/+{id}", 404, "text/html"),
    "page-id-encoded-slash": ("/en/articles/{id}%2f", 404, "text/html"),
    "page-encoded-dotdot": ("/ko/%2e%2e/%2e%2e/etc/passwd", 404, "text/html"),
    "static-encoded-slash": ("/static/..%2f..%2fpyproject.toml", 404, "application/problem+json"),
    "static-dotdot": ("/static/%2e%2e", 404, "application/problem+json"),
    "page-newline": ("/ko/?page=2%0A", 400, "text/html"),
    "board-category-newline": ("/en/?category=news%0A", 400, "text/html"),
    "feed-category-newline": ("/ko/feed.atom?category=news%0A", 400, "text/html"),
    "page-id-newline": ("/ko/articles/{id}%0A", 404, "text/html"),
    "lang-newline-board": ("/ko%0A/", 404, "application/problem+json"),
    "lang-newline-feed": ("/ko%0A/feed.rss", 404, "application/problem+json"),
    "page-unknown-newline": ("/ko/x%0Ay", 404, "text/html"),
    "search-nul": ("/ko/search?q=%00", 200, "text/html"),
    "search-invalid-utf8": ("/ko/search?q=%ff%fe", 200, "text/html"),
    "search-long": ("/en/search?q=" + "%EA%B0%80" * 500, 200, "text/html"),
}


@pytest.mark.parametrize(("path", "status", "media"), PAGE_CASES.values(), ids=PAGE_CASES.keys())
async def test_bad_page_input(
    client: TestClient,
    seeded: dict[str, str],
    settings: Settings,
    path: str,
    status: int,
    media: str,
) -> None:
    before = snapshot(settings)
    path = path.format(**seeded)
    url = URL(str(client.make_url("/")).rstrip("/") + path, encoded=True)
    async with client.session.get(url, allow_redirects=False) as resp:
        assert resp.status == status
        assert resp.content_type == media
        if media == "text/html":
            assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert resp.headers["Content-Language"] == path[1:3]
            assert "<html" in await resp.text()
        else:
            assert_problem(resp.status, resp.content_type, await resp.json(), status)
    assert snapshot(settings) == before
    resp = await client.get(f"/api/v1/articles/{seeded['id']}")
    assert (await resp.json())["hits"] == 0  # includes views not yet flushed


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [
        ("", "ko"),
        ("*", "ko"),
        ("xx;q=abc", "ko"),
        (",,;;", "ko"),
        ("en;q=2,ko;q=-1", "en"),
        ("en;q=nan,ko;q=0.5", "ko"),
        ("en;q=inf,ko;q=0.5", "ko"),
        ("en;q=1e3,ko;q=0.5", "ko"),
        ("en;q=" + "9" * 5000 + ",ko;q=0.5", "ko"),
    ],
)
async def test_root_with_garbage_accept_language(
    client: TestClient, accept_language: str, lang: str
) -> None:
    resp = await client.get(
        "/", headers={"Accept-Language": accept_language}, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"] == f"/{lang}/"
    assert "Accept-Language" in resp.headers["Vary"]


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("identity", bytes),
        ("GZIP", gzip.compress),
    ],
)
async def test_encoded_bodies_are_decoded(
    client: TestClient, editor_token: str, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    """What the server decodes itself (aiohttp's own decoding is off): gzip and deflate."""
    resp = await client.post(
        "/api/v1/articles",
        data=encode(article(slug="packed")),
        headers={
            **bearer(editor_token),
            "Content-Type": "application/json",
            "Content-Encoding": coding,
        },
    )
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["slug"] == "packed"

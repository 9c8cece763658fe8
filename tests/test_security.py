"""Response hardening, token handling and the limits on large, slow and stalled clients."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from conftest import bearer, create

from newsfeed.settings import Settings
from newsfeed.web import security
from newsfeed.web.app import create_app
from newsfeed.web.keys import access_log_key, body_timeout_key

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def assert_hardened(headers: Any) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == security.REFERRER_POLICY


@pytest.mark.parametrize(
    ("path", "status"),
    [("/ko/", 200), ("/en/", 200), ("/ko/articles/424242", 404), ("/en/search?q=x", 200)],
)
async def test_html_carries_a_strict_csp(client: TestClient, path: str, status: int) -> None:
    resp = await client.get(path)
    assert resp.status == status
    assert resp.content_type == "text/html"
    assert resp.headers["Content-Security-Policy"] == CSP
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert_hardened(resp.headers)
    assert "<script" not in await resp.text()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/articles", 200),
        ("GET", "/api/v1/articles/424242", 404),
        ("DELETE", "/api/v1/articles", 405),
        ("GET", "/nowhere/at/all", 404),
        ("GET", "/ko/feed.rss", 200),
        ("GET", "/metrics", 200),
        ("GET", "/", 303),
    ],
)
async def test_every_response_says_nosniff(
    client: TestClient, method: str, path: str, status: int
) -> None:
    resp = await client.request(method, path, allow_redirects=False)
    assert resp.status == status
    assert_hardened(resp.headers)
    assert resp.headers["X-Request-ID"]
    if resp.content_type != "text/html":
        assert "Content-Security-Policy" not in resp.headers


@pytest.mark.sqlite_only
async def test_tokens_are_stored_hashed_and_never_logged(
    client: TestClient, editor_token: str, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    article = await create(client, editor_token)
    resp = await client.get(
        f"/api/v1/articles/{article['id']}?token={editor_token}", headers=bearer(editor_token)
    )
    assert resp.status == 200
    resp = await client.post("/api/v1/articles", json={}, headers=bearer(editor_token + "x"))
    assert resp.status == 401
    await client.server.app[access_log_key].flush()
    logged = capsys.readouterr().err
    assert f"/api/v1/articles/{article['id']}" in logged
    assert editor_token not in logged and "Bearer" not in logged
    conn = sqlite3.connect(settings.db_path)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert editor_token not in dump and editor_token.removeprefix("nf_") not in dump


async def test_header_over_the_limit_is_refused_and_the_server_goes_on(
    client: TestClient,
) -> None:
    too_long = "a" * (security.HANDLER_ARGS["max_field_size"] + 10)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {too_long}\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] in (b"400", b"431")
    resp = await client.get("/healthz")
    assert resp.status == 200


async def test_stalled_body_is_cut_off_while_others_are_answered(
    aiohttp_client: Callable[..., Any], settings: Settings, editor_token: str
) -> None:
    app = create_app(settings)
    app[body_timeout_key] = 0.3
    client: TestClient = await aiohttp_client(TestServer(app))
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        (
            "POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {editor_token}\r\nContent-Length: 1000\r\n\r\n"
            '{"category": "news", '
        ).encode()
    )
    await writer.drain()
    # Meanwhile the server answers others.
    for _ in range(3):
        resp = await client.get("/healthz")
        assert resp.status == 200
    response = await asyncio.wait_for(reader.read(), timeout=10)  # read() = until closed
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"Connection: close" in head
    assert b"application/problem+json" in head
    assert b'"status":408' in body.replace(b" ", b"")
    resp = await client.get("/api/v1/articles")
    assert (await resp.json())["items"] == []


async def test_the_document_lists_408_for_every_body(client: TestClient) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    with_body = set()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                with_body.add((method, path))
                assert "408" in operation["responses"], (method, path)
    assert with_body == {  # the loop above checked every write that reads a body
        ("post", "/api/v1/articles"),
        ("patch", "/api/v1/articles/{id}"),
        ("put", "/api/v1/articles/{id}/translations/{lang}"),
        ("post", "/api/v1/articles/{id}/translations/{lang}/confirm"),
    }

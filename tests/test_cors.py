"""CORS: the feeds, archives and public API reads are open to any origin; writes, the
desk and the hub to none."""

from __future__ import annotations

import pytest
from conftest import bearer, create, sample_article

ORIGIN = {"Origin": "https://partner.example"}
PUBLIC_READS = [
    "/ko/feed.rss",
    "/en/feed.atom?category=news",
    "/en/feed.json",
    "/en/archive/2020-09.atom",
    "/api/v1/articles",
    "/api/v1/articles/{id}",
    "/api/v1/articles/{id}/translations/en",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("path", PUBLIC_READS)
async def test_public_reads_are_open_to_any_origin(client, editor_token, path):
    made = await create(client, editor_token)
    path = path.format(id=made["id"])
    resp = await client.get(path, headers=ORIGIN)
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"]
    etag = resp.headers.get("ETag")
    if etag:  # a 304 is readable too (where the route answers one)
        again = await client.get(path, headers={**ORIGIN, "If-None-Match": etag})
        assert again.status in (200, 304) if "/translations/" in path else again.status == 304
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    preflight = await client.options(
        path,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers


async def test_writes_desk_and_hub_allow_no_origin(client, editor_token):
    made = await create(client, editor_token)
    writes = [
        ("POST", "/api/v1/articles"),
        ("PATCH", f"/api/v1/articles/{made['id']}"),
        ("DELETE", f"/api/v1/articles/{made['id']}"),
        ("PUT", f"/api/v1/articles/{made['id']}/translations/en"),
        ("POST", f"/api/v1/articles/{made['id']}/hits"),
        ("POST", "/websub"),
        ("POST", f"/api/v1/articles/{made['id']}/translations/en/confirm"),
        ("POST", "/desk/login"),
        ("GET", "/desk/"),
    ]
    for method, path in writes:
        preflight = await client.options(
            path,
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status >= 400, (method, path)
        assert not any(h.startswith("Access-Control-") for h in preflight.headers), (method, path)
    # the answers themselves name no origin either
    resp = await client.post(
        "/api/v1/articles", json=sample_article(), headers={**ORIGIN, **bearer(editor_token)}
    )
    assert resp.status == 201 and "Access-Control-Allow-Origin" not in resp.headers
    resp = await client.post("/websub", data={"hub.mode": "x"}, headers=ORIGIN)
    assert resp.status == 400 and "Access-Control-Allow-Origin" not in resp.headers
    resp = await client.post(f"/api/v1/articles/{made['id']}/hits", headers=ORIGIN)
    assert "Access-Control-Allow-Origin" not in resp.headers
    for path in ("/ko/", f"/ko/articles/{made['id']}", "/desk/", "/metrics", "/healthz"):
        resp = await client.get(path, headers=ORIGIN, allow_redirects=False)
        assert "Access-Control-Allow-Origin" not in resp.headers, path

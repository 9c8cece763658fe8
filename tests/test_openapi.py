"""The OpenAPI document stays true to the routes the app really serves."""

from __future__ import annotations

import json
import re

from newsfeed.web.app import create_app


def app_api_routes(settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if path.startswith("/api/") and route.method != "HEAD":
            found.add((route.method.lower(), path))
    return found


async def test_document_lists_exactly_the_served_api_routes(client, settings):
    resp = await client.get("/api/v1/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    documented = {
        (method, path)
        for path, item in doc["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == app_api_routes(settings)


async def test_every_reference_resolves_and_every_operation_is_described(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    text = (await client.get("/api/v1/openapi.json")).headers["Content-Type"]
    assert text.startswith("application/json")
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(doc))
    assert refs  # the loop below has something to resolve
    for ref in refs:
        node = doc
        for part in ref.split("/"):
            node = node[part]
    ids = []
    for item in doc["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            ids.append(op["operationId"])
            assert op["summary"]
            assert op["responses"]
    assert len(ids) == len(set(ids))


async def test_languages_and_server_come_from_settings(client, settings):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert doc["servers"] == [{"url": settings.base_url}]
    assert doc["components"]["parameters"]["lang"]["schema"]["enum"] == list(settings.langs)


async def test_write_operations_document_their_errors(client):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    post = doc["paths"]["/api/v1/articles"]["post"]
    assert {"201", "400", "401", "403", "409", "413", "415", "422"} <= set(post["responses"])
    assert post["security"] == [{"bearer": []}]
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]


async def test_every_problem_type_answered_is_one_the_document_describes(
    client, editor_token, translator_token
):
    doc = await (await client.get("/api/v1/openapi.json")).json()
    described = doc["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    assert "about:blank" in described
    for name in described:
        assert name == "about:blank" or "/problems/" in name
    auth = {"Authorization": f"Bearer {editor_token}"}
    answers = [
        await client.get("/api/v1/articles?limit=0"),
        await client.get("/api/v1/articles/999"),
        await client.post("/api/v1/articles", json={}),
        await client.post("/api/v1/articles", json={}, headers=auth),
        await client.post(
            "/api/v1/articles", json={}, headers={"Authorization": f"Bearer {translator_token}"}
        ),
        await client.post("/api/v1/articles", data=b"x", headers=auth),
        await client.put("/api/v1/articles", json={}),
        await client.get("/api/v1/nothing"),
    ]
    statuses = set()
    for resp in answers:
        assert resp.content_type == "application/problem+json"
        body = await resp.json(content_type=None)
        assert body["type"] in described, body
        statuses.add(resp.status)
    assert statuses == {400, 401, 403, 404, 405, 415, 422}

"""Property-based fuzzing of /api/v1 from its own OpenAPI document, against a real server.

schemathesis generates requests for every documented operation (valid and invalid
bodies, parameters and headers), sends them as an editor, and checks each response: no
5xx, a documented status code, the documented content type, headers and body schema.
A fixed seed (derandomize) and a bounded number of examples keep it repeatable and fast.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from conftest import add_editor, bearer, free_port, sample_article, settings_for
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from newsfeed import auth
from newsfeed.settings import Settings
from newsfeed.web import openapi

EXAMPLES = 60  # per operation and mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A `newsfeed serve` process with one article; (base URL, editor token)."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    token = add_editor(settings_for(path), "fuzzer", auth.Role.EDITOR)
    port = free_port()
    env = {
        **os.environ,
        "NEWSFEED_DB": str(path),
        "NEWSFEED_HOST": "127.0.0.1",
        "NEWSFEED_PORT": str(port),
        "NEWSFEED_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "the server exited while starting"
            try:
                if _request(url + "/healthz") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        body = json.dumps(sample_article(slug="fuzzed")).encode()
        headers = {"Content-Type": "application/json", **bearer(token)}
        assert _request(url + "/api/v1/articles", body, headers) == 201
        yield url, token
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def api_schema(served: tuple[str, str]) -> schemathesis.BaseSchema:
    url, _ = served
    return schemathesis.openapi.from_url(url + "/api/v1/openapi.json")


# The operations, listed from the same document the server serves (for test ids only):
# valid requests; invalid ones where there are parameters or a body to get wrong; and
# valid requests aimed at the seeded article, which random ids almost never find.
DOCUMENT = openapi.document(Settings.from_env({}))
OPERATIONS = [
    (method.upper(), path, mode)
    for path, item in DOCUMENT["paths"].items()
    for method, op in item.items()
    if method in ("get", "post", "put", "patch", "delete")
    for mode in ("positive", "negative", "existing")
    if mode == "positive"
    or (mode == "negative" and (op.get("parameters") or op.get("requestBody")))
    or (mode == "existing" and "{id}" in path and method != "delete")
]


def _create(url: str, token: str) -> int:
    body = json.dumps(sample_article()).encode()
    headers = {"Content-Type": "application/json", **bearer(token)}
    req = urllib.request.Request(url + "/api/v1/articles", data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 201
        return json.load(resp)["id"]


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_api_conforms_to_its_document(
    api_schema: schemathesis.BaseSchema,
    served: tuple[str, str],
    method: str,
    path: str,
    mode: str,
) -> None:
    url, token = served
    operation = api_schema[path][method]

    generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
    fixed = None
    if mode == "existing":  # a fresh article each time: other runs may delete or hide one
        fixed = {"id": _create(url, token)} | ({"lang": "en"} if "{lang}" in path else {})
    strategy = operation.as_strategy(generation_mode=generation, path_parameters=fixed)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=url, headers=bearer(token), checks=CHECKS)

    check()

"""Property: no request a client can send gets a 5xx, an error that is not problem+json
(under `/{lang}/`: a localized HTML page), or changes the database without a valid token.

Hypothesis generates, for every route of the app's router, raw bodies (bytes, JSON-ish
documents, compressed or not, with repeated names, lone surrogates and huge numbers),
headers (Content-Type, Content-Encoding, If-Match, If-None-Match, Authorization,
Accept-Language, ...) and query strings, and sends them with `http.client` (byte-exact,
no client-side fixing) to a real `newsfeed serve` process. The seeded articles are a
published one (so boards and feeds have content) and a draft; path ids never name the
published one, since its page and hit counter would change the database by design.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import add_editor, free_port, revoke_editor, sample_article, settings_for, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed import auth
from newsfeed.settings import Settings
from newsfeed.web.app import create_app

EXAMPLES = 80  # per route: about 12 s for the whole file
LANGS = ("ko", "en")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Served:
    def __init__(self, port: int, path: Path, draft_id: int, revoked: str) -> None:
        self.port, self.path, self.draft_id, self.revoked = port, path, draft_id, revoked
        self.settings = settings_for(path)
        self.before = snapshot(self.settings)


def _call(port: int, method: str, target: str, body: bytes | None, headers: dict[str, str]):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value.encode("latin-1"))
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = tmp_path_factory.mktemp("any-request") / "any.db"
    token = add_editor(settings_for(path), "seeder", auth.Role.EDITOR)  # migrates it
    revoked = add_editor(settings_for(path), "gone", auth.Role.EDITOR)
    revoke_editor(settings_for(path), "gone")
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
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "the server exited while starting"
            try:
                if _call(port, "GET", "/healthz", None, {})[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        ids = []
        for status in ("published", "draft"):
            body = json.dumps(sample_article(status=status, slug=status)).encode()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            answer = _call(port, "POST", "/api/v1/articles", body, headers)
            assert answer[0] == 201, answer
            ids.append(json.loads(answer[2])["id"])
        revoke_editor(settings_for(path), "seeder")  # from now on, no token can write
        time.sleep(0.6)  # past a hit flush and feed poll: the snapshot is at rest
        yield Served(port, path, ids[1], revoked)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _routes() -> list[tuple[str, str, str]]:
    """(name, method, pattern) of every route the app has."""
    app = create_app(Settings.from_env({"NEWSFEED_LANGS": ",".join(LANGS)}))
    found = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue  # every GET route has one; HEAD is among the generated methods
        info = route.resource.get_info() if route.resource is not None else {}
        pattern = info.get("formatter") or info.get("path") or "/"
        found.append((route.name or pattern, route.method, pattern))
    return found


ROUTES = _routes()

# --- strategies ---------------------------------------------------------------------

header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
).map(str.strip)
weird_text = st.text(max_size=30)  # any code point, lone surrogates included


def _segment(known: list[str]) -> st.SearchStrategy[str]:
    """A path segment, percent-encoded as a client would send it, or a raw trick."""
    return st.one_of(
        st.sampled_from(known),
        weird_text.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
        st.sampled_from(["%", "%zz", "%ED%A0%80", "%00", "..", "%2e%2e", "%2F", "%0A"]),
    )


def _path(pattern: str, served: Served) -> st.SearchStrategy[str]:
    ids = [str(served.draft_id), "424242", "0", "-1", "1e3", "9" * 30, f"{served.draft_id}%0A"]
    parts: dict[str, st.SearchStrategy[str]] = {
        "lang": _segment([*LANGS, "xx", "KO", "ko%0A"]),
        "id": _segment(ids),
        "name": _segment(["site.css", "favicon.svg", "nope.css"]),
        "unmatched": st.lists(_segment(["api", "v1", "ko", "static", "x"]), max_size=4).map(
            "/".join
        ),
    }
    pieces = re.split(r"\{(\w+)(?::[^}]*)?\}", pattern)
    strategies = [
        st.just(piece) if i % 2 == 0 else parts.get(piece, _segment(["x"]))
        for i, piece in enumerate(pieces)
    ]
    return st.tuples(*strategies).map("".join)


query_pair = st.tuples(
    st.sampled_from(["page", "category", "lang", "limit", "cursor", "q", "v", "x"]),
    st.one_of(
        st.sampled_from(["1", "0", "-1", "news", "NEWS", "news\n", "ko", "2.5", "1e3", ""]),
        weird_text,
    ),
)
query = st.one_of(
    st.lists(query_pair, max_size=4).map(
        lambda pairs: "&".join(
            f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in pairs
        )
    ),
    st.sampled_from(["%", "%zz", "&&=", "=", "page=%ff", "q=%ED%A0%80", "a=1&a=2"]),
)

json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | weird_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(weird_text, children, max_size=4)
    ),
    max_leaves=12,
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: surrogates travel as \ud800 escapes


body = st.one_of(
    st.none(),
    st.binary(max_size=300),
    json_value.map(_json_bytes),
    st.fixed_dictionaries(
        {"category": st.sampled_from(["news", "news\n", 5]), "translations": json_value}
    ).map(_json_bytes),
    st.sampled_from(
        [
            b'{"status": "draft", "status": "published"}',
            b'{"\\ud800": 1}',
            b'{"title": 1' + b"0" * 5000 + b"}",
            b'{"title": 1e999999}',
            b"[" * 5000,
            b'{"title": "x"',
            b'{"title": "\xff"}',
            gzip.compress(b" " * (2 * 1024 * 1024)),
        ]
    ),
)
compress = st.sampled_from(["none", "gzip", "deflate"])

headers = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.one_of(
            st.sampled_from(
                [
                    "application/json",
                    "application/json; charset=utf-8",
                    "application/json; charset=latin-1",
                    "application/merge-patch+json",
                    "text/plain",
                    "multipart/form-data; boundary=x",
                    "application/x-www-form-urlencoded",
                ]
            ),
            header_text,
        ),
        "Content-Encoding": st.one_of(
            st.sampled_from(["gzip", "x-gzip", "deflate", "br", "zstd", "foo", "identity"]),
            header_text,
        ),
        "If-Match": st.one_of(st.sampled_from(["*", '"1.1"', 'W/"2.1"', '"x", "y"']), header_text),
        "If-None-Match": st.one_of(st.sampled_from(["*", '"1.1"', "W/"]), header_text),
        "If-Modified-Since": st.one_of(
            st.sampled_from(["Mon, 01 Jan 0000 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"]),
            header_text,
        ),
        "Authorization": st.one_of(
            st.sampled_from(["Bearer", "Bearer nf_x", "Basic Zm9vOmJhcg==", "Bearer a b"]),
            header_text.map(lambda t: "Bearer nf_" + t),
            header_text,
        ),
        "Accept-Language": st.one_of(
            st.sampled_from(["ko;q=nan,en;q=1e3", "*", "en-US,en;q=0.9"]), header_text
        ),
        "Accept-Encoding": st.one_of(st.sampled_from(["gzip;q=nan", "br, gzip"]), header_text),
        "Accept": header_text,
        "X-Request-ID": header_text,
        "Expect": st.sampled_from(["100-continue", "nonsense"]),
    },
)


def _compressed(raw: bytes | None, how: str, sent: dict[str, str]) -> bytes | None:
    """Actually compress the body when the generated Content-Encoding says so, sometimes."""
    if raw is None or how == "none":
        return raw
    sent["Content-Encoding"] = how
    return gzip.compress(raw) if how == "gzip" else zlib.compress(raw)


def _is_page(target: str) -> bool:
    """Errors under /{lang}/ are localized HTML pages (middleware._wants_html), and so
    are the editor's desk's, under /desk/ (its own section page)."""
    segments = target.split("?", 1)[0].split("/")
    return len(segments) > 2 and segments[1] in LANGS or segments[1] == "desk"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("name", "method", "pattern"), ROUTES, ids=[r[0] for r in ROUTES])
def test_any_request_gets_a_proper_answer(
    served: Served, name: str, method: str, pattern: str
) -> None:
    @given(
        path=_path(pattern, served),
        query=query,
        body=body,
        how=compress,
        sent=headers,
        chosen=st.sampled_from(METHODS),
        revoked=st.booleans(),
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # repeatable in CI; raise EXAMPLES locally to explore
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(
        path: str,
        query: str,
        body: bytes | None,
        how: str,
        sent: dict[str, str],
        chosen: str,
        revoked: bool,
    ) -> None:
        verb = chosen if method == "*" else method
        if revoked:
            sent["Authorization"] = f"Bearer {served.revoked}"
        target = path + (f"?{query}" if query else "")
        payload = _compressed(body, how, sent)
        status, media, content = _call(served.port, verb, target, payload, sent)
        where = f"{verb} {target} {sent} {payload!r:.200}"
        assert status < 500, f"{where} -> {status} {content[:300]!r}"
        if status >= 400:
            kind = media.split(";")[0].strip()
            if _is_page(target) and kind == "text/html":
                assert verb == "HEAD" or b"<html" in content, where
            else:
                assert kind == "application/problem+json", f"{where} -> {status} {media}"
                if verb != "HEAD":
                    problem = json.loads(content)
                    assert problem["status"] == status and problem["title"], where
        assert snapshot(served.settings) == served.before, where

    check()

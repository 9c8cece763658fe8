"""The editor's desk: logging in, sessions, form tokens, the login limit, languages,
headers and error pages. HTTP level, forms found in the HTML and sent as a browser
sends them, on both stores."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from http.cookies import SimpleCookie
from ipaddress import ip_network
from typing import Any
from urllib.parse import urlencode

import lxml.html
import pytest
from aiohttp.test_utils import TestClient
from conftest import add_editor, create, revoke_editor, snapshot, with_store
from deskforms import form, log_in, page, submit, text_of

from newsfeed import auth
from newsfeed.web.app import create_app
from newsfeed.web.desk import ratelimit, session

DESK_PAGES = (
    "/desk/",
    "/desk/articles/new",
    "/desk/articles/1",
    "/desk/articles/1/texts/en",
    "/desk/articles/1/delete",
    "/desk/articles/1/preview/ko",
)


def set_cookie(resp: Any, name: str) -> Any:
    for header in resp.headers.getall("Set-Cookie", []):
        cookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie[name]
    return None


# --- logging in ----------------------------------------------------------------------


async def test_login_form_has_a_labelled_token_field(client: TestClient) -> None:
    html = await page(client, "/desk/login")
    login = form(html, "/desk/login")
    assert login.method == "post" and "token" in dict(login.fields)
    doc = lxml.html.fromstring(html)
    field = doc.get_element_by_id("f-token")
    assert doc.xpath("//label[@for='f-token']")
    assert field.get("type") == "password"
    assert doc.get("lang") == "ko"


async def test_valid_token_logs_in_with_a_strict_cookie(client: TestClient, editor_token: str):
    login = form(await page(client, "/desk/login"), "/desk/login")
    resp = await submit(client, login, token=editor_token)
    assert resp.status == 303 and resp.headers["Location"] == "/desk/"
    cookie = set_cookie(resp, session.COOKIE)
    assert cookie is not None
    assert cookie["httponly"] and cookie["path"] == "/desk"
    assert cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # the base URL is http here
    assert editor_token not in cookie.value and editor_token not in str(resp.headers)
    assert "editor" in await page(client, "/desk/")


async def test_cookie_is_secure_behind_https(
    aiohttp_client: Callable[..., Any], settings: Any, editor_token: str
) -> None:
    https = dataclasses.replace(settings, base_url="https://news.example")
    client = await aiohttp_client(create_app(https))
    resp = await client.post("/desk/login", data={"token": editor_token}, allow_redirects=False)
    assert resp.status == 303
    assert set_cookie(resp, session.COOKIE)["secure"]


async def test_the_session_id_is_stored_only_as_a_hash(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    resp = await client.post("/desk/login", data={"token": editor_token}, allow_redirects=False)
    session_id = set_cookie(resp, session.COOKIE).value

    async def rows(store: Any) -> Any:
        return await store.session(session._hash(session_id), 0)

    found = with_store(settings, rows)
    assert found is not None and found[0].name == "editor"
    assert with_store(settings, lambda store: store.session(session_id, 0)) is None


@pytest.mark.parametrize("token", ["", "nf_wrong", "x" * 500, "nf_" + "a" * 43])
async def test_wrong_token_is_401_with_the_form_again(
    client: TestClient, editor_token: str, token: str
) -> None:
    login = form(await page(client, "/desk/login"), "/desk/login")
    resp = await submit(client, login, token=token)
    assert resp.status == 401
    html = await resp.text()
    assert "token" in dict(form(html, "/desk/login").fields)
    assert text_of(html, "//div[@class='error-summary']//a/@href") == ["#f-token"]
    assert set_cookie(resp, session.COOKIE) is None
    assert (await client.get("/desk/", allow_redirects=False)).status == 303


@pytest.mark.parametrize("path", DESK_PAGES)
async def test_pages_without_a_session_go_to_the_login(client: TestClient, path: str) -> None:
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/desk/login")


async def test_forms_without_a_session_go_to_the_login_and_change_nothing(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    before = snapshot(settings)
    for path in ("/desk/articles/1", "/desk/articles/1/delete", "/desk/articles/1/texts/en"):
        resp = await client.post(path, data={"title": "x", "version": '"1.1"'})
        assert resp.status == 200  # followed to the login form
        assert str(resp.url.path) == "/desk/login"
        assert resp.url.query["next"] == path
    assert snapshot(settings) == before


async def test_after_login_the_editor_comes_back_to_the_page(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    resp = await client.get("/desk/articles/1/texts/en?x=1", allow_redirects=False)
    login_path = resp.headers["Location"]
    login = form(await page(client, login_path), "/desk/login")
    resp = await submit(client, login, token=editor_token)
    assert resp.status == 303 and resp.headers["Location"] == "/desk/articles/1/texts/en?x=1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/ko/", "/desk//x"])
async def test_login_never_sends_the_editor_off_the_desk(
    client: TestClient, editor_token: str, target: str
) -> None:
    resp = await client.post(
        "/desk/login", data={"token": editor_token, "next": target}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == "/desk/"


async def test_login_from_another_site_is_refused(client: TestClient, editor_token: str) -> None:
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        resp = await client.post(
            "/desk/login", data={"token": editor_token}, headers=headers, allow_redirects=False
        )
        assert resp.status == 403
        assert set_cookie(resp, session.COOKIE) is None
    own = f"http://{client.host}:{client.port}"
    resp = await client.post(
        "/desk/login", data={"token": editor_token}, headers={"Origin": own}, allow_redirects=False
    )
    assert resp.status == 303


async def test_logout_ends_the_session(client: TestClient, editor_token: str) -> None:
    await log_in(client, editor_token)
    board = await page(client, "/desk/")
    stolen = client.session.cookie_jar.filter_cookies(client.make_url("/desk/"))[session.COOKIE]
    resp = await submit(client, form(board, "/desk/logout"))
    assert resp.status == 303 and resp.headers["Location"].startswith("/desk/login")
    assert (await client.get("/desk/", allow_redirects=False)).status == 303
    # the old cookie, kept by someone, opens nothing either
    resp = await client.get(
        "/desk/", headers={"Cookie": f"{session.COOKIE}={stolen.value}"}, allow_redirects=False
    )
    assert resp.status == 303


async def test_logout_needs_the_form_token(client: TestClient, editor_token: str) -> None:
    await log_in(client, editor_token)
    resp = await client.post("/desk/logout", data={}, allow_redirects=False)
    assert resp.status == 403
    assert (await client.get("/desk/", allow_redirects=False)).status == 200


# --- sessions end --------------------------------------------------------------------


URLENCODED = "application/x-www-form-urlencoded"
HOUR_US = 3600 * 1_000_000


async def test_sessions_end_after_12_idle_hours(
    client: TestClient, editor_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = session.now_us
    await log_in(client, editor_token)
    start = real()
    for hours in (11, 22, 33):  # each use within 12 hours of the last keeps it going
        monkeypatch.setattr(session, "now_us", lambda h=hours: start + h * HOUR_US)
        assert (await client.get("/desk/", allow_redirects=False)).status == 200, hours
    monkeypatch.setattr(session, "now_us", lambda: start + 45 * HOUR_US + 1)
    resp = await client.get("/desk/articles/new", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/desk/login?next=/desk/articles/new"


async def test_revoking_the_editor_ends_the_session(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await log_in(client, editor_token)
    assert (await client.get("/desk/", allow_redirects=False)).status == 200
    assert revoke_editor(settings, "editor")
    assert (await client.get("/desk/", allow_redirects=False)).status == 303
    login = form(await page(client, "/desk/login"), "/desk/login")
    assert (await submit(client, login, token=editor_token)).status == 401


async def test_rotating_the_token_ends_the_session(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await log_in(client, editor_token)
    new = with_store(settings, lambda store: auth.rotate_editor(store, "editor"))
    assert new is not None
    assert (await client.get("/desk/", allow_redirects=False)).status == 303
    login = form(await page(client, "/desk/login"), "/desk/login")
    assert (await submit(client, login, token=editor_token)).status == 401
    await log_in(client, new)
    assert (await client.get("/desk/", allow_redirects=False)).status == 200


async def test_other_editors_sessions_go_on(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    other = add_editor(settings, "other")
    await log_in(client, other)
    assert revoke_editor(settings, "editor")
    assert (await client.get("/desk/", allow_redirects=False)).status == 200


# --- form tokens (CSRF) --------------------------------------------------------------


async def _settings_form(client: TestClient) -> Any:
    return form(await page(client, "/desk/articles/1"), "/desk/articles/1")


@pytest.mark.parametrize("token", [None, "", "0" * 64, "forged"])
async def test_a_form_without_the_sessions_token_is_403_and_changes_nothing(
    client: TestClient, settings: Any, editor_token: str, token: str | None
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    settings_form = await _settings_form(client)
    text_form = form(await page(client, "/desk/articles/1/texts/en"), "/desk/articles/1/texts/en")
    delete_form = form(await page(client, "/desk/articles/1/delete"), "/desk/articles/1/delete")
    before = snapshot(settings)
    for sent, changes in (
        (settings_form, {"category": "events"}),
        (text_form, {"title": "Changed"}),
        (delete_form, {}),
    ):
        resp = await submit(client, sent, csrf=token, **changes)
        assert resp.status == 403, sent.action
        assert resp.content_type == "text/html"
        assert lxml.html.fromstring(await resp.text()).get("lang") == "ko"
    assert snapshot(settings) == before


async def test_another_sessions_token_is_403(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    foreign = (await _settings_form(client)).value("csrf")
    client.session.cookie_jar.clear()  # another browser
    await log_in(client, add_editor(settings, "second"))
    mine = await _settings_form(client)
    assert mine.value("csrf") != foreign
    before = snapshot(settings)
    resp = await submit(client, mine, csrf=foreign, category="events")
    assert resp.status == 403
    assert snapshot(settings) == before
    resp = await submit(client, mine, category="events")
    assert resp.status == 303


# --- the login limit -----------------------------------------------------------------


async def test_login_attempts_are_limited_per_address(
    client: TestClient, editor_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(ratelimit, "monotonic", lambda: clock[0])
    for _ in range(10):
        resp = await client.post("/desk/login", data={"token": "nf_guess"})
        assert resp.status == 401
    resp = await client.post("/desk/login", data={"token": editor_token}, allow_redirects=False)
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "token" in dict(form(await resp.text(), "/desk/login").fields)
    assert set_cookie(resp, session.COOKIE) is None
    clock[0] += 61  # a minute later the real editor gets in
    resp = await client.post("/desk/login", data={"token": editor_token}, allow_redirects=False)
    assert resp.status == 303


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    aiohttp_client: Callable[..., Any], settings: Any, editor_token: str
) -> None:
    proxied = dataclasses.replace(settings, trusted_proxies=(ip_network("127.0.0.0/8"),))
    client = await aiohttp_client(create_app(proxied))
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(10):
        resp = await client.post("/desk/login", data={"token": "nf_x"}, headers=guesser)
        assert resp.status == 401
    resp = await client.post("/desk/login", data={"token": "nf_x"}, headers=guesser)
    assert resp.status == 429
    editor = {"X-Forwarded-For": "198.51.100.2"}
    resp = await client.post(
        "/desk/login", data={"token": editor_token}, headers=editor, allow_redirects=False
    )
    assert resp.status == 303


def test_the_limiter_forgets_old_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(ratelimit, "monotonic", lambda: clock[0])
    limiter = ratelimit.LoginLimiter(limit=2, window=60, max_clients=3)
    for address in ("a", "b", "c", "d"):
        assert limiter.attempt(address) is None
    assert len(limiter._seen) == 3
    assert limiter.attempt("d") is None and limiter.attempt("d") == 60.0


# --- languages, headers, errors ------------------------------------------------------


async def test_language_from_accept_language_and_switchable(
    client: TestClient, editor_token: str
) -> None:
    await log_in(client, editor_token)
    html = await page(client, "/desk/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert lxml.html.fromstring(html).get("lang") == "en"
    assert "Status board" in html
    html = await page(client, "/desk/")
    assert lxml.html.fromstring(html).get("lang") == "ko"
    switch = text_of(html, "//nav[@class='langs']/a/@href")
    assert switch == ["/desk/?lang=en"]
    resp = await client.get(switch[0])
    assert resp.headers["Content-Language"] == "en"
    # remembered for the next pages, whatever the browser asks for
    html = await page(client, "/desk/articles/new", headers={"Accept-Language": "ko"})
    assert lxml.html.fromstring(html).get("lang") == "en"
    assert "New article" in html


async def test_desk_pages_are_private_strict_and_not_shared(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    for path in (*DESK_PAGES, "/desk/login", "/desk/nowhere"):
        resp = await client.get(path, headers={"Origin": "https://partner.example"})
        html = await resp.text()
        assert resp.headers["Cache-Control"] == "no-store", path
        assert "noindex" in resp.headers["X-Robots-Tag"]
        assert "script-src" not in resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        assert not any(h.lower().startswith("access-control-") for h in resp.headers), path
        doc = lxml.html.fromstring(html)
        inline = "//script | //style | //*[@style] | //*[@*[starts-with(name(), 'on')]]"
        assert not doc.xpath(inline), path
    resp = await client.options(
        "/desk/login",
        headers={"Origin": "https://partner.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in resp.headers


async def test_robots_keep_crawlers_out_of_the_desk(client: TestClient) -> None:
    resp = await client.get("/robots.txt")
    if resp.status == 200:  # served once the partner feeds are in
        assert "Disallow: /desk/" in await resp.text()
    html = await page(client, "/desk/login")
    assert text_of(html, "//meta[@name='robots']/@content") == ["noindex, nofollow"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/desk/nowhere", 404),
        ("/desk/articles/999", 404),
        ("/desk/articles/abc", 404),
        ("/desk/articles/1/texts/xx", 404),
        ("/desk/articles/1/preview/xx", 404),
        ("/desk/?lang=xx", 400),
        ("/desk/?state=gone", 400),
        ("/desk/?category=Bad!", 400),
        ("/desk/?after=nonsense", 400),
    ],
)
async def test_bad_addresses_get_localized_desk_pages(
    client: TestClient, editor_token: str, path: str, status: int
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    resp = await client.get(path, headers={"Accept-Language": "en"}, allow_redirects=False)
    assert resp.status == status
    assert resp.content_type == "text/html"
    doc = lxml.html.fromstring(await resp.text())
    assert doc.get("lang") == "en"
    assert doc.xpath("//a[@href='/desk/']")


async def test_bad_requests_change_nothing(
    client: TestClient, settings: Any, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    sent = form(await page(client, "/desk/articles/1/texts/en"), "/desk/articles/1/texts/en")
    csrf, version = sent.value("csrf"), sent.value("version")
    before = snapshot(settings)
    cases = [
        ({"json": {"csrf": csrf, "title": "x", "version": version}}, 415),
        ({"data": {"csrf": csrf, "title": "x"}}, 400),  # no version
        ({"data": {"csrf": csrf, "title": "x", "version": "not-an-etag"}}, 400),
        ({"data": b"csrf=\xff\xfe", "headers": {"Content-Type": URLENCODED}}, 400),
        (
            {
                "data": io.BytesIO(
                    urlencode({"csrf": csrf, "version": version, "title": "x" * 1_100_000}).encode()
                ),
                "headers": {"Content-Type": URLENCODED},
            },
            413,
        ),
    ]
    for kwargs, status in cases:
        resp = await client.post("/desk/articles/1/texts/en", **kwargs)
        assert resp.status == status, (status, (await resp.text())[:500])
        assert resp.content_type == "text/html"
        assert "Problem" not in resp.content_type
    resp = await client.get("/desk/login", allow_redirects=False)
    resp = await client.delete("/desk/articles/1")
    assert resp.status == 405 and resp.content_type == "text/html"
    assert snapshot(settings) == before


async def test_what_was_typed_when_the_session_ended_comes_back_after_login(
    client: TestClient, editor_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    typed = form(await page(client, "/desk/articles/1/texts/en"), "/desk/articles/1/texts/en")
    later = session.now_us() + 13 * HOUR_US
    monkeypatch.setattr(session, "now_us", lambda: later)
    resp = await submit(client, typed, title="Typed while away", body="Long work")
    assert resp.status == 303
    assert resp.headers["Location"] == "/desk/login?next=/desk/articles/1/texts/en"
    resp = await submit(
        client,
        form(await page(client, resp.headers["Location"]), "/desk/login"),
        token=editor_token,
    )
    assert resp.headers["Location"] == "/desk/articles/1/texts/en"
    html = await page(client, "/desk/articles/1/texts/en")
    restored = form(html, "/desk/articles/1/texts/en")
    assert restored.value("title") == "Typed while away"
    assert restored.value("body") == "Long work"
    assert restored.value("version") == typed.value("version")
    assert restored.value("csrf") != typed.value("csrf")
    assert text_of(html, "//main/p[@role='status']")
    # once: the next visit shows the stored text again
    assert (
        form(await page(client, "/desk/articles/1/texts/en"), "/desk/articles/1/texts/en").value(
            "title"
        )
        == "Regenerative medicine pact"
    )
    assert (await submit(client, restored)).status == 303
    resp = await client.get("/api/v1/articles/1")
    assert (await resp.json())["translations"]["en"]["title"] == "Typed while away"


async def test_every_field_has_a_label_and_ids_are_unique(
    client: TestClient, editor_token: str
) -> None:
    await create(client, editor_token)
    await log_in(client, editor_token)
    for path in (*DESK_PAGES[:-1], "/desk/articles/1/texts/ko/delete"):
        doc = lxml.html.fromstring(await page(client, path))
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), path
        labelled = set(doc.xpath("//label/@for"))
        for field in doc.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            assert field.get("id") in labelled, (path, field.get("name"))
        for described in doc.xpath("//@aria-describedby"):
            assert all(doc.xpath(f"//*[@id='{i}']") for i in described.split()), path
        assert len(doc.xpath("//h1")) == 1, path


def test_sessions_in_the_store_follow_the_editors_token(settings: Any) -> None:
    token = add_editor(settings, "ann")

    async def work(store: Any) -> None:
        digest = auth.hash_token(token)
        assert await store.start_session("s1", digest, 1_000)
        assert not await store.start_session("s2", "no-such-hash", 1_000)
        found = await store.session("s1", 0)
        assert found is not None and found[0].name == "ann" and found[1] == 1_000
        assert await store.session("s1", 1_000) is None  # idle since then
        await store.touch_session("s1", 5_000)
        await store.touch_session("s1", 4_000)  # never back
        assert (await store.session("s1", 0))[1] == 5_000
        assert await store.sweep_sessions(4_000) == 0
        assert await auth.rotate_editor(store, "ann") is not None
        assert await store.session("s1", 0) is None
        assert await store.sweep_sessions(0) == 1
        await store.end_session("s1")  # ending an ended session is no error

    with_store(settings, work)

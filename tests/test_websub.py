"""The WebSub hub over HTTP, with a subscriber the test serves on 127.0.0.1: intent
verified by an echoed challenge, deliveries signed and retried (given up after
MAX_ATTEMPTS tries), 410 Gone ending a subscription, subscriptions that survive a restart,
one delivery with two instances, and callbacks kept off private addresses unless allowed."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import ipaddress
import itertools
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import BASE_URL, assert_problem_body, bearer, create, snapshot
from lxml import etree

from newsfeed.feeds.websub import MAX_ATTEMPTS, MAX_DELAY_FACTOR
from newsfeed.model import to_us, utcnow
from newsfeed.settings import Settings
from newsfeed.web import callbacks
from newsfeed.web.app import create_app
from newsfeed.web.keys import store_key

ATOM = "{http://www.w3.org/2005/Atom}"
TOPIC = f"{BASE_URL}/en/feed.atom"
WAIT = 5.0  # seconds the contract allows from a change to its delivery


class Subscriber:
    """A callback: echoes challenges (unless told not to) and keeps what it receives."""

    def __init__(self) -> None:
        self.url = ""
        self.verifications: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.deliveries: asyncio.Queue[tuple[bytes, Any]] = asyncio.Queue()
        self.echo = True
        self.failures = 0  # answer this many deliveries `failure_status`
        self.failure_status = 500
        self.slowness = 0.0  # seconds before answering a delivery
        self.requests = 0
        self.posts: list[float] = []  # when each delivery arrived (time.time())

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.method == "POST":
            self.posts.append(time.time())
        if request.method == "GET":
            query = dict(request.query)
            await self.verifications.put(query)
            if not self.echo:
                return web.Response(status=404)
            return web.Response(text=query.get("hub.challenge", ""))
        body = await request.read()
        await asyncio.sleep(self.slowness)
        if self.failures:
            self.failures -= 1
            await self.deliveries.put((body, None))
            return web.Response(status=self.failure_status)
        await self.deliveries.put((body, request.headers))
        return web.Response(status=204)

    async def verification(self) -> dict[str, str]:
        return await asyncio.wait_for(self.verifications.get(), WAIT)

    async def delivery(self, within: float = WAIT) -> tuple[bytes, Any]:
        return await asyncio.wait_for(self.deliveries.get(), within)

    async def nothing(self, within: float = 1.5) -> None:
        with pytest.raises(TimeoutError):
            got = await asyncio.wait_for(self.deliveries.get(), within)
            raise AssertionError(f"unexpected delivery: {got!r:.200}")


@pytest.fixture
async def subscriber(aiohttp_server: Any) -> Subscriber:
    sub = Subscriber()
    app = web.Application()
    app.router.add_route("*", "/cb", sub.handle)
    server = await aiohttp_server(app)
    sub.url = str(server.make_url("/cb"))
    return sub


@pytest.fixture
async def other_subscriber(aiohttp_server: Any) -> Subscriber:
    sub = Subscriber()
    app = web.Application()
    app.router.add_route("*", "/cb", sub.handle)
    sub.url = str((await aiohttp_server(app)).make_url("/cb"))
    return sub


@pytest.fixture
def hub_settings(settings: Settings) -> Settings:
    """The suite's settings, with callbacks on 127.0.0.1 allowed and fast retries."""
    return dataclasses.replace(settings, websub_allow_private=True, websub_retry_delay=0.2)


@pytest.fixture
async def hub_client(aiohttp_client: Any, hub_settings: Settings) -> TestClient:
    return await aiohttp_client(create_app(hub_settings))


async def ask(client: TestClient, mode: str = "subscribe", **fields: str) -> Any:
    form = {"hub.mode": mode, "hub.topic": TOPIC, **fields}
    return await client.post("/websub", data=form)


async def subscribe(client: TestClient, sub: Subscriber, **fields: str) -> dict[str, str]:
    """Subscribe `sub` and wait until the hub has recorded it."""
    resp = await ask(client, "subscribe", **{"hub.callback": sub.url, **fields})
    assert resp.status == 202, await resp.text()
    query = await sub.verification()
    topic = fields.get("hub.topic", TOPIC)
    store = client.app[store_key]
    for _ in range(100):
        if await store.hub.active(topic, sub.url, to_us(utcnow())):
            return query
        await asyncio.sleep(0.02)
    raise AssertionError("the verified subscription was not recorded")


async def test_subscribe_verify_publish_deliver_signed(hub_client, subscriber, editor_token):
    query = await subscribe(
        hub_client, subscriber, **{"hub.secret": "s3cret", "hub.lease_seconds": "3600"}
    )
    assert query["hub.mode"] == "subscribe"
    assert query["hub.topic"] == TOPIC
    assert query["hub.lease_seconds"] == "3600"
    assert len(query["hub.challenge"]) >= 16
    made = await create(hub_client, editor_token)
    body, headers = await subscriber.delivery()
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] == f"sha256={expected}"
    links = headers.getall("Link")
    assert any(f'<{BASE_URL}/websub>; rel="hub"' in link for link in links)
    assert any(f'<{TOPIC}>; rel="self"' in link for link in links)
    # the full new document, as the feed serves it
    feed = await hub_client.get("/en/feed.atom", headers={"Accept-Encoding": "identity"})
    assert body == await feed.read()
    ids = [e.findtext(f"{ATOM}id") for e in etree.fromstring(body).findall(f"{ATOM}entry")]
    assert ids == [f"tag:news.example,2026:article/{made['id']}/en"]
    # a change elsewhere (a Korean text) leaves the English feed and its subscriber alone
    resp = await hub_client.put(
        f"/api/v1/articles/{made['id']}/translations/ko",
        json={"title": "수정", "body": "본문"},
        headers=bearer(editor_token),
    )
    assert resp.status == 200
    await subscriber.nothing()


async def test_defaults_and_limits_of_the_lease_and_no_signature_without_secret(
    hub_client, subscriber, editor_token
):
    query = await subscribe(hub_client, subscriber)
    assert query["hub.lease_seconds"] == str(10 * 86400)
    query = await subscribe(hub_client, subscriber, **{"hub.lease_seconds": "99999999"})
    assert query["hub.lease_seconds"] == str(30 * 86400)  # renewed, at most 30 days
    await create(hub_client, editor_token)
    _, headers = await subscriber.delivery()
    assert "X-Hub-Signature" not in headers


async def test_an_unechoed_challenge_makes_no_subscription(hub_client, subscriber, editor_token):
    subscriber.echo = False
    resp = await ask(hub_client, **{"hub.callback": subscriber.url})
    assert resp.status == 202
    await subscriber.verification()
    await asyncio.sleep(0.2)
    assert await hub_client.app[store_key].hub.count(TOPIC, to_us(utcnow())) == 0
    await create(hub_client, editor_token)
    await subscriber.nothing()


async def test_failed_deliveries_are_retried(hub_client, subscriber, editor_token):
    await subscribe(hub_client, subscriber)
    subscriber.failures = 2
    await create(hub_client, editor_token)
    first, headers = await subscriber.delivery()
    assert headers is None  # answered 500
    second, headers = await subscriber.delivery()  # after 0.2 s
    assert headers is None
    third, headers = await subscriber.delivery()  # after 0.4 s more
    assert headers is not None and first == second == third
    await subscriber.nothing(1.0)  # delivered: no more


async def test_a_failing_delivery_is_given_up_after_max_attempts(
    aiohttp_client, hub_settings, subscriber, editor_token
):
    """Doubling delays from a 1 ms first one (capped at MAX_DELAY_FACTOR of it): the
    MAX_ATTEMPTS tries take about 1.5 s; then the delivery is dropped, the subscription
    kept."""
    first = 0.001  # below what NEWSFEED_WEBSUB_RETRY_DELAY accepts: tests only
    client = await aiohttp_client(
        create_app(dataclasses.replace(hub_settings, websub_retry_delay=first))
    )
    await subscribe(client, subscriber)
    subscriber.failures = 1000  # every delivery answered 500
    await create(client, editor_token)
    bodies = set()
    for _ in range(MAX_ATTEMPTS):
        body, headers = await subscriber.delivery()
        assert headers is None
        bodies.add(body)
    assert len(bodies) == 1  # the same document each time
    await subscriber.nothing(0.8)  # the longest wait between tries is 0.18 s
    assert len(subscriber.posts) == MAX_ATTEMPTS
    # each wait at least the delay after that many failures: 1, 2, 4, ... ms, then capped
    waits = [later - earlier for earlier, later in itertools.pairwise(subscriber.posts)]
    delays = [min(first * 2**n, first * MAX_DELAY_FACTOR) for n in range(MAX_ATTEMPTS - 1)]
    assert delays[:9] == sorted(set(delays[:9]))  # growing, until the cap
    short = [(n + 1, w, d) for n, (w, d) in enumerate(zip(waits, delays, strict=True)) if w < d]
    assert not short, f"(failures, waited, delay) too soon: {short}"
    store = client.app[store_key]
    now = to_us(utcnow())
    assert (await store.hub.stats(now)).pending == 0  # the delivery row is gone
    assert await store.hub.active(TOPIC, subscriber.url, now)  # the subscription is not
    text = await (await client.get("/metrics")).text()
    assert f'newsfeed_websub_delivery_failures_total{{final="no"}} {MAX_ATTEMPTS - 1}.0' in text
    assert 'newsfeed_websub_delivery_failures_total{final="yes"} 1.0' in text
    assert "newsfeed_websub_deliveries_total 0.0" in text
    # the next change is delivered again, from a fresh count of attempts
    subscriber.failures = 0
    await create(client, editor_token, published_at="2021-01-01T00:00:00Z")
    _, headers = await subscriber.delivery()
    assert headers is not None


async def test_a_callback_answering_410_gone_ends_its_subscription(
    hub_client, subscriber, other_subscriber, editor_token
):
    await subscribe(hub_client, subscriber)
    await subscribe(hub_client, other_subscriber)
    subscriber.failures, subscriber.failure_status = 1000, 410
    await create(hub_client, editor_token)
    _, headers = await subscriber.delivery()
    assert headers is None  # answered 410
    _, headers = await other_subscriber.delivery()
    assert headers is not None
    store = hub_client.app[store_key]
    for _ in range(100):
        rows = await store.dump("websub_subscriptions")
        if len(rows) == 1:
            break
        await asyncio.sleep(0.02)
    assert [row["callback"] for row in rows] == [other_subscriber.url]
    now = to_us(utcnow())
    assert not await store.hub.active(TOPIC, subscriber.url, now)
    assert await store.hub.count(TOPIC, now) == 1
    assert (await store.hub.stats(now)).pending == 0  # nothing left to retry
    # the next change reaches the other subscriber, and the gone one never again
    await create(hub_client, editor_token, published_at="2021-01-01T00:00:00Z")
    _, headers = await other_subscriber.delivery()
    assert headers is not None
    await subscriber.nothing()  # a retry would have come after 0.2 s, 0.4 s more, ...
    assert len(subscriber.posts) == 1
    assert len(other_subscriber.posts) == 2


async def test_metrics_count_deliveries_failures_and_the_queue(
    hub_client, subscriber, editor_token
):
    await subscribe(hub_client, subscriber)
    subscriber.failures = 1
    await create(hub_client, editor_token)
    await subscriber.delivery()  # the failure: the retry is waiting
    text = await (await hub_client.get("/metrics")).text()
    assert "newsfeed_websub_subscriptions 1.0" in text
    assert 'newsfeed_websub_delivery_failures_total{final="no"} 1.0' in text
    assert "newsfeed_websub_pending_deliveries 1.0" in text
    assert 'newsfeed_websub_verifications_total{mode="subscribe",outcome="confirmed"} 1.0' in text
    await subscriber.delivery()
    for _ in range(50):
        text = await (await hub_client.get("/metrics")).text()
        if "newsfeed_websub_pending_deliveries 0.0" in text:
            break
        await asyncio.sleep(0.05)
    assert "newsfeed_websub_deliveries_total 1.0" in text
    assert "newsfeed_websub_pending_deliveries 0.0" in text
    assert "newsfeed_websub_queue_age_seconds 0.0" in text


async def test_unsubscribe(hub_client, subscriber, editor_token):
    await subscribe(hub_client, subscriber)
    resp = await ask(hub_client, "unsubscribe", **{"hub.callback": subscriber.url})
    assert resp.status == 202
    query = await subscriber.verification()
    assert query["hub.mode"] == "unsubscribe" and query["hub.topic"] == TOPIC
    store = hub_client.app[store_key]
    for _ in range(100):
        if not await store.hub.count(TOPIC, to_us(utcnow())):
            break
        await asyncio.sleep(0.02)
    await create(hub_client, editor_token)
    await subscriber.nothing()


async def test_subscriptions_and_pending_deliveries_survive_a_restart(
    aiohttp_client, hub_settings, subscriber, editor_token
):
    first = await aiohttp_client(create_app(hub_settings))
    await subscribe(first, subscriber)
    await first.close()
    second = await aiohttp_client(create_app(hub_settings))
    await create(second, editor_token)
    body, headers = await subscriber.delivery()
    assert headers["Content-Type"].startswith("application/atom+xml")
    # a delivery still failing when its instance stops is made by the next one
    subscriber.failures = 1
    await create(second, editor_token, published_at="2021-01-01T00:00:00Z")
    _, headers = await subscriber.delivery()
    assert headers is None
    await second.close()
    third = await aiohttp_client(create_app(hub_settings))
    body, headers = await subscriber.delivery()
    assert headers is not None
    feed = await third.get("/en/feed.atom", headers={"Accept-Encoding": "identity"})
    assert body == await feed.read()


async def test_two_instances_deliver_each_change_once(
    aiohttp_client, hub_settings, subscriber, editor_token
):
    one = await aiohttp_client(create_app(hub_settings))
    two = await aiohttp_client(create_app(hub_settings))
    await subscribe(one, subscriber)
    await create(two, editor_token)
    await subscriber.delivery()
    await subscriber.nothing(2.0)  # the other instance sends nothing


async def test_a_slow_subscriber_holds_up_no_other(
    hub_client, subscriber, other_subscriber, editor_token
):
    subscriber.slowness = 4.0
    await subscribe(hub_client, subscriber)  # the English feed
    ko = f"{BASE_URL}/ko/feed.json"
    await subscribe(hub_client, other_subscriber, **{"hub.topic": ko})
    await create(hub_client, editor_token, translations={"en": {"title": "E", "body": "b"}})
    await asyncio.sleep(0.5)  # the slow one is being sent to
    await create(hub_client, editor_token, translations={"ko": {"title": "K", "body": "b"}})
    body, headers = await other_subscriber.delivery(2.0)
    assert headers["Content-Type"] == "application/feed+json"
    await subscriber.delivery()


async def test_a_scheduled_article_is_delivered_when_due(hub_client, subscriber, editor_token):
    await subscribe(hub_client, subscriber)
    due = utcnow().timestamp() + 1.5
    made = await create(
        hub_client, editor_token, published_at=utcnow().fromtimestamp(due).astimezone().isoformat()
    )
    body, _ = await subscriber.delivery(WAIT + 1.5)  # writing it changed nothing shown
    assert utcnow().timestamp() >= due
    assert f"article/{made['id']}/en".encode() in body


async def test_category_and_archive_topics(hub_client, subscriber, editor_token):
    news = f"{BASE_URL}/ko/feed.rss?category=news"
    await subscribe(hub_client, subscriber, **{"hub.topic": news})
    await create(hub_client, editor_token, category="events")
    await subscriber.nothing()
    await create(hub_client, editor_token, category="news")
    body, headers = await subscriber.delivery()
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert any(f'<{news}>; rel="self"' in link for link in headers.getall("Link"))
    assert etree.fromstring(body).tag == "rss"
    archive = f"{BASE_URL}/en/archive/2020-09.atom"
    await subscribe(hub_client, subscriber, **{"hub.topic": archive})
    made = await create(hub_client, editor_token, category="events")  # 2020-09-15
    for _ in range(2):  # the archive, and the news feed (the article is in events: no)
        body, headers = await subscriber.delivery()
        if archive in "".join(headers.getall("Link")):
            break
    assert f"article/{made['id']}/en".encode() in body


async def test_a_topic_takes_at_most_its_cap(aiohttp_client, hub_settings, subscriber):
    client = await aiohttp_client(
        create_app(dataclasses.replace(hub_settings, websub_max_per_topic=1))
    )
    await subscribe(client, subscriber)
    other = subscriber.url.replace("/cb", "/cb?second=1")
    resp = await ask(client, **{"hub.callback": other})
    assert resp.status == 409
    assert_problem_body(await resp.json(), 409)
    await subscribe(client, subscriber)  # a renewal is not another subscription


async def test_expired_leases_end(hub_client, subscriber, editor_token):
    await subscribe(hub_client, subscriber, **{"hub.lease_seconds": "1"})
    await asyncio.sleep(1.2)
    assert await hub_client.app[store_key].hub.count(TOPIC, to_us(utcnow())) == 0
    await create(hub_client, editor_token)
    await subscriber.nothing()


# --- refusals ----------------------------------------------------------------------------

BAD_REQUESTS = {
    "topic-elsewhere": {"hub.topic": "http://other.example/en/feed.atom"},
    "topic-unknown-language": {"hub.topic": f"{BASE_URL}/fr/feed.atom"},
    "topic-bad-category": {"hub.topic": f"{BASE_URL}/en/feed.atom?category=A_B"},
    "topic-extra-query": {"hub.topic": f"{BASE_URL}/en/feed.atom?x=1"},
    "topic-bad-month": {"hub.topic": f"{BASE_URL}/en/archive/2024-13.atom"},
    "topic-page": {"hub.topic": f"{BASE_URL}/en/"},
    "mode": {"hub.mode": "publish"},
    "callback-missing": {"hub.callback": ""},
    "callback-ftp": {"hub.callback": "ftp://example.com/cb"},
    "callback-relative": {"hub.callback": "/cb"},
    "callback-credentials": {"hub.callback": "http://user:pw@example.com/cb"},
    "callback-space": {"hub.callback": "http://example.com/a b"},
    "callback-fragment": {"hub.callback": "http://example.com/cb#x"},
    "lease-word": {"hub.lease_seconds": "ten"},
    "lease-zero": {"hub.lease_seconds": "0"},
    "lease-negative": {"hub.lease_seconds": "-5"},
    "secret-200-bytes": {"hub.secret": "s" * 200},
    "unknown-field": {"hub.verify": "sync"},
}


@pytest.mark.parametrize("fields", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_bad_requests_are_400_and_verify_nothing(hub_client, subscriber, fields):
    form = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": subscriber.url}
    resp = await hub_client.post("/websub", data={**form, **fields})
    assert resp.status == 400, await resp.text()
    assert resp.content_type == "application/problem+json"
    assert_problem_body(await resp.json(), 400)
    await asyncio.sleep(0.2)
    assert subscriber.requests == 0


async def test_form_encoding_is_required(hub_client, subscriber):
    form = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": subscriber.url}
    resp = await hub_client.post("/websub", json=form)
    assert resp.status == 415
    resp = await hub_client.post(
        "/websub",
        data=b"hub.mode=subscribe&hub.mode=unsubscribe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 400
    resp = await hub_client.get("/websub")
    assert resp.status == 405


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "10.1.2.3", "169.254.169.254", "0.0.0.0"]
)
async def test_private_callbacks_are_refused_without_a_connection(
    client, settings, subscriber, host
):
    """Without NEWSFEED_WEBSUB_ALLOW_PRIVATE: 400 and nothing reaches the callback."""
    assert not settings.websub_allow_private
    port = urlsplit(subscriber.url).port
    before = snapshot(settings)
    resp = await ask(client, **{"hub.callback": f"http://{host}:{port}/cb"})
    assert resp.status == 400
    body = await resp.json()
    assert body["errors"][0]["field"] == "hub.callback"
    await asyncio.sleep(0.3)
    assert subscriber.requests == 0
    assert snapshot(settings) == before


async def test_the_hub_client_refuses_private_addresses_at_connect_time(subscriber):
    """A name that resolves to loopback by the time of the request (DNS rebinding) gets
    no connection: the resolver the hub connects with refuses it."""
    port = urlsplit(subscriber.url).port
    hub = callbacks.Callbacks(allow_private=False)
    async with hub.running():
        for url in (f"http://localhost:{port}/cb", f"http://127.0.0.1:{port}/cb"):
            with pytest.raises((callbacks.CallbackRefused, OSError)):
                await hub.post(url, b"x", {})
            with pytest.raises((callbacks.CallbackRefused, OSError)):
                await hub.get(url)
    assert subscriber.requests == 0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),  # link-local: cloud metadata
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2001:db8::1", False),  # documentation
    ],
)
def test_public_addresses(address, public):
    assert callbacks.is_public(ipaddress.ip_address(address)) is public

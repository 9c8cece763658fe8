"""The WebSub hub at work, as three background tasks of each process, plus one task per
intent to verify. Everything it must not lose is in the database (`Store.hub`):

- **verifying**: after `POST /websub` answered 202, a GET to the callback with a
  challenge; only an echo with a 2xx makes (or ends) the subscription. A new one starts
  from the version of the topic its subscriber could already have had.
- **publishing**: whenever the change log moves (the follower's listener wakes it), when
  a document of a subscribed topic goes stale by time (a schedule, a month's end), and at
  least every minute, each subscribed topic's document is built (a dict lookup unless
  it changed) and its ETag compared with the version last announced. A new version is
  announced once, by whichever process gets there first: that makes a delivery pending
  for every subscriber lacking it. The write itself never waits for any of this.
- **delivering**: pending deliveries are claimed atomically (one process sends each),
  and the topic's current document is POSTed, signed when the subscriber gave a secret.
  A failure is retried after a doubling delay, `MAX_ATTEMPTS` times; 410 Gone ends the
  subscription.
- **housekeeping**: leases end; the gauges are read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any

import aiohttp

from newsfeed.changelog import Follower
from newsfeed.feeds import websub
from newsfeed.feeds.cache import FeedCache
from newsfeed.feeds.topics import Topic
from newsfeed.model import Change, Delivery, to_us, utcnow
from newsfeed.settings import Settings
from newsfeed.store import Store
from newsfeed.web.callbacks import CallbackRefused, Callbacks
from newsfeed.web.metrics import HubMetrics

log = logging.getLogger(__name__)

VERIFYING_AT_ONCE = 16
MAX_WAITING_INTENTS = 1000  # intents not yet verified; past this POST /websub answers 503
CLAIM_US = 30_000_000  # a claimed delivery is this worker's for 30 s at most (a crash)
BATCH = 16  # deliveries claimed at once
SENDING_AT_ONCE = 64  # deliveries in flight in one process
QUEUE_POLL = 1.0  # seconds between looks for deliveries other processes made pending
RECHECK = 60.0  # seconds: topics are compared at least this often
HOUSEKEEPING = 30.0
_FAILED = (CallbackRefused, aiohttp.ClientError, TimeoutError, OSError, ValueError)


class Hub:
    def __init__(
        self,
        store: Store,
        feeds: FeedCache,
        follower: Follower,
        settings: Settings,
        metrics: HubMetrics,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.clock = clock
        self.callbacks = Callbacks(settings.websub_allow_private)
        self._store = store
        self._feeds = feeds
        self._follower = follower
        self._metrics = metrics
        self._base = settings.base_url
        self._langs = settings.langs
        self._cap = settings.websub_max_per_topic
        self._first_delay = settings.websub_retry_delay
        self._changed = asyncio.Event()  # the change log moved, or a subscription began
        self._queued = asyncio.Event()  # this process made deliveries pending
        self._verifying: set[asyncio.Task[None]] = set()
        self._sending: dict[asyncio.Task[None], Delivery] = {}
        self._slots = asyncio.Semaphore(VERIFYING_AT_ONCE)

    # --- life -------------------------------------------------------------------------

    def notice(self, change: Change) -> None:
        """A change-log listener: publishing looks at the topics again."""
        self._changed.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Hub]:
        async with self.callbacks.running():
            tasks = [
                self._spawn(self._loop(self._publish, self._changed), "websub-publish"),
                self._spawn(self._loop(self._deliver_due, self._queued), "websub-deliver"),
                self._spawn(self._housekeeping(), "websub-housekeeping"),
            ]
            try:
                yield self
            finally:
                waiting = [*tasks, *self._verifying]
                for task in waiting:
                    task.cancel()
                await asyncio.gather(*waiting, return_exceptions=True)
                await self._stop_sending()

    @staticmethod
    def _spawn(work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.create_task(work, name=name)

    def request(self, intent: websub.Intent) -> bool:
        """Verify the intent in the background; False when too many already wait."""
        if len(self._verifying) >= MAX_WAITING_INTENTS:
            return False
        task = self._spawn(self._verify(intent), "websub-verify")
        self._verifying.add(task)
        task.add_done_callback(self._verified)
        return True

    def _verified(self, task: asyncio.Task[None]) -> None:
        self._verifying.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("verifying a WebSub intent failed", exc_info=task.exception())

    async def _loop(
        self, work: Callable[[], Coroutine[Any, Any, float]], wake: asyncio.Event
    ) -> None:
        """Run `work` whenever `wake` is set, or after the seconds it asked to wait."""
        while True:
            wake.clear()  # set again by anything that happens while working
            try:
                wait = await work()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy or restarting database: try again shortly
                log.warning("the WebSub hub failed a round", exc_info=True)
                wait = 1.0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await wake.wait()

    # --- verifying --------------------------------------------------------------------

    async def _verify(self, intent: websub.Intent) -> None:
        mode = intent.mode
        async with self._slots:
            baseline = await self._version(intent.topic) if mode == "subscribe" else ""
            challenge = secrets.token_urlsafe(24)
            try:
                answer = await self.callbacks.get(intent.verification(challenge))
            except _FAILED as exc:
                log.info("WebSub %s of %s: no answer: %s", mode, intent.callback, exc)
                self._metrics.verifications.labels(mode, "unreachable").inc()
                return
            if not (200 <= answer.status < 300 and answer.body.strip() == challenge.encode()):
                self._metrics.verifications.labels(mode, "not-confirmed").inc()
                return
            if mode == "unsubscribe":
                await self._store.hub.unsubscribe(intent.topic_url, intent.callback)
                self._metrics.verifications.labels(mode, "confirmed").inc()
                return
            made = await self._store.hub.subscribe(
                topic=intent.topic_url,
                callback=intent.callback,
                secret=intent.secret,
                lease_seconds=intent.lease_seconds,
                now_us=to_us(self.clock()),
                etag=baseline,
                cap=self._cap,
            )
            if not made:
                self._metrics.verifications.labels(mode, "denied").inc()
                with contextlib.suppress(*_FAILED):
                    await self.callbacks.get(
                        intent.denial("this feed has all the subscribers it takes")
                    )
                return
            self._metrics.verifications.labels(mode, "confirmed").inc()
        # The topic may have changed while the subscriber was asked: then it is sent now.
        await self._follower.sync()
        current = await self._version(intent.topic)
        if current != baseline:
            await self._announce(intent.topic_url, current, self._follower.seq)

    async def _version(self, topic: Topic) -> str:
        """The ETag of the topic's document now ("" while it does not exist)."""
        built = await self._feeds.document(topic)
        return "" if built is None else built.etag

    # --- publishing -------------------------------------------------------------------

    async def _publish(self) -> float:
        """Announce every subscribed topic whose document changed; the seconds until a
        document goes stale by time, when that is sooner than the next recheck."""
        seq = self._follower.seq  # the caches reflect at least this much of the log
        topics = await self._store.hub.active_topics(to_us(self.clock()))
        for url, announced in topics.items():
            topic = Topic.parse(url, self._base, self._langs)
            if topic is None:
                continue  # named under another base URL: no longer one of ours
            current = await self._version(topic)
            if current != announced:
                await self._announce(url, current, seq)
        stale_at = self._feeds.next_stale()
        if stale_at is None:
            return RECHECK
        return min(max((stale_at - self.clock()).total_seconds(), 0.05), RECHECK)

    async def _announce(self, url: str, etag: str, seq: int) -> None:
        made = await self._store.hub.announce(url, etag, seq, to_us(self.clock()))
        if made:
            self._queued.set()

    # --- delivering -------------------------------------------------------------------

    async def _deliver_due(self) -> float:
        """Start sending what is due, each delivery on its own (a slow subscriber holds
        up no other); the seconds until more may be."""
        free = SENDING_AT_ONCE - len(self._sending)
        if free <= 0:
            return QUEUE_POLL  # a send that ends wakes this loop
        now_us = to_us(self.clock())
        due = await self._store.hub.next_due()
        if due is None or due > now_us:
            return QUEUE_POLL if due is None else min(max((due - now_us) / 1e6, 0.01), QUEUE_POLL)
        await self._follower.sync()  # send the newest version, not an older cached one
        claim = secrets.token_hex(8)
        batch = await self._store.hub.claim(now_us, CLAIM_US, min(BATCH, free), claim)
        for delivery in batch:
            task = self._spawn(self._deliver(delivery), "websub-delivery")
            self._sending[task] = delivery
            task.add_done_callback(self._sent)
        return 0 if batch else QUEUE_POLL

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.pop(task, None)
        self._queued.set()
        if not task.cancelled() and task.exception() is not None:
            log.warning("a WebSub delivery failed to settle", exc_info=task.exception())

    async def _stop_sending(self) -> None:
        """Stopping: what is not settled goes back at once, not when its claim lapses."""
        sending = dict(self._sending)
        for task in sending:
            task.cancel()
        await asyncio.gather(*sending, return_exceptions=True)
        for delivery in sending.values():
            with contextlib.suppress(Exception):
                await self._store.hub.release(delivery.subscription_id, delivery.claim)

    async def _deliver(self, delivery: Delivery) -> None:
        hub, sub = self._store.hub, delivery.subscription_id
        topic = Topic.parse(delivery.topic, self._base, self._langs)
        built = None if topic is None else await self._feeds.document(topic)
        if built is None:  # an archive that emptied: nothing to send
            await hub.give_up(sub, delivery.claim)
            return
        headers = {"Content-Type": built.headers["Content-Type"], "Link": built.headers["Link"]}
        if delivery.secret:
            headers["X-Hub-Signature"] = websub.signature(delivery.secret, built.body)
        status = 0
        try:
            status = (await self.callbacks.post(delivery.callback, built.body, headers)).status
            error = None if 200 <= status < 300 else f"answered {status}"
        except _FAILED as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            await hub.delivered(sub, delivery.claim, (delivery.etag, built.etag))
            self._metrics.deliveries.inc()
            return
        if status == 410:  # Gone: the subscriber wants no more
            await hub.end(sub)
            return
        delay = websub.retry_delay(delivery.attempts + 1, self._first_delay)
        self._metrics.failures.labels("yes" if delay is None else "no").inc()
        log.info("WebSub delivery to %s failed: %s", delivery.callback, error)
        if delay is None:
            await hub.give_up(sub, delivery.claim)
        else:
            due = to_us(self.clock()) + int(delay * 1_000_000)
            await hub.retry(sub, delivery.claim, due, error)

    # --- housekeeping -----------------------------------------------------------------

    async def read_gauges(self) -> None:
        """Set the gauges from the database (also right before a scrape)."""
        now_us = to_us(self.clock())
        stats = await self._store.hub.stats(now_us)
        age = 0.0
        if stats.oldest_queued_us is not None:
            age = max((now_us - stats.oldest_queued_us) / 1e6, 0.0)
        self._metrics.queue(stats.subscriptions, stats.pending, age)

    async def _housekeeping(self) -> None:
        while True:
            try:
                await self._store.hub.expire(to_us(self.clock()))
                await self.read_gauges()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("WebSub housekeeping failed", exc_info=True)
            await asyncio.sleep(HOUSEKEEPING)

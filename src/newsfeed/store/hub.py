"""What the WebSub hub asks of the database: a part of the `Store` protocol
(`Store.hub`), kept apart for size. The rules of `store/__init__.py` apply, rule 10 most."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsfeed.model import Delivery, HubStats


class HubStore(Protocol):
    """The WebSub hub's records: subscriptions, announced versions, pending deliveries.
    Times are microseconds since the epoch; `now_us` is the caller's clock."""

    async def subscribe(
        self,
        *,
        topic: str,
        callback: str,
        secret: str | None,
        lease_seconds: int,
        now_us: int,
        etag: str,
        cap: int,
    ) -> bool:
        """Make or renew a subscription (verified). A new one starts from `etag`, the
        version of the topic its subscriber could already have; a renewal keeps its own.
        False, and nothing stored, when the topic already has `cap` other active ones."""

    async def unsubscribe(self, topic: str, callback: str) -> bool: ...

    async def active(self, topic: str, callback: str, now_us: int) -> bool: ...

    async def count(self, topic: str, now_us: int) -> int:
        """Active subscriptions of a topic."""

    async def active_topics(self, now_us: int) -> dict[str, str | None]:
        """Each topic that has active subscriptions, with its last announced version."""

    async def announce(self, topic: str, etag: str, seq: int, now_us: int) -> int | None:
        """Record `etag` as the topic's version, built after following the change log to
        `seq`, and make a delivery pending for each active subscriber that lacks it (one
        per subscriber: a pending one takes the new version). The number made pending;
        None when an announcement from further along the log was made (this one is
        behind) and nothing changed."""

    async def next_due(self) -> int | None:
        """When the earliest pending delivery may be claimed."""

    async def claim(self, now_us: int, lease_us: int, limit: int, claim: str) -> list[Delivery]:
        """Atomically take up to `limit` due deliveries whose claim has lapsed, until
        `now_us + lease_us`: no other worker, in any process, gets them meanwhile."""

    async def delivered(self, subscription_id: int, claim: str, etags: Sequence[str]) -> None:
        """Settle a delivery that sent one of `etags` (the version claimed, the version
        sent); if another was announced while it was being sent, keep it pending, due now."""

    async def retry(self, subscription_id: int, claim: str, due_us: int, error: str) -> None: ...

    async def give_up(self, subscription_id: int, claim: str) -> None: ...

    async def release(self, subscription_id: int, claim: str) -> None:
        """Hand an unsettled claim back (the worker is stopping): due as it was."""

    async def end(self, subscription_id: int) -> None:
        """Delete a subscription (its subscriber answered 410 Gone)."""

    async def expire(self, now_us: int) -> int:
        """Delete subscriptions whose lease ended, with their deliveries."""

    async def stats(self, now_us: int) -> HubStats: ...

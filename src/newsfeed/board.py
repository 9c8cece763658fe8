"""The public board: one page of titles, and a total that is not recounted often.

A board page needs only numbers, dates, hit counts and titles (`Store.board_page`).
Counting every public article is a scan; at 100,000 rows it would cost more than the rest
of the page, so the total is kept per category until the change log moves (any editorial
write, from any process) or a scheduled article comes due.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from newsfeed.model import BoardRow, to_us, utcnow
from newsfeed.store import Store


@dataclass(slots=True)
class _Total:
    count: int
    seq: int
    due_us: int | None  # the next scheduled article becomes public then


class Board:
    """Pages of the public board for one store; holds the cached totals."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._totals: dict[str | None, _Total] = {}
        self._counting = asyncio.Lock()  # one recount at a time; the others reuse it

    async def page(
        self,
        *,
        category: str | None,
        offset: int,
        limit: int,
        now: datetime | None = None,
    ) -> tuple[list[BoardRow], int, int | None]:
        """Rows newest first, how many public articles the board pages through, and when
        the next scheduled article becomes public (microseconds), if any."""
        now = now or utcnow()
        rows, seq = await self._store.board_page(
            category=category, offset=offset, limit=limit, now=now
        )
        total = await self._total(category, now, seq)
        return rows, total.count, total.due_us

    async def _total(self, category: str | None, now: datetime, seq: int) -> _Total:
        now_us = to_us(now)
        async with self._counting:
            cached = self._totals.get(category)
            if cached and cached.seq >= seq and (cached.due_us is None or now_us < cached.due_us):
                return cached
            count = await self._store.count_public(category, now)
            due = await self._store.next_due(now)
            if len(self._totals) > 1000:  # categories come from URLs: keep it bounded
                self._totals.clear()
            total = self._totals[category] = _Total(count, seq, None if due is None else to_us(due))
            return total

"""The translators' state counts, kept until the change log moves.

Counting the states of one language's texts reads every article (185 ms over 100,000 on
SQLite), while the counts change only with editorial writes, and every editorial write
logs a change (store rule 3; a confirm or a restore included). So the counts are kept per
language and category with the change log's last seq, read *before* counting: a write
that lands between the two is then either in the counts or, if not, moves the seq that
the next read compares, so a kept count never outlives the change after it. Editorial
writes are serialized on both stores (rule 1), so the last seq only grows as they commit.
"""

from __future__ import annotations

import asyncio

from newsfeed.store import Store

MAX_KEPT = 1000  # (language, category) pairs; categories come from URLs


class StatusCounts:
    """Counts of missing, stale and current texts per (language, category)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._kept: dict[tuple[str, str | None], tuple[int, dict[str, int]]] = {}
        self._counting = asyncio.Lock()  # one count at a time; those waiting reuse it

    async def get(self, lang: str, category: str | None) -> dict[str, int]:
        async with self._counting:
            seq = await self._store.last_seq()
            kept = self._kept.get((lang, category))
            if kept is not None and kept[0] == seq:
                return dict(kept[1])
            counts = await self._store.translation_counts(lang, category)
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[(lang, category)] = (seq, counts)
            return dict(counts)

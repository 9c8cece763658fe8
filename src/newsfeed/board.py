"""SQL for the public board: one page of titles, and a total that is not recounted often.

A board page needs only numbers, dates, hit counts and titles, so it reads no bodies, in
one query. Counting every public article is a scan; at 100,000 rows it would cost more
than the rest of the page, so the total is kept per category until the `changes` log
moves (any editorial write, from any process) or a scheduled article comes due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from newsfeed.model import to_us, utcnow
from newsfeed.store.sqlite.schema import Database

_PUBLIC = "a.status = 'published' AND a.published_us <= ?"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the board; `titles` holds every language's title."""

    id: int
    category: str
    published_at: str
    original_lang: str
    hits: int
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.published_at)

    def title_for(self, lang: str, preference: tuple[str, ...]) -> tuple[str, str]:
        """(language, title) in `lang`, else the original, else by `preference`."""
        for candidate in (lang, self.original_lang, *preference):
            if candidate in self.titles:
                return candidate, self.titles[candidate]
        return next(iter(self.titles.items()))


@dataclass(slots=True)
class _Total:
    count: int
    seq: int
    due_us: int | None  # the next scheduled article becomes public then


class Board:
    """Pages of the public board for one database; holds the cached totals."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._totals: dict[str | None, _Total] = {}
        self._counting = asyncio.Lock()  # one recount at a time; the others reuse it

    async def page(
        self,
        *,
        category: str | None,
        offset: int,
        limit: int,
        now: datetime | None = None,
    ) -> tuple[list[Row], int, int | None]:
        """Rows newest first, how many public articles the board pages through, and when
        the next scheduled article becomes public (microseconds), if any."""
        now_us = to_us(now or utcnow())
        where, params = _PUBLIC, list[object]([now_us])
        if category is not None:
            where += " AND a.category = ?"
            params.append(category)
        rows: dict[int, Row] = {}
        seq = None
        # One trip to the reader thread, and no cursor left open between trips (an open
        # one keeps the shared connection on an old snapshot for other requests too).
        found = await self._db.reader.execute_fetchall(
            "WITH page AS (SELECT a.id, a.category, a.published_at, a.published_us, "
            f"a.original_lang, a.hits FROM articles a WHERE {where} "
            "ORDER BY a.published_us DESC, a.id DESC LIMIT ? OFFSET ?) "
            "SELECT p.*, t.lang, t.title, (SELECT coalesce(max(seq), 0) FROM changes) AS seq "
            "FROM page p JOIN translations t ON t.article_id = p.id "
            "ORDER BY p.published_us DESC, p.id DESC",
            [*params, limit, offset],
        )
        for r in found:
            seq = r["seq"]
            row = rows.get(r["id"])
            if row is None:
                row = rows[r["id"]] = Row(
                    r["id"], r["category"], r["published_at"], r["original_lang"], r["hits"]
                )
            row.titles[r["lang"]] = r["title"]
        total = await self._total(category, where, params, now_us, seq)
        return list(rows.values()), total.count, total.due_us

    async def _total(
        self, category: str | None, where: str, params: list[object], now_us: int, seq: int | None
    ) -> _Total:
        reader = self._db.reader
        if seq is None:
            seq = await _scalar(reader, "SELECT coalesce(max(seq), 0) FROM changes")
        async with self._counting:
            cached = self._totals.get(category)
            if cached and cached.seq >= seq and (cached.due_us is None or now_us < cached.due_us):
                return cached
            count = await _scalar(reader, f"SELECT count(*) FROM articles a WHERE {where}", params)
            due = await _scalar(
                reader,
                "SELECT min(a.published_us) FROM articles a "
                "WHERE a.status = 'published' AND a.published_us > ?",
                [now_us],
            )
            if len(self._totals) > 1000:  # categories come from URLs: keep it bounded
                self._totals.clear()
            total = self._totals[category] = _Total(count, seq, due)
            return total


async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()) -> Any:
    rows = await conn.execute_fetchall(sql, params)
    row = next(iter(rows), None)
    return None if row is None else row[0]

"""Copy a whole site from one store to an empty one, of either kind, and check the copy.

Only the store protocol is used (`dump` / `load` over `TABLES`, in their order), so a
table a later migration adds is copied as soon as the stores list it there, and ids,
token hashes, hit counts and the change log arrive unchanged: feed ids and editors'
tokens keep working on the copy. What `TABLES` leaves out (the hit counter's per-process
batch markers) belongs to running processes, not to the site.

The source should not be written meanwhile (stop the service, or at least its editors):
a write during the copy shows up in the verification as a difference, and the copy is
then reported as failed.

Memory: `dump` answers a whole table at once, so the largest table is held in memory
(twice while verifying). Loads go in batches, each its own transaction.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsfeed.store import TABLES, Store, StoreUnavailable

BATCH = 1000  # rows per load (one transaction each)
SAMPLE = 50  # rows of each table compared field by field after the copy
HITS = ("articles", "hits")  # where the hit counts live, summed to check the copy


class CopyRefused(Exception):
    """The destination holds data already; nothing was written."""


class CopyFailed(Exception):
    """The copy stopped part way or does not match its source; the message says which."""


@dataclass(frozen=True, slots=True)
class Report:
    """What was copied and what the verification compared."""

    rows: dict[str, int]  # table -> rows copied (equal in both stores)
    hits: int  # hits summed over every article (equal in both)
    compared: dict[str, int]  # table -> rows compared field by field

    def lines(self) -> list[str]:
        width = max(map(len, self.rows), default=0)
        lines = [f"  {table:<{width}}  {count:>9,} rows" for table, count in self.rows.items()]
        lines.append(
            f"verified: row counts equal in {len(self.rows)} tables; hits {self.hits:,} in both; "
            f"{sum(self.compared.values()):,} sampled rows equal field by field"
        )
        return lines


async def copy_site(
    source: Store,
    destination: Store,
    *,
    batch: int = BATCH,
    sample: int = SAMPLE,
    rng: random.Random | None = None,
) -> Report:
    """Copy every table of `TABLES` from `source` to the empty `destination`, then
    verify the copy (`CopyRefused`, `CopyFailed`)."""
    await refuse_unless_empty(destination)
    for table in TABLES:
        try:
            rows = await source.dump(table)
            for start in range(0, len(rows), batch):
                await destination.load(table, rows[start : start + batch])
        except StoreUnavailable as exc:
            raise CopyFailed(
                f"a database stopped answering while copying {table} ({exc}); "
                "the destination holds part of the site: empty it before trying again"
            ) from exc
    return await verify(source, destination, sample=sample, rng=rng)


async def refuse_unless_empty(destination: Store) -> None:
    """A copy only goes into a store with no rows at all: articles and editors would
    collide, and a site value already set there (the authority of feed ids) must not
    be mixed with the source's."""
    if await destination.count_articles():
        raise CopyRefused("the destination holds articles")
    if await destination.list_editors():
        raise CopyRefused("the destination holds editors")
    for table in TABLES:
        if await destination.dump(table):
            raise CopyRefused(f"the destination's {table} table is not empty")


async def verify(
    source: Store, destination: Store, *, sample: int = SAMPLE, rng: random.Random | None = None
) -> Report:
    """Compare the two stores table by table: row counts, summed hits, and a random
    sample of rows field by field (dumps are in primary-key order in every store, so the
    same position holds the same row)."""
    rng = rng or random.Random()
    rows: dict[str, int] = {}
    compared: dict[str, int] = {}
    hits = 0
    for table in TABLES:
        mine, theirs = await source.dump(table), await destination.dump(table)
        if len(mine) != len(theirs):
            raise CopyFailed(
                f"{table}: {len(mine)} rows in the source, {len(theirs)} in the copy "
                "(was the source written during the copy?)"
            )
        picked = rng.sample(range(len(mine)), min(sample, len(mine)))
        for index in sorted(picked):
            _same_row(table, mine[index], theirs[index])
        if table == HITS[0]:
            hits = _sum(mine, HITS[1])
            if _sum(theirs, HITS[1]) != hits:
                raise CopyFailed(
                    f"hits: {hits} in the source, {_sum(theirs, HITS[1])} in the copy "
                    "(was the source serving views during the copy?)"
                )
        rows[table], compared[table] = len(mine), len(picked)
    return Report(rows=rows, hits=hits, compared=compared)


def _same_row(table: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> None:
    for column, value in mine.items():
        if theirs.get(column) != value:
            key = {k: v for k, v in mine.items() if k in ("id", "seq", "key", "article_id", "lang")}
            raise CopyFailed(
                f"{table} {key}: {column} is {theirs.get(column)!r} in the copy, "
                f"{value!r} in the source"
            )


def _sum(rows: Sequence[Mapping[str, Any]], column: str) -> int:
    return sum(int(row[column]) for row in rows)


def shown(url: str) -> str:
    """A database URL fit for a report: without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))

"""Rendered pages kept exactly as long as what they show is unchanged.

A page is kept with the change-log position (`changelog.Follower.seq`) it was read at;
any editorial write, by any process, moves that position (here at once, elsewhere within
the follower's poll) and so drops it. A page showing a scheduled article's absence also
remembers when that article comes due.

Hit counts change far more often than anything else on a page, so a page is kept as
byte chunks with gaps for its counts (`Template`); each response fills the gaps with the
current counts (hits.Counter), read per response.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

_SLOT = re.compile("\x00(\\d+)\x00")  # NUL never occurs in stored text (validation refuses it)


def slot(index: int) -> str:
    """A placeholder to render in place of the index-th count; see `Template`."""
    return f"\x00{index}\x00"


@dataclass(frozen=True, slots=True)
class Template:
    """A rendered page cut at its slots: chunks[0], gap 0, chunks[1], gap 1, ..."""

    chunks: tuple[bytes, ...]
    order: tuple[int, ...]  # which slot each gap holds

    @classmethod
    def cut(cls, html: str) -> Template:
        pieces = _SLOT.split(html)
        return cls(
            tuple(piece.encode() for piece in pieces[0::2]),
            tuple(int(index) for index in pieces[1::2]),
        )

    def fill(self, values: Sequence[str]) -> bytes:
        out = [self.chunks[0]]
        for index, chunk in zip(self.order, self.chunks[1:], strict=True):
            out.append(values[index].encode())
            out.append(chunk)
        return b"".join(out)


@dataclass(frozen=True, slots=True)
class Entry:
    version: int
    due_us: int | None  # a scheduled article becomes public then: the page is stale
    value: Any


class PageCache:
    """Entries by key, valid while `version()` is what it was when they were read."""

    def __init__(self, version: Callable[[], int], size: int = 1024) -> None:
        self.version = version
        self._size = size
        self._entries: dict[Hashable, Entry] = {}
        self._building: dict[Hashable, asyncio.Future[None]] = {}

    def get(self, key: Hashable, now_us: int) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != self.version() or (entry.due_us is not None and now_us >= entry.due_us):
            del self._entries[key]
            return None
        return entry.value

    def put(self, key: Hashable, version: int, value: Any, due_us: int | None = None) -> None:
        """Keep `value`, read at `version` or later. Not checked here: if the database
        moved on meanwhile, the next `get` finds the version changed and drops it."""
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = Entry(version, due_us, value)

    async def get_or_build(
        self,
        key: Hashable,
        now_us: int,
        build: Callable[[], Awaitable[tuple[Any, int | None]]],
    ) -> Any:
        """The kept value, or `build()`'s (value, due_us), kept unless None.

        Concurrent misses of one key wait for a single build instead of each reading and
        rendering the same page (right after a write, every reader misses at once).
        """
        while (value := self.get(key, now_us)) is None and key in self._building:
            with contextlib.suppress(Exception):  # the builder reports its own failure
                await asyncio.shield(self._building[key])
        if value is not None:
            return value
        version = self.version()
        done = self._building[key] = asyncio.get_running_loop().create_future()
        try:
            value, due_us = await build()
        finally:
            del self._building[key]
            done.set_result(None)
        if value is not None:
            self.put(key, version, value, due_us)
        return value

    def clear(self) -> None:
        self._entries.clear()

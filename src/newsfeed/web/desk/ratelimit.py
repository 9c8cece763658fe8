"""The desk's login limit: at most 10 attempts a minute per client address (the one a
trusted proxy names, `NEWSFEED_TRUSTED_PROXIES`, else the peer's).

Kept in memory, per process: with N worker processes an address may try up to N times
as often, which still makes guessing a 256-bit token hopeless; the limit is there to
keep scripts from hammering the database. The window slides, so a real editor who
mistyped ten times waits at most a minute. The table is bounded: past `max_clients`
addresses, the ones whose window has passed are dropped first, then the oldest.
"""

from __future__ import annotations

import time
from collections import deque

LIMIT = 10  # attempts
WINDOW = 60.0  # seconds
MAX_CLIENTS = 10_000


def monotonic() -> float:
    return time.monotonic()


class LoginLimiter:
    def __init__(
        self, limit: int = LIMIT, window: float = WINDOW, max_clients: int = MAX_CLIENTS
    ) -> None:
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._seen: dict[str, deque[float]] = {}

    def attempt(self, client: str) -> float | None:
        """Count an attempt from `client`: None when allowed, else the seconds to wait.

        A refused attempt is not counted, so waiting out the window always works."""
        now = monotonic()
        times = self._seen.get(client)
        if times is None:
            self._make_room(now)
            times = self._seen[client] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return max(0.0, times[0] + self.window - now)
        times.append(now)
        return None

    def _make_room(self, now: float) -> None:
        if len(self._seen) < self.max_clients:
            return
        for client in [c for c, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[client]
        while len(self._seen) >= self.max_clients:  # dicts keep insertion order: oldest first
            del self._seen[next(iter(self._seen))]

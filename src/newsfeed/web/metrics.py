"""Prometheus metrics: requests by route and status, latency, and hits counted.

Labels are the route's name (never the raw path), a bounded set of methods and the
status, so the number of series stays small whatever clients send. Requests are
recorded in batches by `accesslog.AccessLog` off the request path.

With several worker processes (`newsfeed serve --workers N`) the parent calls
`multiprocess_dir()` before forking: prometheus_client then keeps each process's values in
files under one directory and `/metrics` sums them over every worker, including those
that exited or were restarted, so counters never go backwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_BOUNDS = (*LATENCY_BUCKETS, float("inf"))  # a value v falls in the first bucket with v <= bound


class Metrics:
    """This process's metrics, in a registry of its own (one per app, none global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "newsfeed_http_requests",
            "HTTP requests answered, by method, route name and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "newsfeed_http_request_duration_seconds",
            "Time from request headers to the last byte of the response, by route name",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.hits = Counter(
            "newsfeed_hits",
            "Article views counted (pages and POST .../hits)",
            registry=self.registry,
        )
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[str, Histogram] = {}
        self._views: Callable[[], int] = lambda: 0
        self._views_seen = 0

    def request(self, method: str, route: str, status: int, seconds: float, n: int = 1) -> None:
        """Count `n` requests that took `seconds` each."""
        self.add_requests({(method, route, status): n})
        self.add_latencies({route: [seconds] * n})

    def add_requests(self, counts: dict[tuple[str, str, int], int]) -> None:
        """A batch of request counts by (method, route, status): one increment per series."""
        for (method, route, status), n in counts.items():
            if method not in METHODS:
                method = "OTHER"
            key = (method, route, status)
            counter = self._counters.get(key)
            if counter is None:  # labels() is the slow part: cache the children
                counter = self._counters[key] = self.requests.labels(method, route, str(status))
            counter.inc(n)

    def add_latencies(self, by_route: dict[str, list[float]]) -> None:
        """A batch of durations by route: bucketed here, one increment per bucket."""
        for route, seconds in by_route.items():
            histogram = self._histograms.get(route)
            if histogram is None:
                histogram = self._histograms[route] = self.latency.labels(route)
            buckets = getattr(histogram, "_buckets", None)
            if buckets is None or len(buckets) != len(_BOUNDS):
                for value in seconds:  # a prometheus_client without those internals
                    histogram.observe(value)
                continue
            counts = [0] * len(_BOUNDS)
            for value in seconds:
                counts[bisect_left(_BOUNDS, value)] += 1
            histogram._sum.inc(sum(seconds))  # type: ignore[attr-defined]
            for bucket, n in zip(buckets, counts, strict=True):
                if n:
                    bucket.inc(n)

    def follow_views(self, total: Callable[[], int]) -> None:
        """Mirror a running total of acknowledged views (hits.Counter.counted) on `sync`."""
        self._views = total

    def sync(self) -> None:
        """Bring the hits metric up to the followed total; called with every batch."""
        total = self._views()
        if total > self._views_seen:
            self.hits.inc(total - self._views_seen)
            self._views_seen = total

    def exposition(self) -> bytes:
        """Prometheus text: this process's values, or every worker's summed."""
        directory = os.environ.get(MULTIPROC_ENV)
        if not directory:
            return generate_latest(self.registry)
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)


@contextmanager
def multiprocess_dir(directory: Path | None = None) -> Iterator[Path]:
    """In the parent, before forking workers: a fresh directory for every process's values.

    prometheus_client picks how it stores values once, at import, from the environment,
    so this also re-picks it; metrics made afterwards (in the forked workers' apps) write
    to the shared directory. The directory is removed when the parent exits.
    """
    made = directory is None
    path = Path(tempfile.mkdtemp(prefix="newsfeed-metrics-")) if directory is None else directory
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(path)
    values.ValueClass = values.get_value_class()
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        values.ValueClass = values.get_value_class()
        if made:
            shutil.rmtree(path, ignore_errors=True)

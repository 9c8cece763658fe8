"""The throughput benchmark: every hot path against a hello-world baseline, and exact hits.

Builds a database of 100,000 bilingual articles (sqlite3 directly, after the service's
own migrations, so its triggers fill the search index), then serves it with
`newsfeed serve` pinned to CPU 0 and drives each path with wrk pinned to CPU 1:

  baseline      a hello-world aiohttp handler served the way `newsfeed serve` serves
  api article   GET /api/v1/articles/{random id}
  page          GET /ko/articles/{random id}   (each 200 counts a hit)
  page zipf     the same, ids drawn from a Zipf distribution (s = 1.1), as readers do:
                a few articles take most views
  board         GET /ko/
  feed          GET /ko/feed.rss
  feed 304      GET /ko/feed.rss with If-None-Match: the current ETag
  post hits     POST /api/v1/articles/{random id}/hits

Then, where a PostgreSQL server is named by NEWSFEED_BENCH_PG (or NEWSFEED_TEST_PG), the
same site is copied into a fresh PostgreSQL database and every path is measured again
("pg:" rows, one instance) and on two instances on that one database at once ("pg ×2:"
rows, wrk's connections shared between them), each row a ratio to the same hello world.

It prints a table (req/s, p50, p99, ratio to the baseline, target) and writes it into
bench/RESULTS.md between the results markers, with the server's peak memory (VmHWM) and
the hit check: after the counting runs and a clean shutdown, the hits in the database
must account for every 200 that wrk received, and a fixed run of page views must land
exactly. Run it with `make bench` (never part of `make test`); it takes a few minutes.

Usage: .venv/bin/python bench/run.py [--seconds 10] [--connections 32] [--loop uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import postgres

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
ARTICLES = 100_000
SERVER_CPU, CLIENT_CPU = "0", "1"
START, END = "<!-- results:start -->", "<!-- results:end -->"

# name, method, path, extra header, counts hits, target ratio to the baseline
PATHS: tuple[tuple[str, str, str, str, bool, float | None], ...] = (
    ("api article", "GET", "/api/v1/articles/{id}", "", False, 0.60),
    ("page (+hit)", "GET", "/ko/articles/{id}", "", True, 0.50),
    ("page zipf (+hit)", "GET", "/ko/articles/{zipf}", "", True, 0.50),
    ("board /ko/", "GET", "/ko/", "", False, 0.40),
    ("feed rss", "GET", "/ko/feed.rss", "", False, 0.80),
    ("feed 304", "GET", "/ko/feed.rss", "If-None-Match: {etag}", False, 0.85),
    ("post hits", "POST", "/api/v1/articles/{id}/hits", "", True, 0.70),
    # The translators' status board over every article (state counts and the first
    # page of English texts): its target is a latency, not a ratio.
    (
        "status board",
        "GET",
        "/api/v1/translations?lang=en",
        "Authorization: Bearer {token}",
        False,
        None,
    ),  # fmt: skip
)
BOARD_P99_MS = 20.0
STATUS_P99_MS = 50.0
MEMORY_MB = 100.0

WORDS_EN = str.split(
    "university hospital research center regenerative medicine agreement signed students "
    "campus professor award conference library festival international exchange program "
    "science engineering seminar scholarship graduate community volunteer innovation"
)
WORDS_KO = str.split(
    "대학교 병원 연구 센터 재생의학 협약 체결 학생 캠퍼스 교수 수상 학술대회 도서관 축제 "
    "국제 교류 프로그램 과학 공학 세미나 장학금 대학원 지역사회 봉사 혁신 개최 선정"
)
CATEGORIES = ("news", "events", "notice", "research")


# --- the database -------------------------------------------------------------------


def generate(path: Path, count: int) -> float:
    """`count` published bilingual articles, oldest first; seconds it took."""
    from newsfeed.render import markdown_html
    from newsfeed.store.sqlite import bodies
    from newsfeed.store.sqlite import schema as db

    started = time.perf_counter()
    db.migrate(path)
    rng = random.Random(17)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    base_us = 1_500_000_000 * 1_000_000
    conn.execute("BEGIN")
    for start in range(1, count + 1, 5000):
        ids = range(start, min(start + 5000, count + 1))
        articles, texts = [], []
        for i in ids:
            us = base_us + i * 600_000_000  # ten minutes apart
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(us // 1_000_000))
            articles.append((i, rng.choice(CATEGORIES), "published", stamp, us, stamp, stamp, "ko"))
            for lang, words in (("ko", WORDS_KO), ("en", WORDS_EN)):
                title = " ".join(rng.choices(words, k=6))
                summary = " ".join(rng.choices(words, k=16))
                body = "\n\n".join(" ".join(rng.choices(words, k=25)) for _ in range(2))
                texts.append((i, lang, f"{title} {i}", summary, body, "홍보팀", stamp))
        conn.executemany(
            "INSERT INTO articles (id, category, status, published_at, published_us, "
            "created_at, updated_at, original_lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            articles,
        )
        conn.executemany(
            "INSERT INTO translations (article_id, lang, title, summary, body, author, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            texts,
        )
    conn.execute("COMMIT")
    conn.close()
    bodies.fill(path, markdown_html)  # the rendered bodies the service stores with every write
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


def total_hits(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT coalesce(sum(hits), 0) FROM articles").fetchone()[0])
    finally:
        conn.close()


# --- processes ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def python_command(loop: str, code: str) -> list[str]:
    """Python running `code`; with loop=asyncio, uvloop cannot be imported in it."""
    hide = "import sys; sys.modules['uvloop'] = None; " if loop == "asyncio" else ""
    return [sys.executable, "-c", hide + code]


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: {' '.join(command)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not answer /healthz within 30 s")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def peak_memory_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing the Debian package", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed (apt-get install wrk)")
    return found


# --- load ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    ok: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(
    binary: str,
    ports: int | list[int],
    name: str,
    method: str,
    path: str,
    header: str,
    seconds: int,
    connections: int,
) -> Result:
    """wrk on CPU 1 against one server, or one wrk per server at once (the connections
    shared out): requests summed, the worse latency percentiles."""
    ports = [ports] if isinstance(ports, int) else ports
    env = {
        **os.environ,
        "BENCH_PATH": path,
        "BENCH_METHOD": method,
        "BENCH_MAX_ID": str(ARTICLES),
        "BENCH_HEADER": header,
    }
    share = max(1, connections // len(ports))
    procs = [
        subprocess.Popen(
            [
                "taskset",
                "-c",
                CLIENT_CPU,
                binary,
                "-t1",
                f"-c{share}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "-s",
                str(BENCH / "wrk.lua"),
                f"http://127.0.0.1:{port}",
            ],  # fmt: skip
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    runs = []
    for proc in procs:
        out = proc.communicate()[0]
        if proc.returncode:
            raise SystemExit(f"wrk failed ({proc.returncode}) on {name}")
        line = next(x for x in out.splitlines() if x.startswith("BENCH "))
        runs.append(json.loads(line.removeprefix("BENCH ")))
    requests = sum(r["requests"] for r in runs)
    status_errors = sum(r["status_errors"] for r in runs)
    errors = sum(r["connect"] + r["read"] + r["write"] + r["timeout"] for r in runs)
    return Result(
        name=name,
        requests=requests,
        ok=requests - status_errors,
        rps=requests / (max(r["duration_us"] for r in runs) / 1e6),
        p50_ms=max(r["p50_us"] for r in runs) / 1000,
        p99_ms=max(r["p99_us"] for r in runs) / 1000,
        errors=errors + status_errors,
    )


async def exact_views(port: int, article_ids: list[int], connections: int) -> list[int]:
    """Page views from a client that counts every response it gets; their statuses."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def view(article_id: int) -> int:
            url = f"http://127.0.0.1:{port}/en/articles/{article_id}"
            async with session.get(url) as resp:
                await resp.read()
                return resp.status

        return await asyncio.gather(*(view(i) for i in article_ids))


def etag_of(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.headers["ETag"]


def route_exists(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as resp:
            return resp.status == 200
    except OSError:
        return False


# --- the run ------------------------------------------------------------------------


HELLO = """
from aiohttp import web
from newsfeed import server
async def hello(request):
    return web.Response(text="Hello, world")
app = web.Application()
app.router.add_get("/", hello)
app.router.add_get("/healthz", hello)
server.run(app, "127.0.0.1", {port})
"""


SERVE = "from newsfeed.cli import main; raise SystemExit(main(['serve']))"


def bench_token(db: Path | str) -> str:
    """A new editor's token for the rows that need one (`newsfeed editor add`)."""
    name = f"bench-{time.time_ns()}"
    code = f"from newsfeed.cli import main; raise SystemExit(main(['editor', 'add', {name!r}]))"
    command = [sys.executable, "-c", code]
    out = subprocess.run(
        command, env={**os.environ, "NEWSFEED_DB": str(db)}, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"could not create an editor: {out.stderr.strip()}")
    return out.stdout.strip().splitlines()[-1]


def service_env(db: Path | str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSFEED_DB": str(db),
        "NEWSFEED_PORT": str(port),
        "NEWSFEED_WORKERS": "1",
        # One base URL for every instance: they serve the same feed bytes.
        "NEWSFEED_BASE_URL": "http://127.0.0.1:8080",
    }


@dataclass
class Measured:
    results: list[Result]
    counted_ok: int
    counting_runs: int


def measure(
    binary: str, ports: list[int], args: argparse.Namespace, prefix: str, skipped: list[str]
) -> Measured:
    """Every path of PATHS against the servers on `ports` (wrk split over them)."""
    measured = Measured([], 0, 0)
    for name, method, template, header, counts, _ in PATHS:
        if args.only and args.only not in name:
            continue
        probe = template.replace("{id}", "1").replace("{zipf}", "1")
        private = "{token}" in header  # answers 401 to route_exists: not a missing route
        header = header.replace("{token}", args.token)
        if method == "GET" and not private and not route_exists(ports[0], probe):
            skipped.append(prefix + name)
            continue
        if "{etag}" in header:
            header = header.replace("{etag}", etag_of(ports[0], probe))
        warm = wrk(
            binary, ports, "warm-up", method, template, header, args.warmup, args.connections
        )
        result = wrk(
            binary, ports, prefix + name, method, template, header, args.seconds, args.connections
        )
        measured.results.append(result)
        if counts:
            measured.counted_ok += warm.ok + result.ok
            measured.counting_runs += 2
        print(f"  {prefix}{name}: {result.rps:,.0f} req/s", flush=True)
    return measured


def postgres_rows(
    binary: str, sqlite_path: Path, args: argparse.Namespace, skipped: list[str]
) -> list[Result]:
    """The same paths on PostgreSQL: one instance, then two on one database (both
    servers on CPU 0 like the single one, so the rows compare what the store costs)."""
    server = postgres.server_url()
    if server is None or args.sqlite_only:
        print(
            "no PostgreSQL rows: set NEWSFEED_BENCH_PG to a URL whose role may create databases",
            flush=True,
        )
        return []
    print("copying the site into PostgreSQL ...", flush=True)
    url = postgres.prepare(server, sqlite_path)
    rows: list[Result] = []
    for count, prefix in ((1, "pg: "), (2, "pg ×2: ")):
        ports = [free_port() for _ in range(count)]
        procs = [start(python_command(args.loop, SERVE), service_env(url, p), p) for p in ports]
        try:
            rows += measure(binary, ports, args, prefix, skipped).results
        finally:
            for proc in procs:
                stop(proc)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per path")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated database here")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--only", help="measure only paths whose name contains this")
    parser.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL rows")
    args = parser.parse_args()
    if os.cpu_count() is None or os.cpu_count() < 2:  # type: ignore[operator]
        raise SystemExit("the benchmark needs two CPUs: one for the server, one for wrk")
    binary = ensure_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="newsfeed-bench-"))
    path = args.keep or workdir / "bench.db"
    if path.exists():
        print(f"reusing {path}")
    else:
        print(f"generating {ARTICLES:,} bilingual articles ...", flush=True)
        print(f"  done in {generate(path, ARTICLES):.1f} s", flush=True)

    args.token = bench_token(path)
    results: list[Result] = []
    timing = dict(seconds=args.seconds, connections=args.connections)

    # the baseline
    port = free_port()
    hello = start(python_command(args.loop, HELLO.format(port=port)), dict(os.environ), port)
    try:
        wrk(binary, port, "warm-up", "GET", "/", "", args.warmup, args.connections)
        results.append(wrk(binary, port, "hello world", "GET", "/", "", **timing))
    finally:
        stop(hello)

    # the service
    port = free_port()
    env = service_env(path, port)
    service = start(python_command(args.loop, SERVE), env, port)
    skipped: list[str] = []
    hits_before = total_hits(path)
    try:
        measured = measure(binary, [port], args, "", skipped)
        results += measured.results
        counted_ok, counting_runs = measured.counted_ok, measured.counting_runs
        memory = peak_memory_mb(service.pid)
        time.sleep(1.5)  # two flush intervals
        exact_ids = [random.randint(1, ARTICLES) for _ in range(5000)]
        before_exact = total_hits(path)
        statuses = asyncio.run(exact_views(port, exact_ids, args.connections))
    finally:
        exit_code = stop(service)
    results += postgres_rows(binary, path, args, skipped)
    after = total_hits(path)
    exact_ok = statuses.count(200)
    exact_added = after - before_exact
    report = Report(
        results=results,
        skipped=skipped,
        memory_mb=memory,
        loop=args.loop,
        seconds=args.seconds,
        connections=args.connections,
        wrk_ok=counted_ok,
        in_flight_bound=counting_runs * args.connections,
        db_added=before_exact - hits_before,
        exact_sent=len(exact_ids),
        exact_ok=exact_ok,
        exact_added=exact_added,
        exit_code=exit_code,
    )
    text = report.render()
    print(text)
    if not args.no_write:
        write_results(text)
    if args.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report.all_met() else 1


@dataclass
class Report:
    results: list[Result]
    skipped: list[str]
    memory_mb: float
    loop: str
    seconds: int
    connections: int
    wrk_ok: int
    in_flight_bound: int
    db_added: int
    exact_sent: int
    exact_ok: int
    exact_added: int
    exit_code: int

    def targets(self) -> dict[str, float | None]:
        return {p[0]: p[5] for p in PATHS}

    def baseline(self) -> float:
        return self.results[0].rps

    def met(self, result: Result) -> bool:
        if result.name == "status board":
            return result.p99_ms <= STATUS_P99_MS and result.errors == 0
        target = self.targets().get(result.name)
        if target is None:
            return True
        ok = result.rps / self.baseline() >= target and result.errors == 0
        if result.name.startswith("board"):
            ok = ok and result.p99_ms <= BOARD_P99_MS
        return ok

    def hits_lost(self) -> int:
        # wrk stops with requests in flight: the server may count up to one per connection
        # that wrk never saw answered, but never fewer than the 200s wrk received.
        return max(0, self.wrk_ok - self.db_added) + (self.exact_ok - self.exact_added)

    def all_met(self) -> bool:
        return (
            all(self.met(r) for r in self.results)
            and self.memory_mb <= MEMORY_MB
            and self.hits_lost() == 0
            and self.exact_added == self.exact_ok == self.exact_sent
            and 0 <= self.db_added - self.wrk_ok <= self.in_flight_bound
            and self.exit_code == 0
            and not self.skipped
        )

    def render(self) -> str:
        rows = [
            "| path | req/s | p50 ms | p99 ms | ratio | target | met |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        targets = self.targets()
        for r in self.results:
            ratio = r.rps / self.baseline()
            target = targets.get(r.name)
            goal = "" if target is None else f"≥ {target:.2f}"
            if r.name.startswith("board"):
                goal += f", p99 ≤ {BOARD_P99_MS:.0f}"
            if r.name == "status board":
                goal = f"p99 ≤ {STATUS_P99_MS:.0f}"
            mark = "" if not goal else ("yes" if self.met(r) else "**no**")
            rows.append(
                f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                f"{ratio:.2f} | {goal} | {mark} |"
            )
        for name in self.skipped:
            rows.append(f"| {name} | not measured: the route does not answer 200 | | | | | |")
        lines = [
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {ARTICLES:,} articles; "
            f"server on CPU {SERVER_CPU}, one worker, {self.loop} loop; wrk on CPU {CLIENT_CPU}, "
            f"1 thread, {self.connections} connections, {self.seconds} s per path "
            "after a warm-up.",
            "",
            *rows,
            "",
            f"- Peak memory of the server (VmHWM): {self.memory_mb:.1f} MB "
            f"(target ≤ {MEMORY_MB:.0f}): {'met' if self.memory_mb <= MEMORY_MB else '**no**'}.",
            f"- Hits, wrk runs (warm-ups included): {self.wrk_ok:,} responses 200 received; "
            f"the database grew by {self.db_added:,}. It may grow by more: requests still in "
            f"flight when wrk stops are answered and counted, unseen by wrk (at most one per "
            f"connection per run, here {self.in_flight_bound}).",
            f"- Hits, exact run: {self.exact_sent:,} page views, {self.exact_ok:,} answered "
            f"200, the database grew by {self.exact_added:,} after SIGTERM "
            f"(exit {self.exit_code}).",
            f"- Hits lost: {self.hits_lost()}.",
        ]
        return "\n".join(lines)


def write_results(text: str) -> None:
    current = (
        RESULTS.read_text() if RESULTS.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    )
    if START not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    RESULTS.write_text(f"{head}{START}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    sys.exit(main())

"""Two revisions of the service measured against each other, on one machine, in one run.

The machine's speed drifts by tens of percent within minutes (the hello-world baseline
has measured anywhere from 24,000 to 40,000 req/s here), so one run of each revision
after the other compares the machine as much as the code. This alternates: each round
measures the hello-world baseline, then one revision's server alone (every path of
run.py's SQLite rows), then the other's, swapping the order every round; it reports
each path's median ratio to the baseline of its own round, and the change.

Each revision needs a checkout with its own .venv and a benchmark database made by its
own bench/run.py (schemas differ between revisions):

    git worktree add ../before 0b125c2 && make -C ../before .venv/.run-deps
    ../before/.venv/bin/python ../before/bench/run.py --keep /tmp/before.db --only none --no-write
    .venv/bin/python bench/run.py --keep /tmp/after.db --only none --sqlite-only --no-write
    .venv/bin/python bench/compare.py ../before:/tmp/before.db .:/tmp/after.db --copy-hits

`--copy-hits` gives the first database the second's hit counts first (both generate the
same articles), so both boards format the same numbers.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import urllib.request
from pathlib import Path

from run import (
    HELLO,
    PATHS,
    SERVE,
    ensure_wrk,
    free_port,
    python_command,
    service_env,
    start,
    stop,
    wrk,
)


def copy_hits(into: Path, source: Path) -> None:
    conn = sqlite3.connect(into)
    try:
        conn.execute("ATTACH ? AS source", (str(source),))
        conn.execute(
            "UPDATE articles SET hits = coalesce("
            "(SELECT s.hits FROM source.articles s WHERE s.id = articles.id), hits)"
        )
        conn.commit()
    finally:
        conn.close()


def rate(binary: str, port: int, method: str, path: str, header: str, seconds: int) -> float:
    return wrk(binary, port, "", method, path, header, seconds, connections=32).rps


def revision(binary: str, checkout: Path, db: Path, seconds: int) -> dict[str, float]:
    """Every path against one revision's server, started alone on CPU 0."""
    port = free_port()
    python = str(checkout / ".venv" / "bin" / "python")
    proc = start([python, "-c", SERVE], service_env(db, port), port)
    rates: dict[str, float] = {}
    try:
        for name, method, template, header, _, _ in PATHS:
            if "{token}" in header:  # needs an editor of its own database
                continue
            if "{etag}" in header:
                url = f"http://127.0.0.1:{port}{template}"
                with urllib.request.urlopen(url) as resp:
                    header = header.replace("{etag}", resp.headers["ETag"])
            rate(binary, port, method, template, header, 1)  # warm-up
            rates[name] = rate(binary, port, method, template, header, seconds)
    finally:
        stop(proc)
    return rates


def hello(binary: str, seconds: int) -> float:
    port = free_port()
    proc = start(python_command("uvloop", HELLO.format(port=port)), dict(os.environ), port)
    try:
        rate(binary, port, "GET", "/", "", 1)
        return rate(binary, port, "GET", "/", "", seconds)
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="CHECKOUT:DB of the revision to compare against")
    parser.add_argument("second", help="CHECKOUT:DB of the revision measured")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="length of each measured run")
    parser.add_argument("--copy-hits", action="store_true", help="first DB takes second's hits")
    args = parser.parse_args()
    binary = ensure_wrk()
    revisions = []
    for spec in (args.first, args.second):
        checkout, _, db = spec.partition(":")
        revisions.append((Path(checkout).resolve(), Path(db).resolve()))
    if args.copy_hits:
        copy_hits(revisions[0][1], revisions[1][1])
    ratios: list[dict[str, list[float]]] = [{p[0]: [] for p in PATHS} for _ in revisions]
    for number in range(args.rounds):
        baseline = hello(binary, args.seconds)
        order = [0, 1] if number % 2 == 0 else [1, 0]
        for which in order:
            checkout, db = revisions[which]
            for name, found in revision(binary, checkout, db, args.seconds).items():
                ratios[which][name].append(found / baseline)
        print(f"round {number + 1} of {args.rounds}: hello world {baseline:,.0f} req/s", flush=True)
    print(
        f"\n| path | {args.first} | {args.second} | change | change per round |\n"
        "|---|---:|---:|---:|---|"
    )
    for name, *_ in PATHS:
        first, second = (statistics.median(r[name]) for r in ratios)
        # Each round's own pair, both measured within a minute: the spread shows how much
        # of the change the machine's drift could account for.
        pairs = zip(ratios[0][name], ratios[1][name], strict=True)
        spread = " ".join(f"{p:+.0f}%" for p in sorted(100 * (b / a - 1) for a, b in pairs))
        change = 100 * (second / first - 1)
        print(f"| {name} | {first:.3f} | {second:.3f} | {change:+.1f}% | {spread} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

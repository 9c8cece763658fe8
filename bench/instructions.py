"""Instructions per request of each hot path: a measure that does not drift with the machine.

Requests per second on a shared machine move by tens of percent from one minute to the
next; the instructions the server executes per request do not (valgrind's callgrind
counts them, in every thread of the process, the same for the same code and data within
a few percent). This serves the benchmark database under callgrind, lets wrk warm a path
up, counts instructions only while wrk sends 10 s of that path at 4 connections, and
divides by the requests answered (Python's allocator is plain malloc under valgrind, so
the counts are higher than a normal run would execute, for both revisions alike). It
counts user-space work only: the kernel's share (sockets, thread wake-ups) is not in
it, so compare it alongside bench/run.py's rates.

    .venv/bin/python bench/instructions.py --db /tmp/after.db [--checkout DIR] [--only feed]

Needs valgrind (apt-get install valgrind) and wrk; a database from `bench/run.py --keep`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from run import PATHS, SERVE, ensure_wrk, free_port, service_env, wrk

BENCH = Path(__file__).resolve().parent


def wait_ready(port: int, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server under valgrind did not answer in time")


def load(binary: str, port: int, method: str, path: str, header: str, seconds: int) -> int:
    """Requests answered in `seconds` of wrk at four connections (the server is slow
    under valgrind: more would only queue)."""
    return wrk(binary, port, "", method, path, header, seconds, connections=4).requests


def measure(binary: str, checkout: Path, db: Path, path_spec: tuple[str, str, str, str]) -> float:
    name, method, template, header = path_spec
    port = free_port()
    out = Path(tempfile.mkdtemp(prefix="newsfeed-callgrind-")) / "callgrind.out"
    python = str(checkout / ".venv" / "bin" / "python")
    proc = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            python,
            "-c",
            SERVE,
        ],  # fmt: skip
        env={**service_env(db, port), "PYTHONMALLOC": "malloc"},  # what valgrind expects
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, proc)
        if "{etag}" in header:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{template}") as resp:
                header = header.replace("{etag}", resp.headers["ETag"])
        load(binary, port, method, template, header, 3)  # warm-up, not counted
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], capture_output=True)
        answered = load(binary, port, method, template, header, 10)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], capture_output=True)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    files = sorted(str(p) for p in out.parent.glob("callgrind.out*"))
    text = subprocess.run(["callgrind_annotate", *files], capture_output=True, text=True).stdout
    shutil.rmtree(out.parent, ignore_errors=True)
    found = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text)
    if found is None or not answered:
        raise SystemExit(f"{name}: no count")
    return int(found.group(1).replace(",", "")) / answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a database from run.py --keep")
    parser.add_argument("--checkout", type=Path, default=BENCH.parent, help="with its .venv")
    parser.add_argument("--only", help="measure only paths whose name contains this")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing (apt-get install valgrind)")
    binary = ensure_wrk()
    print("| path | instructions per request |\n|---|---:|")
    for name, method, template, header, _, _ in PATHS:
        if (args.only and args.only not in name) or "{token}" in header:
            continue  # paths that need a token need an editor: run.py measures them
        spec = (name, method, template, header)
        count = measure(binary, args.checkout.resolve(), args.db.resolve(), spec)
        print(f"| {name} | {count:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A port belongs to one `newsfeed serve`: a second one, or any program already on it,
stops the start with one line and a non-zero status, with one worker or several."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port

from newsfeed.store.sqlite.schema import migrate

START_TIMEOUT = 20.0


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "port.db"
    migrate(path)
    return {**os.environ, "NEWSFEED_DB": str(path), "NEWSFEED_HOST": "127.0.0.1"}


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve", "--workers", str(workers)],
        env={**env, "NEWSFEED_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def refused(proc: subprocess.Popen[str], port: int) -> None:
    """The process exits by itself, non-zero, saying why in one line."""
    try:
        _, stderr = proc.communicate(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("newsfeed serve kept running on a port that is not its own")
    assert proc.returncode != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"newsfeed: cannot listen on 127.0.0.1:{port}: ")
    assert "already in use" in lines[0]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
            return resp.status == 200 and json.load(resp) == {"status": "ok"}
    except OSError:
        return False


@pytest.fixture
def foreign(request: pytest.FixtureRequest) -> Iterator[int]:
    """Another program listening on a port, with SO_REUSEPORT set or not."""
    sock = socket.socket()
    if request.param:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("foreign", [True, False], ids=["reuseport", "plain"], indirect=True)
def test_a_port_another_program_listens_on_is_refused(env, foreign, workers):
    refused(serve(env, foreign, workers), foreign)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_second_newsfeed_serve_on_the_same_port_is_refused(env, workers):
    port = free_port()
    first = serve(env, port, 2)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(port):
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "the first server did not start"
            time.sleep(0.05)
        refused(serve(env, port, workers), port)
        assert healthy(port)  # the first one goes on serving
    finally:
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=30)
    assert first.returncode == 0, stderr


def test_workers_serve_on_the_socket_their_parent_bound(env):
    """Every worker answers on the port, and only there: one listening socket, in the
    parent, shared by its children."""
    port = free_port()
    proc = serve(env, port, 3)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(port):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        for _ in range(20):
            assert healthy(port)
        time.sleep(1.0)  # every worker is up by now (they log "serving" below)
        ours = _listening_inodes(port)
        assert len(ours) == 1, ours  # one socket, whatever the number of workers
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert stderr.count(f"serving http://127.0.0.1:{port}\n") == 3  # each worker, one address


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the sockets listening on 127.0.0.1:port (Linux /proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
            found.add(fields[9])
    return found

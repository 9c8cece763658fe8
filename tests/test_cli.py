"""The command line, run as a real process against a real database file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from conftest import bearer, free_port, sample_article

from newsfeed.settings import Settings
from newsfeed.web.app import create_app


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "newsfeed", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "NEWSFEED_DB": str(tmp_path / "data" / "cli.db")}


def test_help_says_what_every_command_does(env):
    top = run(env, "--help").stdout
    for word in ("serve", "seed", "editor"):
        assert word in top
    for args, words in (
        (("serve",), "--workers"),
        (("seed",), "holds none"),
        (("editor",), "add"),
        (("editor", "add"), "--role"),
        (("editor", "list"), "List"),
        (("editor", "revoke"), "Revoke"),
        (("editor", "rotate"), "Replace"),
    ):
        out = run(env, *args, "--help").stdout
        assert words in out, (args, out)


def test_editor_add_prints_the_token_once_and_stores_only_its_hash(env):
    out = run(env, "editor", "add", "alice", "--role", "editor").stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("nf_") and len(token) > 40
    db = sqlite3.connect(env["NEWSFEED_DB"])
    rows = db.execute("SELECT name, role, token_hash FROM editors").fetchall()
    db.close()
    assert [(n, r) for n, r, _ in rows] == [("alice", "editor")]
    assert token not in repr(rows)
    again = run(env, "editor", "add", "alice", "--role", "translator", check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
    listing = run(env, "editor", "list").stdout
    assert "alice\teditor" in listing and token not in listing


def test_editor_add_without_role_makes_an_editor_and_refuses_blank_names(env):
    token = run(env, "editor", "add", "carol").stdout.strip().splitlines()[-1]
    assert token.startswith("nf_")
    assert "carol\teditor" in run(env, "editor", "list").stdout
    for name in ("", " ", " dave", "a\tb", "x" * 101):
        refused = run(env, "editor", "add", name, check=False)
        assert refused.returncode == 1 and "not a usable name" in refused.stderr, name
        assert refused.stdout == ""
    assert run(env, "editor", "list").stdout.count("\n") == 1


def test_revoke_ends_a_token(env):
    run(env, "editor", "add", "bob", "--role", "translator")
    assert "revoked" in run(env, "editor", "revoke", "bob").stdout
    assert "revoked" in run(env, "editor", "list").stdout
    missing = run(env, "editor", "revoke", "bob", check=False)
    assert missing.returncode == 1 and "no active editor" in missing.stderr


def test_bad_setting_fails_fast(env):
    result = run({**env, "NEWSFEED_PORT": "x"}, "seed", check=False)
    assert result.returncode == 2
    assert "NEWSFEED_PORT" in result.stderr


def test_seed_fills_only_an_empty_database(env):
    assert "added 5" in run(env, "seed").stdout
    assert "skipped" in run(env, "seed").stdout
    db = sqlite3.connect(env["NEWSFEED_DB"])
    count, bilingual = db.execute(
        "SELECT count(*), (SELECT count(*) FROM (SELECT article_id FROM translations "
        "GROUP BY article_id HAVING count(*) = 2)) FROM articles"
    ).fetchone()
    db.close()
    assert count == 5 and bilingual == 4


def test_serve_starts_empty_answers_health_and_stops_on_sigterm(env):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve"],
        env={**env, "NEWSFEED_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
                    assert json.load(resp) == {"status": "ok"}
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/api/v1/articles", timeout=5) as resp:
            assert json.load(resp) == {"items": [], "next_cursor": None}  # never seeds itself
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr


def test_the_first_command_on_a_new_database_fixes_the_feed_id_authority(env):
    run({**env, "NEWSFEED_BASE_URL": "https://news.example.org"}, "seed")
    run({**env, "NEWSFEED_BASE_URL": "https://elsewhere.example"}, "editor", "list")
    db = sqlite3.connect(env["NEWSFEED_DB"])
    rows = db.execute("SELECT key, value FROM site_meta").fetchall()
    db.close()
    assert rows == [("tag_authority", "news.example.org")]


async def test_rotate_prints_a_new_token_once_and_ends_the_old_one_at_once(env, aiohttp_client):
    old = run(env, "editor", "add", "erin").stdout.strip().splitlines()[-1]
    out = run(env, "editor", "rotate", "erin").stdout
    new = out.strip().splitlines()[-1]
    assert new.startswith("nf_") and new != old
    assert old not in out
    conn = sqlite3.connect(env["NEWSFEED_DB"])
    stored = conn.execute("SELECT token_hash FROM editors WHERE name = 'erin'").fetchall()
    conn.close()
    assert new not in repr(stored)
    settings = Settings.from_env(env)
    client = await aiohttp_client(create_app(settings))
    body = sample_article()
    resp = await client.post("/api/v1/articles", json=body, headers=bearer(old))
    assert resp.status == 401
    resp = await client.post("/api/v1/articles", json=body, headers=bearer(new))
    assert resp.status == 201
    assert "erin\teditor" in run(env, "editor", "list").stdout  # still active


def test_rotate_refuses_unknown_and_revoked_editors(env):
    unknown = run(env, "editor", "rotate", "nobody", check=False)
    assert unknown.returncode == 1 and "no active editor named 'nobody'" in unknown.stderr
    assert unknown.stdout == ""
    run(env, "editor", "add", "frank")
    run(env, "editor", "revoke", "frank")
    revoked = run(env, "editor", "rotate", "frank", check=False)
    assert revoked.returncode == 1 and revoked.stdout == ""


def test_version_comes_from_the_package_metadata(env):
    with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as fp:
        version = tomllib.load(fp)["project"]["version"]
    assert run(env, "--version").stdout == f"newsfeed {version}\n"
    assert version == "0.1.0"


def test_serve_stops_at_once_for_a_language_without_a_catalog(env):
    result = run({**env, "NEWSFEED_LANGS": "ko,en,ja"}, "serve", check=False)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsfeed: NEWSFEED_LANGS='ko,en,ja': ")
    assert "no message catalog for 'ja'" in lines[0]
    assert not Path(env["NEWSFEED_DB"]).exists()  # stopped before touching anything

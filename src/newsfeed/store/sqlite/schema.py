"""The SQLite schema: the append-only migrations (`migrations.py`), tracked in
`PRAGMA user_version`, applied once however many processes start together."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

from newsfeed.store.sqlite.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000


def migrate(path: Path) -> int:
    """Bring the database file to the newest schema; returns the schema version.

    Synchronous on purpose: `serve` runs it once before starting any worker process.
    Processes starting together take turns on a lock file beside the database, so each
    migration runs once: the version is read only while holding it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _migrate(path)


def _migrate(path: Path) -> int:
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return len(MIGRATIONS) if version < len(MIGRATIONS) else version
    finally:
        conn.close()

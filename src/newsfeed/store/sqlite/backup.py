"""`newsfeed backup PATH` and `newsfeed restore PATH`: copies of the SQLite database.

Backup: SQLite's online backup API copies every page inside one read transaction, so the
copy is the database as of one instant: in WAL mode the service keeps writing meanwhile,
and no half-written transaction can appear in it. The copy is checked, switched out of
WAL (one self-contained file) and only then moved to PATH, so PATH is never a partial copy.

Restore puts such a copy in place of the database, with the service stopped: SQLite's
own locks cannot tell whether a server uses the file (in WAL mode an idle server holds
none, and `BEGIN EXCLUSIVE` does not keep readers out), so `serve` holds a shared lock on
a file beside the database for its whole life (`serving`), and restore takes it
exclusively or refuses. The replaced database is kept aside with its write-ahead log, as
a pair that SQLite opens together; the restored file never meets the old log.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from newsfeed.store.sqlite.migrations import MIGRATIONS
from newsfeed.store.sqlite.schema import BUSY_TIMEOUT_MS

# What a database of this service has, whatever its version: a backup without them is
# some other file.
REQUIRED_TABLES = frozenset({"articles", "translations", "editors", "changes"})


class BackupError(Exception):
    """The copy could not be made or failed its check; PATH is left as it was."""


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target`; returns the number of articles in the copy."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must go to another file than the database")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed integrity_check: {check}")
            articles = dst.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(str(exc)) from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return int(articles)


class RestoreError(Exception):
    """The restore was refused or failed; the database is left as it was."""


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".serve-lock")


def serving(database: Path) -> IO[str]:
    """Mark the database as in use by this process (and the workers it forks) until it
    exits: a shared lock, so several servers may share the file, but no restore. Keep
    the returned file open; the system drops the lock when the last process holding it
    ends, also after a SIGKILL."""
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = open(_lock_path(database), "a")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise RestoreError(f"{database} is being restored; start again when it is done") from None
    return lock


def restore(source: Path, target: Path, now: datetime | None = None) -> tuple[int, Path | None]:
    """Replace `target` with a checked copy of `source`; (articles restored, where the
    replaced database was kept, if there was one)."""
    if not source.is_file():
        raise RestoreError(f"{source} does not exist")
    if target.exists() and source.resolve() == target.resolve():
        raise RestoreError("the backup is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(target), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestoreError(
                f"{target} is in use by a running newsfeed serve: stop it first"
            ) from None
        staged = target.with_name(target.name + ".restoring")
        try:
            articles = _stage(source, staged)
            aside = _set_aside(target, now or datetime.now(UTC))
            os.replace(staged, target)  # only now: the old log has already gone aside
            _sync_folder(target.parent)
        finally:
            staged.unlink(missing_ok=True)
    return articles, aside


def _stage(source: Path, staged: Path) -> int:
    """A checked, self-contained copy of the backup beside the database."""
    staged.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(staged)
        try:
            check = src.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise RestoreError(f"{source} failed its integrity check: {check}")
            tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master")}
            version = src.execute("PRAGMA user_version").fetchone()[0]
            missing = REQUIRED_TABLES - tables
            if missing or version < 1:
                raise RestoreError(
                    f"{source} is not a newsfeed database (it has no "
                    f"{', '.join(sorted(missing or REQUIRED_TABLES))} table)"
                )
            if version > len(MIGRATIONS):
                raise RestoreError(
                    f"{source} has schema version {version}, newer than this newsfeed "
                    f"knows ({len(MIGRATIONS)}): restore it with the version that made it"
                )
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file: no log of its own
            articles = dst.execute("SELECT count(*) FROM articles").fetchone()[0]
            dst.commit()
        finally:
            dst.close()
            src.close()
        with open(staged, "rb+") as fp:
            os.fsync(fp.fileno())
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{source} is not a usable SQLite database: {exc}") from None
    return int(articles)


def _set_aside(target: Path, now: datetime) -> Path | None:
    """Move the database and its write-ahead log aside, under one new name (SQLite opens
    `X` with `X-wal`), and drop its shared-memory index, which SQLite rebuilds. Returns
    where the database went, or None when there was none."""
    aside = target.with_name(f"{target.name}.replaced-{now.strftime('%Y%m%dT%H%M%S%fZ')}")
    moved = None
    if target.exists():
        os.replace(target, aside)
        moved = aside
    wal = target.with_name(target.name + "-wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + "-wal"))
    target.with_name(target.name + "-shm").unlink(missing_ok=True)
    target.with_name(target.name + "-journal").unlink(missing_ok=True)
    return moved


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (a power cut must not bring the old file back)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

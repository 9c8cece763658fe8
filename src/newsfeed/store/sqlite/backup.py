"""`newsfeed backup PATH`: a consistent copy of the database, safe while the service runs.

SQLite's online backup API copies every page inside one read transaction, so the copy
is the database as of one instant: in WAL mode the service keeps writing meanwhile, and
no half-written transaction can appear in it. The copy is checked, switched out of WAL
(one self-contained file) and only then moved to PATH, so PATH is never a partial copy.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from newsfeed.store.sqlite.schema import BUSY_TIMEOUT_MS


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

"""Rendered bodies stored with their texts: filling the ones written before the column.

Every write stores a text's body as sanitized HTML (editing.py), so a page view reads it
instead of running Markdown and the sanitizer. Texts stored before that (or inserted by
other means, like the benchmark's generator) have NULL there: `fill` renders them, in
batches, once, when the service starts; pages render a NULL body on the fly meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from newsfeed.store.sqlite.schema import BUSY_TIMEOUT_MS

BATCH = 2000  # texts per transaction: short write locks while workers may be serving


def fill(path: Path, render: Callable[[str], str]) -> int:
    """Render and store every body not rendered yet; how many were filled."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    filled = last = 0
    try:
        while True:
            rows = conn.execute(
                "SELECT rowid, article_id, lang, body FROM translations "
                "WHERE rowid > ? AND body_html IS NULL ORDER BY rowid LIMIT ?",
                (last, BATCH),
            ).fetchall()
            if not rows:
                return filled
            last = rows[-1][0]
            # Rendered before taking the write lock; `body IS ?`: a text rewritten
            # meanwhile keeps what its own write stored.
            updates = [(render(body), i, lang, body) for _, i, lang, body in rows]
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "UPDATE translations SET body_html = ? "
                    "WHERE article_id = ? AND lang = ? AND body IS ? AND body_html IS NULL",
                    updates,
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            filled += len(rows)
    finally:
        conn.close()

"""What caches need to know about change: the `changes` log and scheduled publications.

Every editorial write adds a row to `changes` naming the languages and categories it
touched (see editing.py). Each worker process reads the rows past the last one it has
seen, so a cache in any process can drop exactly what a write in any process affected.
A scheduled article changes what the public sees without any write; `next_scheduled`
says when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsfeed.model import to_us
from newsfeed.store.sqlite.schema import Database

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    langs: frozenset[str]
    categories: frozenset[str]


def _split(value: str) -> frozenset[str]:
    return frozenset(part for part in value.split(",") if part)


async def last_seq(db: Database) -> int:
    # execute_fetchall throughout: one trip to the reader thread, no cursor left open.
    rows = await db.reader.execute_fetchall("SELECT coalesce(max(seq), 0) FROM changes")
    row = next(iter(rows), None)
    return int(row[0]) if row else 0


async def since(db: Database, seq: int) -> list[Change]:
    """Rows after `seq`, oldest first (one writer: seqs commit in order, with no gaps)."""
    rows = await db.reader.execute_fetchall(
        "SELECT seq, langs, categories FROM changes WHERE seq > ? ORDER BY seq", (seq,)
    )
    return [Change(row[0], _split(row[1]), _split(row[2])) for row in rows]


async def last_changed(db: Database, lang: str, category: str | None) -> datetime | None:
    """The latest write that touched `lang` (and `category`, when given), if any."""
    rows = await db.reader.execute_fetchall(
        "SELECT max(changed_at) FROM changes WHERE instr(',' || langs || ',', ?) > 0 "
        "AND (? IS NULL OR instr(',' || categories || ',', ?) > 0)",
        (f",{lang},", category, f",{category},"),
    )
    row = next(iter(rows), None)
    return datetime.fromisoformat(row[0]) if row and row[0] else None


async def next_scheduled(
    db: Database, lang: str, category: str | None, now: datetime
) -> datetime | None:
    """When the next published-but-future article with a text in `lang` becomes visible."""
    rows = await db.reader.execute_fetchall(
        "SELECT min(a.published_us) FROM articles a WHERE a.status = 'published' "
        "AND a.published_us > ? AND (? IS NULL OR a.category = ?) AND EXISTS "
        "(SELECT 1 FROM translations t WHERE t.article_id = a.id AND t.lang = ?)",
        (to_us(now), category, category, lang),
    )
    row = next(iter(rows), None)
    return _EPOCH + timedelta(microseconds=row[0]) if row and row[0] is not None else None

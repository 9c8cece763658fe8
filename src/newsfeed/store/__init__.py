"""The store: every question newsfeed asks of its database, and the rules every store keeps.

Nothing outside this package imports a database driver, holds a connection or writes SQL.
Two stores implement `Store`: `store.sqlite` (one file, the default; nothing to install)
and `store.postgres` (any number of instances on one database). `open_store(url)` picks
one by `NEWSFEED_DB`: a path or `sqlite:///…`, or `postgresql://…`.

Rules both stores keep, so that correctness lives here and not in a backend's accident:

1. **Editorial writes are serialized and ordered.** `writing()` is one transaction that
   no other editorial write overlaps (SQLite: `BEGIN IMMEDIATE` on the one writer;
   PostgreSQL: a transaction-scoped advisory lock taken first). So `If-Match` checked
   on `WriteTx.article()` holds until commit, and the `changes` rows commit in `seq`
   order, with no gaps: a follower reading `seq > last` never skips one.
2. **Hit reads carry their flush marker.** `hit_counts()` answers each stored count with
   the number of this process's last committed hit batch, read in the same statement (one
   snapshot), so the counter adds exactly the batches that snapshot lacks (`hits.py`).
3. **The change log says what changed.** Every editorial write logs the languages and
   categories it touched; `changes_since(seq)` answers the rows past `seq`, in order.
   `wait_for_change()` wakes a follower when another process may have written (SQLite:
   a short poll; PostgreSQL: LISTEN/NOTIFY, and a return right after a reconnect, so a
   notification lost meanwhile costs nothing: the follower re-reads the log).
4. **Failures are one exception.** Any driver error that means "the database is not
   answering" is raised as `StoreUnavailable` (503 to clients, `/healthz` 503).
5. **Unique slugs are checked by the database.** A slug taken by a concurrent write
   raises `SlugTaken`, answered like the check-before-write: 409.
6. **Every write of a text is a revision.** `WriteTx.upsert_text` stores the text and,
   in the same transaction, the same content as revision `version`; nothing else adds
   or changes revisions, and deleting a text keeps them (its numbering goes on).
7. **Staleness is read with the text.** Every read of an article answers each text's
   `stale` and `source_changed_at` from the same statement, by a join on its source's
   `major_version` (its last write not marked minor): no read per text.
8. **Audit entries outlive their article.** `WriteTx.record_audit` rows have no foreign
   key, so deleting an article keeps them.
9. **A desk session lives only as long as its editor's token.** A session is found by
   a join on its editor's current token hash and revoked state, never by its own row
   alone, so `rotate_editor` and `revoke_editor` end every session of that token in the
   same statement, on every instance. Only a hash of the session id is stored.
10. **A WebSub delivery is made once.** A worker takes pending deliveries with one atomic
    `claim` (an UPDATE of rows whose claim has lapsed), and only the holder of a claim can
    settle it; a topic version is announced only by a process whose caches have followed
    the change log at least as far as the last announcement's (`HubStore.announce`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from newsfeed.model import (
    Article,
    BoardRow,
    Change,
    Cursor,
    EditorRecord,
    SearchHit,
    SitemapRow,
)
from newsfeed.settings import Settings
from newsfeed.store.hub import HubStore
from newsfeed.store.transaction import WriteTx as WriteTx  # the protocol, re-exported
from newsfeed.workflow import (
    AuditEntry,
    IdempotencyRecord,
    Position,
    Revision,
    StatusRow,
)


class StoreUnavailable(Exception):
    """The database does not answer (down, restarting, out of connections, timed out)."""


class SlugTaken(Exception):
    """Another article holds the slug (the database's unique constraint said so)."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


class EditorExists(Exception):
    """An editor of that name exists already."""


# Tables in the order a copy must load them (foreign keys point backwards).
TABLES: tuple[str, ...] = (
    "site_meta",
    "articles",
    "translations",
    "editors",
    "changes",
    "text_revisions",
    "audit",
    "idempotency_keys",
    "websub_subscriptions",
)


class Store(Protocol):
    """What the application asks of its database."""

    kind: str  # "sqlite" or "postgres"

    @property
    def hub(self) -> HubStore:
        """The WebSub hub's records."""

    # --- life -------------------------------------------------------------------------

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    # --- articles ---------------------------------------------------------------------

    async def article(
        self, article_id: int, *, public_only: bool = True, now: datetime | None = None
    ) -> Article | None:
        """The article with all its texts, or None (for the public: not visible)."""

    async def latest(
        self,
        *,
        lang: str | None = None,
        category: str | None = None,
        limit: int = 20,
        after: Cursor | None = None,
        public_only: bool = True,
        now: datetime | None = None,
    ) -> list[Article]:
        """Newest first (published_at, then id, descending), keyset-paginated by `after`."""

    async def board_page(
        self, *, category: str | None, offset: int, limit: int, now: datetime
    ) -> tuple[list[BoardRow], int]:
        """One page of the public board (titles only) and the change-log seq it saw."""

    async def count_public(self, category: str | None, now: datetime) -> int: ...

    async def count_articles(self) -> int: ...

    async def next_due(
        self, now: datetime, lang: str | None = None, category: str | None = None
    ) -> datetime | None:
        """When the next published-but-scheduled article (with a text in `lang`, in
        `category`, when given) becomes public: cached views of the public go stale then."""

    async def search(
        self, lang: str, words: Sequence[str], *, offset: int, limit: int, now: datetime
    ) -> tuple[list[SearchHit], bool]:
        """Public articles whose `lang` text holds every word (substrings, Korean too),
        newest first; and whether there are more."""

    # --- archives and the sitemap -----------------------------------------------------

    async def public_between(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> list[Article]:
        """Every public article with a text in `lang` published in [start, end) (end None:
        no bound but `now`), newest first: one month's archive."""

    async def public_edges(
        self, lang: str, start: datetime, end: datetime | None, now: datetime
    ) -> tuple[datetime | None, datetime | None]:
        """The publication instants of the newest public article in `lang` before `start`
        and of the oldest at or after `end`: where the neighbouring archives are."""

    async def last_changed_within(
        self, lang: str, start: datetime | None, end: datetime | None
    ) -> datetime | None:
        """The latest visible write that touched `lang` and an article published (now or
        before it was re-dated) in [start, end); None bounds are open."""

    async def sitemap_rows(self, now: datetime) -> list[SitemapRow]:
        """Every public article's languages and their texts' times, by number."""

    # --- the translation workflow -----------------------------------------------------

    async def revisions(self, article_id: int, lang: str) -> list[Revision]:
        """Every kept version of one text, newest first (rule 6)."""

    async def revision(self, article_id: int, lang: str, version: int) -> Revision | None:
        """One version of one text of that article, or None."""

    async def translation_status(
        self,
        lang: str,
        *,
        state: str | None,
        category: str | None,
        order: str,
        limit: int,
        after: Position | None,
    ) -> list[StatusRow]:
        """Every article (public or not) with the state of its `lang` text, in `order`
        ("newest" or "hits", then id, descending) past `after`."""

    async def translation_counts(self, lang: str, category: str | None) -> dict[str, int]:
        """The count of each state ("missing", "stale", "current") of `lang` texts over
        every article in `category` (all when None). A scan of every article: callers
        keep it until the change log moves (`status_counts.StatusCounts`)."""

    async def audit(
        self,
        *,
        article_id: int | None,
        editor: str | None,
        limit: int,
        before: int | None,
    ) -> list[AuditEntry]:
        """Audit entries newest first, with ids below `before` when given."""

    async def reserve_idempotency(
        self,
        editor: str,
        key: str,
        fingerprint: str,
        now_us: int,
        *,
        expire_before_us: int,
        abandoned_before_us: int,
    ) -> IdempotencyRecord | None:
        """Reserve (editor, key) as made at `now_us`, in a transaction of its own,
        committed at once: None when this request holds it now; else the record another
        request holds. Keys made before `expire_before_us` are dropped first; a reservation
        still in progress since before `abandoned_before_us` (its request died) is taken
        over."""

    async def release_idempotency(self, editor: str, key: str, reserved_us: int) -> None:
        """Drop this request's reservation while still in progress (it failed: a retry
        runs afresh)."""

    # --- editorial writes (rule 1) ----------------------------------------------------

    def writing(self) -> AbstractAsyncContextManager[WriteTx]: ...

    # --- the change log (rule 3) ------------------------------------------------------

    async def last_seq(self) -> int: ...

    async def changes_since(self, seq: int) -> list[Change]: ...

    async def last_changed(self, lang: str, category: str | None) -> datetime | None:
        """The latest visible write that touched `lang` (and `category`, when given)."""

    async def wait_for_change(self, within: float) -> None:
        """Return when another process may have written, or after `within` seconds."""

    # --- hits (rule 2) ----------------------------------------------------------------

    async def hit_counts(
        self, ids: Sequence[int], process: str
    ) -> list[tuple[int, int, int | None]]:
        """(id, stored hits, this process's last committed batch) for each id that exists."""

    async def public_hits(
        self, article_id: int, now: datetime, process: str
    ) -> tuple[int, int | None] | None:
        """(stored hits, marker) of a public article, or None."""

    async def add_hits(self, batch: Mapping[int, int], process: str, number: int) -> None:
        """Add a batch of views and record its number, in one transaction."""

    async def hit_marker(self, process: str) -> int | None:
        """The number of the process's last committed batch (settles a flush in doubt)."""

    async def forget_hits(self, process: str) -> None:
        """Drop the process's marker once everything it counted is stored."""

    # --- editors ----------------------------------------------------------------------

    async def editor_by_token(self, token_hash: str) -> EditorRecord | None:
        """The active editor holding that token hash."""

    async def add_editor(
        self, name: str, role: str, token_hash: str, at: str, langs: str | None = None
    ) -> None:
        """Raises `EditorExists`. `langs`: a translator's languages, comma separated
        (None: all)."""

    async def list_editors(self) -> list[EditorRecord]: ...

    async def revoke_editor(self, name: str, at: str) -> bool: ...

    async def rotate_editor(self, name: str, token_hash: str) -> bool:
        """Give an active editor a new token hash; the old one ends at once."""

    # --- desk sessions (rule 9) -------------------------------------------------------

    async def start_session(self, session_hash: str, token_hash: str, now_us: int) -> bool:
        """A session for the active editor holding `token_hash`; False when none does."""

    async def session(self, session_hash: str, since_us: int) -> tuple[EditorRecord, int] | None:
        """The editor of a live session last used after `since_us`, and that last use."""

    async def touch_session(self, session_hash: str, now_us: int) -> None:
        """Record a use of the session (never moving its last use back)."""

    async def end_session(self, session_hash: str) -> None: ...

    async def sweep_sessions(self, before_us: int) -> int:
        """Delete the rows of sessions idle since `before_us` or whose token ended."""

    # --- the site and whole-database operations ---------------------------------------

    async def site_value(self, key: str) -> str | None: ...

    async def set_site_value(self, key: str, value: str) -> None:
        """Set once: a value that exists is kept (first writer wins)."""

    async def fill_bodies(self, render: Any) -> int:
        """Store `render(body)` for every text whose rendered body is missing."""

    async def dump(self, table: str) -> list[dict[str, Any]]:
        """Every row of a table of `TABLES`, in primary-key order (copy, verify, tests)."""

    async def load(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows dumped from another store, keeping their ids; sequences follow."""


async def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """The store `NEWSFEED_DB` names, migrated to the newest schema unless told not to."""
    if settings.is_postgres:
        from newsfeed.store.postgres import PostgresStore

        return await PostgresStore.open(
            settings.db, pool=settings.db_pool, timeout=settings.db_timeout, migrate=migrate
        )
    from newsfeed.store.sqlite import SQLiteStore

    return await SQLiteStore.open(settings.db, migrate=migrate)

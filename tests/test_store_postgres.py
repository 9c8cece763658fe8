"""The PostgreSQL store against a real server: the protocol's five rules, search, copies.

Each test gets an emptied migrated database (`pg_url` of conftest); without `NEWSFEED_TEST_PG`
they skip (fail with `NEWSFEED_REQUIRE_PG=1`). Two `PostgresStore`s on one database
stand for two machines: two pools, two LISTEN connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from newsfeed.editing import changed_fields
from newsfeed.model import (
    Article,
    Change,
    Cursor,
    EditorRecord,
    Role,
    Source,
    Text,
    stamp,
    to_us,
    utcnow,
)
from newsfeed.store import TABLES, EditorExists, SlugTaken, Store, StoreUnavailable
from newsfeed.store.postgres import PostgresStore, schema
from newsfeed.store.sqlite import SQLiteStore
from newsfeed.workflow import TextWrite

Open = Callable[..., Awaitable[PostgresStore]]


def render(body: str) -> str:
    return f"<p>{body}</p>"


@pytest.fixture
async def open_store(pg_url: str) -> AsyncIterator[Open]:
    """Opens stores on the test's database (any number: each a "machine"); closes them."""
    opened: list[PostgresStore] = []

    async def make(url: str = pg_url, **kwargs: Any) -> PostgresStore:
        options: dict[str, Any] = {"pool": 4, "timeout": 5.0, "migrate": True} | kwargs
        store = await PostgresStore.open(url, **options)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_store: Open) -> PostgresStore:
    return await open_store()


# --- writing like editing.py does -----------------------------------------------------


async def create(
    store: Store,
    texts: dict[str, Text],
    *,
    category: str = "news",
    status: str = "published",
    published: str | None = None,
    slug: str | None = None,
) -> int:
    """`editing.create` in short: the article, its texts and its change, in one write."""
    now = utcnow()
    at = stamp(now)
    published = published or stamp(now - timedelta(seconds=1))
    async with store.writing() as tx:
        if slug is not None and await tx.slug_taken(slug, None):
            raise AssertionError("slug taken")
        article_id = await tx.insert_article(
            slug=slug,
            category=category,
            status=status,
            published_at=published,
            published_us=_us(published),
            at=at,
            original_lang=next(iter(texts)),
        )
        original = next(iter(texts))
        for lang, text in texts.items():
            source = None if lang == original else Source(original, 1)
            write = TextWrite(1, source, False, None, changed_fields(None, text))
            await tx.upsert_text(article_id, lang, text, render(text.body), at, write)
        await tx.record_change(article_id, texts, [category], at)
    return article_id


def _us(published: str) -> int:
    return to_us(datetime.fromisoformat(published))


async def test_create_patch_put_delete(store: PostgresStore) -> None:
    kst = "2020-09-15T10:00:00+09:00"
    first = await create(
        store,
        {"ko": Text("첨단재생의학 협약", "요약", "본문", "홍보팀")},
        published=kst,
        slug="pact",
    )
    article = await store.article(first)
    assert article is not None
    assert article.published_at == kst  # the editor's offset survives
    assert article.published_us == _us(kst)
    assert (article.version, article.hits, article.slug) == (1, 0, "pact")
    assert article.translations["ko"].body_html == "<p>본문</p>"

    # patch, as editing.patch: read under the lock, check, update, log
    async with store.writing() as tx:
        current = await tx.article(first)
        assert current is not None and current.etag == article.etag
        assert await tx.slug_taken("pact", first) is False
        await tx.update_article(first, {"category": "events", "updated_at": stamp(utcnow())})
        await tx.record_change(first, current.translations, {"news", "events"}, stamp(utcnow()))
    # put a new language, as translating.put
    async with store.writing() as tx:
        write = TextWrite(1, Source("ko", 1), False, None, ("title",))
        await tx.upsert_text(first, "en", Text("Pact"), render(""), stamp(utcnow()), write)
        await tx.update_article(first, {"updated_at": stamp(utcnow())})
        await tx.record_change(first, ["ko", "en"], ["events"], stamp(utcnow()))
    after = await store.article(first)
    assert after is not None
    assert (after.category, after.version, sorted(after.translations)) == (
        "events",
        3,
        ["en", "ko"],
    )
    assert [a.id for a in await store.latest(lang="en")] == [first]
    assert await store.latest(category="news") == []

    # a draft and a scheduled article: not public, but there for editors
    draft = await create(store, {"en": Text("Draft")}, status="draft")
    later = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    scheduled = await create(store, {"en": Text("Soon")}, published=later.isoformat())
    assert await store.article(draft) is None
    assert await store.article(draft, public_only=False) is not None
    assert await store.article(scheduled) is None
    assert await store.next_due(utcnow()) == later
    assert await store.next_due(utcnow(), lang="ko") is None
    assert await store.count_public(None, utcnow()) == 1
    assert await store.count_articles() == 3
    newest = await store.latest(public_only=False)
    assert [a.id for a in newest] == [scheduled, draft, first]
    page = await store.latest(public_only=False, limit=1, after=_cursor(newest[0]))
    assert [a.id for a in page] == [draft]

    rows, seq = await store.board_page(category=None, offset=0, limit=20, now=utcnow())
    assert [(r.id, r.titles) for r in rows] == [(first, {"en": "Pact", "ko": "첨단재생의학 협약"})]
    assert seq == await store.last_seq() == 5

    # delete a text, then the article
    async with store.writing() as tx:
        await tx.delete_text(first, "en")
        await tx.update_article(first, {"original_lang": "ko", "updated_at": stamp(utcnow())})
        await tx.record_change(first, ["ko", "en"], ["events"], stamp(utcnow()))
        await tx.delete_article(draft)
        await tx.record_change(draft, ["en"], ["news"], stamp(utcnow()))
    assert sorted((await store.article(first)).translations) == ["ko"]  # type: ignore[union-attr]
    assert await store.article(draft, public_only=False) is None
    changes = await store.changes_since(4)
    assert changes == [
        Change(5, frozenset({"en"}), frozenset({"news"})),
        Change(6, frozenset({"ko", "en"}), frozenset({"events"})),
        Change(7, frozenset({"en"}), frozenset({"news"})),
    ]
    changed = await store.last_changed("ko", "events")
    assert changed is not None and changed.utcoffset() == timedelta(0)
    assert await store.last_changed("ja", None) is None


def _cursor(article: Article) -> Cursor:
    return Cursor(article.published_us, article.id)


async def test_a_failed_write_leaves_nothing(store: PostgresStore) -> None:
    first = await create(store, {"ko": Text("하나")}, slug="one")
    with pytest.raises(RuntimeError):
        async with store.writing() as tx:
            await tx.update_article(first, {"category": "gone"})
            await tx.record_change(first, ["ko"], ["gone"], stamp(utcnow()))
            raise RuntimeError("the caller's 412")
    article = await store.article(first)
    assert article is not None and (article.category, article.version) == ("news", 1)
    assert await store.last_seq() == 1


async def test_slug_taken_by_the_constraint(store: PostgresStore) -> None:
    """Rule 5: without the check-before-write, the unique constraint says it, and the
    transaction stays usable (a savepoint), as SQLite's does."""
    first = await create(store, {"ko": Text("하나")}, slug="one")
    second = await create(store, {"ko": Text("둘")}, slug="two")
    async with store.writing() as tx:
        with pytest.raises(SlugTaken) as taken:
            await tx.insert_article(
                slug="one",
                category="news",
                status="draft",
                published_at=stamp(utcnow()),
                published_us=to_us(utcnow()),
                at=stamp(utcnow()),
                original_lang="ko",
            )
        assert taken.value.slug == "one"
        with pytest.raises(SlugTaken):
            await tx.update_article(second, {"slug": "one"})
        await tx.update_article(second, {"slug": "deux"})  # still usable
    assert (await store.article(second)).slug == "deux"  # type: ignore[union-attr]
    assert (await store.article(first)).slug == "one"  # type: ignore[union-attr]
    assert await store.count_articles() == 2


# --- rule 1: serialized writes, change log in seq order ---------------------------------


async def test_writes_from_two_machines_are_serialized_in_seq_order(open_store: Open) -> None:
    """200 read-check-write units on 10 articles from two stores at once: every write saw
    the version the previous one on its article left (If-Match holds until commit), and a
    follower polling `changes_since(last)` meanwhile never skips a seq."""
    a, b = await open_store(pool=6), await open_store(pool=6)
    ids = [await create(a, {"ko": Text(f"기사 {n}")}) for n in range(10)]
    seen: dict[int, list[int]] = {i: [] for i in ids}
    followed: list[int] = []
    done = asyncio.Event()

    async def write(store: PostgresStore, article_id: int) -> None:
        async with store.writing() as tx:
            current = await tx.article(article_id)
            assert current is not None
            seen[article_id].append(current.version)
            await tx.update_article(article_id, {"updated_at": stamp(utcnow())})
            await tx.record_change(article_id, ["ko"], ["news"], stamp(utcnow()))
            await asyncio.sleep(random.random() / 200)  # a wider window before commit

    async def follow() -> None:
        last = await b.last_seq()
        while not done.is_set() or last < await b.last_seq():
            for change in await b.changes_since(last):
                followed.append(change.seq)
                last = change.seq
            await asyncio.sleep(0)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(a if n % 2 else b, ids[n % 10]) for n in range(200)))
    done.set()
    await follower
    for article_id in ids:  # no two writes saw the same version
        assert sorted(seen[article_id]) == list(range(1, 21))
        assert (await a.article(article_id)).version == 21  # type: ignore[union-attr]
    assert followed == list(range(11, 211))  # seqs 1-10 were the creates


# --- rule 2: hits ---------------------------------------------------------------------


async def test_hits_flushed_from_two_machines_sum_exactly(open_store: Open) -> None:
    a, b = await open_store(pool=4), await open_store(pool=4)
    ids = [await create(a, {"ko": Text(f"기사 {n}")}) for n in range(8)]
    expected = dict.fromkeys(ids, 0)

    async def flush(store: PostgresStore, process: str) -> None:
        for number in range(1, 51):
            batch = {i: random.randint(1, 9) for i in random.sample(ids, 5)}
            for i, n in batch.items():
                expected[i] += n
            await store.add_hits(batch, process, number)

    await asyncio.gather(flush(a, "pa"), flush(a, "pa2"), flush(b, "pb"), flush(b, "pb2"))
    counts = await a.hit_counts(ids, "pb")
    assert {i: n for i, n, _ in counts} == expected
    assert {marker for _, _, marker in counts} == {50}


async def test_hit_counts_carry_the_marker(store: PostgresStore) -> None:
    shown = await create(store, {"ko": Text("공개")})
    draft = await create(store, {"ko": Text("초안")}, status="draft")
    assert await store.hit_counts([], "p") == []
    assert await store.hit_counts([shown, draft, 999], "p") in (
        [(shown, 0, None), (draft, 0, None)],
        [(draft, 0, None), (shown, 0, None)],
    )
    await store.add_hits({shown: 2, draft: 1}, "p", 7)
    assert sorted(await store.hit_counts([shown, draft], "p")) == [(shown, 2, 7), (draft, 1, 7)]
    assert await store.hit_counts([shown], "other") == [(shown, 2, None)]
    assert await store.public_hits(shown, utcnow(), "p") == (2, 7)
    assert await store.public_hits(draft, utcnow(), "p") is None
    await store.add_hits({}, "p", 8)  # an empty batch still moves the marker
    assert await store.public_hits(shown, utcnow(), "p") == (2, 8)
    assert await store.hit_marker("p") == 8
    await store.forget_hits("p")
    assert await store.public_hits(shown, utcnow(), "p") == (2, None)
    assert await store.hit_marker("p") is None
    assert (await store.article(shown)).hits == 2  # type: ignore[union-attr]


# --- search -----------------------------------------------------------------------------

CORPUS = [
    (
        "첨단재생의학 공동연구 협약",
        "한림대와 바이오솔루션",
        "재생 치료에 관한 본문입니다.",
        "2020-09-15",
    ),
    ("자기공명영상 장비 도입", "MRI Scanner", "새 장비. 100% 국산_부품", "2021-01-01"),
    ("사랑의 헌혈 캠페인", "", "협력 병원과 함께하는 헌혈", "2022-01-01"),
    ("Regenerative Medicine Pact", "Summary", "All about regenerative medicine.", "2023-03-03"),
]
QUERIES = [
    ["재생의학"],
    ["재생"],
    ["협약"],
    ["협"],
    ["헌혈", "협력"],
    ["재생", "헌혈"],
    ["mri"],
    ["MRI", "scanner"],
    ["regenerative", "PACT"],
    ["e"],
    ["100%"],
    ["%"],
    ["_"],
    ["국산_부품"],
    ["없는말"],
    ["의학"],
    ["."],
]


async def fill(store: Store) -> list[int]:
    ids = []
    for title, summary, body, day in CORPUS:
        published = f"{day}T10:00:00+09:00"
        ids.append(await create(store, {"ko": Text(title, summary, body)}, published=published))
    await create(store, {"ko": Text("재생의학 초안")}, status="draft")
    return ids


async def test_search_finds_korean_substrings_of_any_length(
    store: PostgresStore, tmp_path: Path
) -> None:
    ids = await fill(store)
    pact, mri, blood, english = ids

    async def found(*words: str) -> list[int]:
        hits, _ = await store.search("ko", words, offset=0, limit=10, now=utcnow())
        return [hit.id for hit in hits]

    assert await found("재생의학") == [pact]  # inside 첨단재생의학; not the draft
    assert await found("협약") == [pact]
    assert await found("협") == [blood, pact]  # newest first
    assert await found("헌혈", "협력") == [blood]
    assert await found("재생", "헌혈") == []  # every word must match
    assert await found("mri") == await found("Mri") == [mri]
    assert await found("regenerative", "PACT") == [english]
    assert await found("100%") == [mri] and await found("%") == [mri]
    assert await store.search("en", ["재생"], offset=0, limit=10, now=utcnow()) == ([], False)
    hits, more = await store.search("ko", ["e"], offset=0, limit=1, now=utcnow())
    assert [h.id for h in hits] == [english] and more
    hits, more = await store.search("ko", ["e"], offset=1, limit=1, now=utcnow())
    assert [h.id for h in hits] == [mri] and not more

    # the same answers as the SQLite store for the same texts
    lite = await SQLiteStore.open(str(tmp_path / "lite.db"))
    try:
        await fill(lite)
        for words in QUERIES:
            theirs = await lite.search("ko", words, offset=0, limit=10, now=utcnow())
            ours = await store.search("ko", words, offset=0, limit=10, now=utcnow())
            assert ours == theirs, words
    finally:
        await lite.close()


async def test_search_uses_the_indexes(store: PostgresStore, pg_url: str) -> None:
    """With enough rows the planner picks the trigram and pieces indexes."""
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("SET enable_seqscan = off")
        for column, value in (("search_text", "'%재생의학%'"), ("pieces", "'{협약}'")):
            op = "LIKE" if column == "search_text" else "@>"
            plan = "\n".join(
                r[0]
                for r in await conn.fetch(
                    f"EXPLAIN SELECT 1 FROM translations WHERE {column} {op} {value}"
                )
            )
            assert f"translations_{'search' if column == 'search_text' else 'pieces'}" in plan
    finally:
        await conn.close()


# --- migrations, refusal, failures --------------------------------------------------------


async def test_migrations_run_once_when_three_instances_start_together(pg_empty_url: str) -> None:
    stores = await asyncio.gather(
        *(PostgresStore.open(pg_empty_url, pool=2, timeout=5, migrate=True) for _ in range(3))
    )
    try:
        for n, one in enumerate(stores):
            await create(one, {"ko": Text(f"기사 {n}")})
        assert await stores[0].count_articles() == 3
    finally:
        for one in stores:
            await one.close()
    conn = await asyncpg.connect(pg_empty_url)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
    finally:
        await conn.close()
    assert sorted(versions) == list(range(1, len(schema.MIGRATIONS) + 1))


async def test_an_unmigrated_database_is_refused_without_migrating(pg_empty_url: str) -> None:
    with pytest.raises(StoreUnavailable, match="schema is at version 0"):
        await PostgresStore.open(pg_empty_url, pool=1, timeout=5, migrate=False)


async def test_a_database_that_cannot_index_korean_is_refused(
    pg_new_database: Callable[..., str],
) -> None:
    url = pg_new_database("TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C' LC_COLLATE 'C'")
    with pytest.raises(StoreUnavailable) as refused:
        await PostgresStore.open(url, pool=1, timeout=5, migrate=True)
    message = str(refused.value)
    assert "LC_CTYPE 'C'" in message and "show_trgm('재생')" in message
    assert "LC_CTYPE 'C.UTF-8'" in message and "TEMPLATE template0" in message
    conn = await asyncpg.connect(url)
    try:  # refused before migrating: nothing was made there
        assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
    finally:
        await conn.close()


async def test_a_closed_port_is_unavailable_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free now, and nobody listens on it
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await PostgresStore.open(
            f"postgresql://newsfeed:newsfeed@127.0.0.1:{port}/x", pool=2, timeout=5
        )
    assert time.monotonic() - started < 1


async def test_a_statement_past_the_timeout_is_unavailable(open_store: Open) -> None:
    """Rule 4: a writer waiting on the editorial lock longer than `timeout` gets
    `StoreUnavailable` (statement_timeout), not a hang."""
    holder, waiter = await open_store(), await open_store(timeout=0.3)
    article_id = await create(holder, {"ko": Text("기사")})
    started = asyncio.Event()

    async def hold() -> None:
        async with holder.writing() as tx:
            await tx.article(article_id)
            started.set()
            await asyncio.sleep(1.0)

    holding = asyncio.create_task(hold())
    await started.wait()
    began = time.monotonic()
    with pytest.raises(StoreUnavailable):
        async with waiter.writing():
            pass
    assert time.monotonic() - began < 0.9
    await holding
    async with waiter.writing() as tx:  # the pool is fine afterwards
        assert await tx.article(article_id) is not None


async def test_the_pool_recovers_when_its_connections_are_killed(
    open_store: Open, pg_server: str, pg_url: str
) -> None:
    """What a server restart does to the pool: every connection ends (57P01). The next
    calls still answer: asyncpg reopens closed connections, and a read that met a dead
    one is tried again."""
    store = await open_store(pool=3)
    article_id = await create(store, {"ko": Text("기사")})
    await asyncio.gather(*(store.article(article_id) for _ in range(6)))  # fill the pool
    await _kill_backends(pg_server, pg_url)
    for _ in range(3):
        assert await store.article(article_id) is not None
    await create(store, {"ko": Text("다시")})
    assert await store.count_articles() == 2


async def _kill_backends(server: str, url: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.rsplit("/", 1)[1],
        )
        assert killed > 0
    finally:
        await conn.close()


@pytest.fixture
def private_server() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A PostgreSQL server of this test's own, to stop and start: (URL, pg_ctl(action)).
    Opt-in (`NEWSFEED_TEST_PG_RESTART=1`): it needs root and Debian's server binaries,
    and initdb takes seconds."""
    if os.environ.get("NEWSFEED_TEST_PG_RESTART") != "1":
        pytest.skip("NEWSFEED_TEST_PG_RESTART=1 restarts a private server (root, initdb)")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root, runuser and /usr/lib/postgresql/*/bin")
    bindir = found[-1].parent
    home = Path(tempfile.mkdtemp(prefix="newsfeed-pg-"))
    shutil.chown(home, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_postgres, str(bindir / "initdb"), "-D", str(home / "data"), "--auth=trust"]
        + ["-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1"

    def pg_ctl(action: str) -> None:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(home / "data")]
            + ["-l", str(home / "log"), "-o", options, "-w", "-m", "fast", action],
            check=True,
            capture_output=True,
        )

    pg_ctl("start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", pg_ctl
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl("stop")
        shutil.rmtree(home, ignore_errors=True)


async def test_a_real_restart_is_survived(
    private_server: tuple[str, Callable[[str], None]],
) -> None:
    """While the server is down every call is `StoreUnavailable` at once; once it is back
    the pool answers again by itself and the followers wake (then hear writes again)."""
    url, pg_ctl = private_server
    a = await PostgresStore.open(url, pool=3, timeout=2)
    b = await PostgresStore.open(url, pool=3, timeout=2)
    try:
        article_id = await create(a, {"ko": Text("재시작")})
        await asyncio.gather(*(one.article(article_id) for one in (a, b) for _ in range(4)))
        await b.wait_for_change(0.01)
        await asyncio.to_thread(pg_ctl, "stop")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await a.article(article_id)
        with pytest.raises(StoreUnavailable):
            async with a.writing():
                pass
        assert time.monotonic() - started < 1
        await asyncio.to_thread(pg_ctl, "start")
        await asyncio.wait_for(b.wait_for_change(30), 10)  # woken by reconnecting
        assert b._follower.reconnects >= 1 and b._follower.connected
        for one in (a, b, a, b):
            assert await one.article(article_id) is not None
        waiting = asyncio.create_task(b.wait_for_change(10))
        await asyncio.sleep(0.05)
        await create(a, {"ko": Text("다시")})
        await asyncio.wait_for(waiting, 1)
    finally:
        await a.close()
        await b.close()


# --- rule 3: LISTEN/NOTIFY -------------------------------------------------------------


async def test_a_write_on_one_machine_wakes_the_other(open_store: Open) -> None:
    a, b = await open_store(), await open_store()
    await b.wait_for_change(0.01)  # consume anything from opening
    waiting = asyncio.create_task(b.wait_for_change(10))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    article_id = await create(a, {"ko": Text("기사")})
    await asyncio.wait_for(waiting, 1)
    assert time.monotonic() - started < 1
    assert [c.seq for c in await b.changes_since(0)] == [1]

    # other processes' hit flushes do not wake followers of the change log (they do not
    # touch it, and every process flushes twice a second); their counts are read
    waiting = asyncio.create_task(b.wait_for_change(10))
    await a.add_hits({article_id: 1}, "pa", 1)
    assert await b.hit_counts([article_id], "pa") == [(article_id, 1, 1)]
    await asyncio.sleep(0.2)
    assert not waiting.done()
    assert await b.changes_since(1) == []
    await create(a, {"ko": Text("다음")})  # while an editorial write still wakes it
    await asyncio.wait_for(waiting, 1)


async def test_wait_for_change_times_out_quietly(store: PostgresStore) -> None:
    await store.wait_for_change(0.01)
    started = time.monotonic()
    await store.wait_for_change(0.2)
    assert 0.15 < time.monotonic() - started < 1


async def test_listening_resumes_after_the_connection_is_lost(
    open_store: Open, pg_server: str
) -> None:
    """A write committed while the LISTEN connection is down is not heard: the
    reconnection wakes the waiter instead, and the change log has the write."""
    a, b = await open_store(), await open_store()
    await b.wait_for_change(0.01)
    follower = b._follower
    conn = follower._conn
    assert conn is not None
    reopen, reopening, reopen_now = follower._connect, asyncio.Event(), asyncio.Event()

    async def reopen_when_told() -> asyncpg.Connection:
        reopening.set()
        await reopen_now.wait()
        return await reopen()

    follower._connect = reopen_when_told
    seen = await b.last_seq()
    waiting = asyncio.create_task(b.wait_for_change(10))
    await asyncio.sleep(0.05)
    killer = await asyncpg.connect(pg_server)
    try:
        await killer.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
    finally:
        await killer.close()
    await asyncio.wait_for(reopening.wait(), 3)  # the loss noticed, the old connection gone
    await create(a, {"ko": Text("못 들음")})  # its notification reaches no connection of b
    await asyncio.sleep(0.2)
    assert not waiting.done()
    reopen_now.set()
    await asyncio.wait_for(waiting, 3)  # woken by the reconnection
    assert follower.reconnects == 1 and follower.connected
    assert [c.seq for c in await b.changes_since(seen)] == [seen + 1]
    waiting = asyncio.create_task(b.wait_for_change(10))
    await asyncio.sleep(0.05)
    await create(a, {"ko": Text("기사")})
    await asyncio.wait_for(waiting, 1)  # and hears notifications again


# --- editors, site values, bodies, copies ---------------------------------------------------


async def test_editors(store: PostgresStore) -> None:
    await store.add_editor("kim", "editor", "h1", "2024-01-01T00:00:00+00:00")
    await store.add_editor("lee", "translator", "h2", "2024-01-02T00:00:00+00:00")
    with pytest.raises(EditorExists):
        await store.add_editor("kim", "editor", "h3", "2024-01-03T00:00:00+00:00")
    assert await store.editor_by_token("h1") == EditorRecord(
        "kim", Role.EDITOR, "2024-01-01T00:00:00+00:00", None, "h1"
    )
    assert await store.rotate_editor("kim", "h9") is True
    assert await store.editor_by_token("h1") is None
    assert await store.revoke_editor("lee", "2024-02-01T00:00:00+00:00") is True
    assert await store.revoke_editor("lee", "2024-02-02T00:00:00+00:00") is False
    assert await store.rotate_editor("lee", "h8") is False
    assert await store.editor_by_token("h2") is None
    assert [(e.name, e.revoked_at) for e in await store.list_editors()] == [
        ("kim", None),
        ("lee", "2024-02-01T00:00:00+00:00"),
    ]


async def test_site_values_are_set_once(store: PostgresStore) -> None:
    assert await store.site_value("authority") is None
    await store.set_site_value("authority", "news.example,2024")
    await store.set_site_value("authority", "other")
    assert await store.site_value("authority") == "news.example,2024"
    assert await store.ping() is True


async def test_copies_round_trip_between_sqlite_and_postgres(
    store: PostgresStore, tmp_path: Path
) -> None:
    lite = await SQLiteStore.open(str(tmp_path / "from.db"))
    back = await SQLiteStore.open(str(tmp_path / "back.db"))
    try:
        ids = await fill(lite)
        gone = await create(lite, {"en": Text("Deleted later")})
        async with lite.writing() as tx:
            await tx.delete_article(gone)
            await tx.record_change(gone, ["en"], ["news"], stamp(utcnow()))
        await lite.add_hits({ids[0]: 5, ids[1]: 2}, "p", 1)
        await lite.add_editor("kim", "editor", "h1", "2024-01-01T00:00:00+00:00")
        await lite.add_editor("lee", "translator", "h2", "2024-01-02T00:00:00+00:00")
        await lite.revoke_editor("lee", "2024-02-01T00:00:00+00:00")
        await lite.set_site_value("authority", "news.example,2024")
        for table in TABLES:
            await store.load(table, await lite.dump(table))
            await back.load(table, await store.dump(table))
        for table in TABLES:
            original = await lite.dump(table)
            assert await store.dump(table) == original, table
            assert await back.dump(table) == original, table

        # ids go on past the copied ones, and past the deleted article's
        fresh = await create(store, {"ko": Text("새 기사")})
        assert fresh == gone + 1
        await store.add_editor("park", "editor", "h3", "2024-03-01T00:00:00+00:00")
        assert [r["id"] for r in await store.dump("editors")] == [1, 2, 3]
        assert await store.last_seq() == len(await lite.dump("changes")) + 1
        # the loaded texts are searchable
        hits, _ = await store.search("ko", ["재생의학"], offset=0, limit=5, now=utcnow())
        assert [h.id for h in hits] == [ids[0]]
    finally:
        await lite.close()
        await back.close()


async def test_fill_bodies_renders_the_missing_ones(store: PostgresStore) -> None:
    first = await create(store, {"ko": Text("하나", body="본문 하나")})
    rows = await store.dump("translations")
    await store.load(
        "articles",
        [
            {**row, "id": row["id"] + 1, "slug": None}
            for row in await store.dump("articles")
            if row["id"] == first
        ],
    )
    await store.load(
        "translations",
        [{**row, "article_id": first + 1, "body_html": None, "body": "둘"} for row in rows],
    )
    assert await store.fill_bodies(lambda body: f"<b>{body}</b>") == 1
    assert await store.fill_bodies(lambda body: "again") == 0
    bodies = {r["article_id"]: r["body_html"] for r in await store.dump("translations")}
    assert bodies == {first: "<p>본문 하나</p>", first + 1: "<b>둘</b>"}

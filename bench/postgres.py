"""The benchmark's PostgreSQL rows: the same site copied into PostgreSQL, served by one
instance and by two instances on one database, each row a ratio to the same hello world.

The database comes from `NEWSFEED_BENCH_PG` (or `NEWSFEED_TEST_PG`): a URL whose role may
create databases. The generated SQLite site is copied into a fresh database `nf_bench`
with `newsfeed copy-db`'s own code, so both stores serve the very same articles.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

ENV = ("NEWSFEED_BENCH_PG", "NEWSFEED_TEST_PG")
NAME = "nf_bench"


def server_url() -> str | None:
    return next((os.environ[n] for n in ENV if os.environ.get(n)), None)


def prepare(url: str, sqlite_path: Path) -> str:
    """A fresh database holding a copy of the SQLite site; its URL."""
    import asyncpg

    from newsfeed.copydb import copy_site
    from newsfeed.settings import Settings
    from newsfeed.store import open_store

    head, _, _ = url.rpartition("/")
    target = f"{head}/{NAME}"

    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
            await conn.execute(
                f"CREATE DATABASE {NAME} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
            )
        finally:
            await conn.close()
        long = {"NEWSFEED_DB_TIMEOUT": "600"}  # whole tables are read and written
        source = await open_store(Settings.from_env({"NEWSFEED_DB": str(sqlite_path), **long}))
        destination = await open_store(Settings.from_env({"NEWSFEED_DB": target, **long}))
        try:
            await copy_site(source, destination)
        finally:
            await source.close()
            await destination.close()
        conn = await asyncpg.connect(target)
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()

    asyncio.run(run())
    return target

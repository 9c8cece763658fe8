"""The `newsfeed` command line: parse argv, then call into the package."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from newsfeed import auth, copydb, seed, server
from newsfeed.render import markdown_html
from newsfeed.settings import Settings, SettingsError
from newsfeed.store import Store, StoreUnavailable, open_store
from newsfeed.store.sqlite import backup

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Bilingual news board: HTML pages, RSS/Atom/JSON feeds and a JSON API. "
        "Configured by NEWSFEED_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run the web service until SIGTERM or Ctrl-C",
        description="Migrate the database, then serve HTTP until SIGTERM.",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes sharing the port (default NEWSFEED_WORKERS or 1)",
    )
    sub.add_parser(
        "seed",
        help="add the sample articles, only to an empty database",
        description="Add sample bilingual articles if the database holds none.",
    )
    backup_cmd = sub.add_parser(
        "backup",
        help="copy the database to PATH, safely while the service runs",
        description="Write a consistent, checked copy of the database (NEWSFEED_DB) to "
        "PATH, replacing PATH only once the copy is complete.",
    )
    backup_cmd.add_argument("path", metavar="PATH", help="file to write, e.g. backups/newsfeed.db")
    copy_cmd = sub.add_parser(
        "copy-db",
        help="copy the whole site to an empty database of either kind, and verify it",
        description="Copy every table of the database NEWSFEED_DB names (articles, texts, "
        "hits, editors and their tokens, the change log, site values) to the empty database "
        "DEST_URL, keeping every id, then compare the two. A destination holding anything "
        "is refused and left as it was. Stop writes to the source first.",
    )
    copy_cmd.add_argument(
        "dest",
        metavar="DEST_URL",
        help="a SQLite path (or sqlite:///path) or postgresql://user:password@host:5432/db",
    )
    editor = sub.add_parser(
        "editor",
        help="manage editor and translator tokens",
        description="Create, list and revoke API tokens.",
    )
    esub = editor.add_subparsers(dest="editor_command", required=True, metavar="ACTION")
    add = esub.add_parser(
        "add",
        help="create an editor; prints the token once, on the last line",
        description="Create an editor and print their token. Only a hash is "
        "stored, so the token cannot be shown again.",
    )
    add.add_argument("name", help="a unique name, e.g. the person's login")
    add.add_argument(
        "--role",
        choices=["editor", "translator"],
        default="editor",
        help="editors do everything; translators may only put translations (default editor)",
    )
    esub.add_parser(
        "list",
        help="list editors, their roles and whether they are revoked",
        description="List editors (tokens are never shown).",
    )
    revoke = esub.add_parser(
        "revoke",
        help="end an editor's token",
        description="Revoke the named editor's token at once.",
    )
    revoke.add_argument("name")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "serve":
            # Migrated and bodies filled once, before any worker starts.
            asyncio.run(_with_store(settings, lambda store: store.fill_bodies(markdown_html)))
            return _serve(settings, args.workers)
        if args.command == "backup":
            return _backup(settings, Path(args.path))
        if args.command == "copy-db":
            return _copy_db(settings, args.dest)
        if args.command == "seed":
            added = asyncio.run(
                _with_store(settings, lambda store: seed.seed(store, settings.langs))
            )
            print(
                f"added {added} sample articles" if added else "database has articles; seed skipped"
            )
            return 0
        return asyncio.run(_with_store(settings, lambda store: _editor(store, args)))
    except StoreUnavailable as exc:
        print(f"newsfeed: the database does not answer: {exc}", file=sys.stderr)
        return 1


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open (and migrate) the store, do the work, close it."""
    store = await open_store(settings)
    try:
        return await work(store)
    finally:
        await store.close()


def _serve(settings: Settings, workers: int | None) -> int:
    count = settings.workers if workers is None else workers
    if not 1 <= count <= 64:
        print(f"newsfeed: --workers {count} is outside 1..64", file=sys.stderr)
        return 2
    return server.serve(settings, count)


def _backup(settings: Settings, path: Path) -> int:
    if settings.is_postgres:
        print(
            "newsfeed: backup copies a SQLite file; for PostgreSQL use pg_dump (README)",
            file=sys.stderr,
        )
        return 2
    try:
        count = backup.backup(settings.db_path, path)
    except backup.BackupError as exc:
        print(f"newsfeed: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {count} articles to {path}")
    return 0


COPY_TIMEOUT = 600.0  # seconds: reading a whole table of a large site takes a while


def _copy_db(settings: Settings, dest: str) -> int:
    # A copy reads and writes whole tables: the per-request timeout is not for it.
    settings = replace(settings, db_timeout=max(settings.db_timeout, COPY_TIMEOUT))
    target = replace(settings, db=dest)
    if "://" in dest and not (target.is_postgres or dest.startswith("sqlite://")):
        print(
            f"newsfeed: copy-db: {copydb.shown(dest)!r} is neither a SQLite path, "
            "sqlite:///path nor postgresql://…",
            file=sys.stderr,
        )
        return 2
    if _same_database(settings, target):
        print("newsfeed: copy-db: DEST_URL is NEWSFEED_DB itself", file=sys.stderr)
        return 2

    async def copy(source: Store) -> copydb.Report:
        return await _with_store(target, lambda destination: copydb.copy_site(source, destination))

    try:
        report = asyncio.run(_with_store(settings, copy))
    except copydb.CopyRefused as exc:
        print(
            f"newsfeed: copy-db: refused, {exc} ({copydb.shown(dest)}); nothing was written",
            file=sys.stderr,
        )
        return 1
    except copydb.CopyFailed as exc:
        print(f"newsfeed: copy-db failed: {exc}", file=sys.stderr)
        return 1
    print(f"copied {copydb.shown(settings.db)} to {copydb.shown(dest)}:")
    print("\n".join(report.lines()))
    return 0


def _same_database(one: Settings, other: Settings) -> bool:
    if one.is_postgres or other.is_postgres:
        return one.db == other.db
    return one.db_path.resolve() == other.db_path.resolve()


async def _editor(store: Store, args: argparse.Namespace) -> int:
    if args.editor_command == "add":
        try:
            token = await auth.add_editor(store, args.name, auth.Role(args.role))
        except ValueError as exc:
            print(f"newsfeed: {exc}", file=sys.stderr)
            return 1
        print(f"created {args.role} {args.name!r}; the token is shown this once:")
        print(token)
        return 0
    if args.editor_command == "list":
        for record in await store.list_editors():
            state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
            print(f"{record.name}\t{record.role.value}\t{record.created_at}\t{state}")
        return 0
    if not await auth.revoke_editor(store, args.name):
        print(f"newsfeed: no active editor named {args.name!r}", file=sys.stderr)
        return 1
    print(f"revoked {args.name!r}")
    return 0

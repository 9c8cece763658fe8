"""The `newsfeed` command line: parse argv, then call into the package."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from newsfeed import auth, copydb, seed, server, status_table, workflow
from newsfeed.feeds import authority
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
    parser.add_argument(
        "--version", action="version", version=f"newsfeed {_version()}", help="print the version"
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
    restore_cmd = sub.add_parser(
        "restore",
        help="put a backup in place of the database, with the service stopped",
        description="Check the backup at PATH (integrity, schema) and put a copy of it in "
        "place of the database (NEWSFEED_DB). Refused while a newsfeed serve uses the "
        "database. The replaced database is kept beside it, with its write-ahead log, as "
        "NAME.replaced-TIMESTAMP.",
    )
    restore_cmd.add_argument("path", metavar="PATH", help="a file made by newsfeed backup")
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
        description="Create, list, rotate and revoke API tokens.",
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
    add.add_argument(
        "--langs",
        metavar="LANGS",
        help="a translator's languages, comma separated, e.g. en,ja (default: all)",
    )
    esub.add_parser(
        "list",
        help="list editors, their roles, languages and whether they are revoked",
        description="List editors (tokens are never shown).",
    )
    revoke = esub.add_parser(
        "revoke",
        help="end an editor's token",
        description="Revoke the named editor's token at once.",
    )
    revoke.add_argument("name")
    rotate = esub.add_parser(
        "rotate",
        help="give an editor a new token; prints it once, on the last line",
        description="Replace the named editor's token with a new one and print it. The "
        "old token stops working at once; only a hash of the new one is stored.",
    )
    rotate.add_argument("name")
    translations = sub.add_parser(
        "translations",
        help="the translation status board",
        description="Translation work to do, as the API's /api/v1/translations shows it.",
    )
    tsub = translations.add_subparsers(dest="translations_command", required=True, metavar="ACTION")
    status = tsub.add_parser(
        "status",
        help="every article with the state of its text in one language, as a table",
        description="List every article (public or not) with its text's state in LANG "
        "(missing, stale, current), the last change of the original that concerns "
        "translations, and hits; then the count of each state.",
    )
    status.add_argument("--lang", required=True, help="one of NEWSFEED_LANGS")
    status.add_argument("--state", choices=list(workflow.STATES), help="keep only this state")
    status.add_argument("--category", help="keep only this category")
    status.add_argument("--order", choices=list(workflow.ORDERS), default="newest")
    return parser


def _version() -> str:
    """The installed package's version (pyproject.toml), as pip knows it."""
    try:
        return metadata.version("newsfeed")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


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
    if args.command == "restore":  # before any migration: the database may be damaged
        return _restore(settings, Path(args.path))
    held = None
    if args.command == "serve" and not settings.is_postgres:
        try:  # for the life of this process and its workers: no restore meanwhile
            held = backup.serving(settings.db_path)
        except backup.RestoreError as exc:
            print(f"newsfeed: {exc}", file=sys.stderr)
            return 1
    try:
        if args.command == "serve":
            # Migrated, the site fixed and bodies filled once, before any worker starts.
            asyncio.run(_with_site(settings, lambda store: store.fill_bodies(markdown_html)))
            return _serve(settings, args.workers)
        if args.command == "backup":
            return _backup(settings, Path(args.path))
        if args.command == "copy-db":
            return _copy_db(settings, args.dest)
        if args.command == "seed":
            added = asyncio.run(
                _with_site(settings, lambda store: seed.seed(store, settings.langs))
            )
            print(
                f"added {added} sample articles" if added else "database has articles; seed skipped"
            )
            return 0
        if args.command == "translations":
            return asyncio.run(
                _with_site(settings, lambda store: status_table.print_status(store, settings, args))
            )
        return asyncio.run(_with_site(settings, lambda store: _editor(store, args)))
    except StoreUnavailable as exc:
        print(f"newsfeed: the database does not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        if held is not None:
            held.close()


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open (and migrate) the store, do the work, close it."""
    store = await open_store(settings)
    try:
        return await work(store)
    finally:
        await store.close()


async def _with_site(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """As `_with_store`, on the site's own database: the first command that makes (or
    upgrades) it fixes the feed ids' authority from the base URL, before any worker
    starts; later base URLs never change it. (Not for a copy's destination, which
    receives the source's.)"""

    async def fixed_then(store: Store) -> T:
        await authority.tag_authority(store, settings.base_url)
        return await work(store)

    return await _with_store(settings, fixed_then)


def _serve(settings: Settings, workers: int | None) -> int:
    count = settings.workers if workers is None else workers
    if not 1 <= count <= 64:
        print(f"newsfeed: --workers {count} is outside 1..64", file=sys.stderr)
        return 2
    try:
        return server.serve(settings, count)
    except server.CannotListen as exc:
        print(f"newsfeed: {exc}", file=sys.stderr)
        return 1


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


def _restore(settings: Settings, path: Path) -> int:
    if settings.is_postgres:
        print(
            "newsfeed: restore puts a SQLite file in place; for PostgreSQL use pg_restore (README)",
            file=sys.stderr,
        )
        return 2
    try:
        count, aside = backup.restore(path, settings.db_path)
    except backup.RestoreError as exc:
        print(f"newsfeed: restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored {count} articles from {path} to {settings.db_path}")
    if aside is not None:
        print(f"the replaced database is kept as {aside}")
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
        report = asyncio.run(_with_site(settings, copy))  # the ids' authority goes along
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
        langs = None if args.langs is None else [x.strip() for x in args.langs.split(",")]
        try:
            token = await auth.add_editor(store, args.name, auth.Role(args.role), langs)
        except ValueError as exc:
            print(f"newsfeed: {exc}", file=sys.stderr)
            return 1
        print(f"created {args.role} {args.name!r}; the token is shown this once:")
        print(token)
        return 0
    if args.editor_command == "list":
        for record in await store.list_editors():
            state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
            given = ",".join(sorted(record.langs)) if record.langs else "all languages"
            print(f"{record.name}\t{record.role.value}\t{given}\t{record.created_at}\t{state}")
        return 0
    if args.editor_command == "rotate":
        rotated = await auth.rotate_editor(store, args.name)
        if rotated is None:
            print(f"newsfeed: no active editor named {args.name!r}", file=sys.stderr)
            return 1
        print(f"new token for {args.name!r}; the old one no longer works. Shown this once:")
        print(rotated)
        return 0
    if not await auth.revoke_editor(store, args.name):
        print(f"newsfeed: no active editor named {args.name!r}", file=sys.stderr)
        return 1
    print(f"revoked {args.name!r}")
    return 0

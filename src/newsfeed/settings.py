"""Configuration from the environment, read once and checked at start."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LANG_RE = re.compile(r"[a-z]{2,3}")
NUMBER_RE = re.compile(r"[0-9]{1,9}")

# name, default, help: the README's configuration table is checked against this list.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    (
        "NEWSFEED_DB",
        "./data/newsfeed.db",
        "SQLite file (created with its folder) or postgresql://user:password@host:5432/db",
    ),
    ("NEWSFEED_HOST", "127.0.0.1", "address to listen on"),
    ("NEWSFEED_PORT", "8080", "TCP port to listen on"),
    (
        "NEWSFEED_BASE_URL",
        "",
        "public URL used in feeds and Location headers (default http://HOST:PORT)",
    ),
    ("NEWSFEED_LANGS", "ko,en", "languages, comma separated; the first is the default"),
    ("NEWSFEED_TIMEZONE", "Asia/Seoul", "time zone for dates shown on pages"),
    ("NEWSFEED_WORKERS", "1", "worker processes sharing the port"),
    (
        "NEWSFEED_LOCALES",
        "",
        "folder of gettext catalogs, one LANG/LC_MESSAGES/messages.po per language but "
        "English (default: locales/ of the installed package)",
    ),
    (
        "NEWSFEED_TRUSTED_PROXIES",
        "",
        "reverse proxies (addresses or networks, comma separated) whose X-Forwarded-For / "
        "X-Forwarded-Proto or Forwarded headers name the client (default none)",
    ),
    ("NEWSFEED_DB_POOL", "10", "PostgreSQL: connections per process"),
    ("NEWSFEED_DB_TIMEOUT", "5", "PostgreSQL: seconds a statement or a connection may take"),
)
DEFAULTS = {name: default for name, default, _ in SETTINGS}
# The catalogs shipped inside the package (package-data), so an installed newsfeed has them.
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANG = "en"  # the interface's own text: shown as is, no catalog needed


class SettingsError(ValueError):
    """A setting has a value the service cannot run with; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    db: str  # NEWSFEED_DB: a SQLite path (or sqlite:///path) or a postgresql:// URL
    host: str
    port: int
    base_url: str
    langs: tuple[str, ...]
    timezone: str
    workers: int
    locales_dir: Path
    trusted_proxies: tuple[Network, ...] = ()
    db_pool: int = 10
    db_timeout: float = 5.0

    @property
    def db_path(self) -> Path:
        """The SQLite file (only for a SQLite `db`)."""
        from newsfeed.store.sqlite import path_of

        if self.is_postgres:
            raise ValueError("NEWSFEED_DB is a PostgreSQL URL, not a file")
        return path_of(self.db)

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))

    @property
    def default_lang(self) -> str:
        return self.langs[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(DEFAULTS)
        env.update(
            {
                k: v
                for k, v in (os.environ if environ is None else environ).items()
                if k in DEFAULTS and v != ""
            }
        )
        host = env["NEWSFEED_HOST"]
        port = _int(env, "NEWSFEED_PORT", 0, 65535)
        workers = _int(env, "NEWSFEED_WORKERS", 1, 64)
        pool = _int(env, "NEWSFEED_DB_POOL", 1, 1000)
        timeout = _int(env, "NEWSFEED_DB_TIMEOUT", 1, 600)
        langs = tuple(part.strip() for part in env["NEWSFEED_LANGS"].split(",") if part.strip())
        if (
            not langs
            or any(not LANG_RE.fullmatch(lang) for lang in langs)
            or len(set(langs)) != len(langs)
        ):
            raise SettingsError(
                f"NEWSFEED_LANGS={env['NEWSFEED_LANGS']!r}: give distinct lowercase language "
                "codes separated by commas, e.g. 'ko,en'"
            )
        unknown = [lang for lang in langs if not _locale_known(lang)]
        if unknown:
            raise SettingsError(
                f"NEWSFEED_LANGS={env['NEWSFEED_LANGS']!r}: Babel knows no locale "
                f"{', '.join(map(repr, unknown))}, so dates and numbers could not be shown"
            )
        try:
            ZoneInfo(env["NEWSFEED_TIMEZONE"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(
                f"NEWSFEED_TIMEZONE={env['NEWSFEED_TIMEZONE']!r} is not a known time zone"
            ) from exc
        base_url = env["NEWSFEED_BASE_URL"] or f"http://{_url_host(host)}:{port}"
        if not re.fullmatch(r"https?://[^/\s]+(/[^\s]*)?", base_url):
            raise SettingsError(f"NEWSFEED_BASE_URL={base_url!r} must be an http(s) URL")
        locales = Path(env["NEWSFEED_LOCALES"]) if env["NEWSFEED_LOCALES"] else LOCALES_DIR
        missing = [lang for lang in langs if lang != SOURCE_LANG and not catalog(locales, lang)]
        if missing:
            where = ", ".join(str(catalog_path(locales, lang)) for lang in missing)
            raise SettingsError(
                f"NEWSFEED_LANGS={env['NEWSFEED_LANGS']!r}: no message catalog for "
                f"{', '.join(map(repr, missing))} ({where}); make one with `make i18n`, or "
                "point NEWSFEED_LOCALES at a folder that has it"
            )
        return cls(
            db=env["NEWSFEED_DB"],
            host=host,
            port=port,
            base_url=base_url.rstrip("/"),
            langs=langs,
            timezone=env["NEWSFEED_TIMEZONE"],
            workers=workers,
            locales_dir=locales,
            trusted_proxies=_networks(env, "NEWSFEED_TRUSTED_PROXIES"),
            db_pool=pool,
            db_timeout=float(timeout),
        )


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / "messages.po"


def catalog(locales_dir: Path, lang: str) -> bool:
    """Whether the language has a catalog there (English, the source text, needs none)."""
    return catalog_path(locales_dir, lang).is_file()


def _int(env: Mapping[str, str], name: str, low: int, high: int) -> int:
    if not NUMBER_RE.fullmatch(env[name]):  # int() would take " 8080\n", "+8_080"
        raise SettingsError(f"{name}={env[name]!r} is not a whole number")
    value = int(env[name])
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is outside {low}..{high}")
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/16, ::1` -> networks (an address is a network of one)."""
    found = []
    for part in env[name].split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise SettingsError(
                    f"{name}={env[name]!r}: {part.strip()!r} is not an IP address or network"
                ) from None
    return tuple(found)


def _locale_known(lang: str) -> bool:
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host

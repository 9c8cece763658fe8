"""Configuration from the environment: defaults, checks, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import newsfeed
from newsfeed.settings import LOCALES_DIR, SETTINGS, Settings, SettingsError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_run_on_a_laptop():
    s = Settings.from_env({})
    assert s.db_path == Path("data/newsfeed.db")
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8080, 1)
    assert s.langs == ("ko", "en") and s.default_lang == "ko"
    assert s.timezone == "Asia/Seoul"
    assert s.base_url == "http://127.0.0.1:8080"


def test_values_from_the_environment():
    s = Settings.from_env(
        {
            "NEWSFEED_DB": "/tmp/x.db",
            "NEWSFEED_HOST": "0.0.0.0",
            "NEWSFEED_PORT": "9000",
            "NEWSFEED_BASE_URL": "https://news.example.org/",
            "NEWSFEED_LANGS": "en, ko",
            "NEWSFEED_TIMEZONE": "UTC",
            "NEWSFEED_WORKERS": "4",
        }
    )
    assert s.base_url == "https://news.example.org"
    assert s.trusted_proxies == ()
    assert s.langs == ("en", "ko") and s.default_lang == "en"
    assert (s.port, s.workers, s.timezone) == (9000, 4, "UTC")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("NEWSFEED_PORT", "http", "whole number"),
        ("NEWSFEED_PORT", "70000", "outside"),
        ("NEWSFEED_PORT", "8080\n", "whole number"),
        ("NEWSFEED_PORT", " 8080", "whole number"),
        ("NEWSFEED_WORKERS", "+2", "whole number"),
        ("NEWSFEED_WORKERS", "1_0", "whole number"),
        ("NEWSFEED_WORKERS", "0", "outside"),
        ("NEWSFEED_LANGS", "ko,KO", "NEWSFEED_LANGS"),
        ("NEWSFEED_LANGS", "ko,ko", "distinct"),
        ("NEWSFEED_LANGS", "ko,xq", "Babel knows no locale 'xq'"),
        ("NEWSFEED_TIMEZONE", "Mars/Olympus", "time zone"),
        ("NEWSFEED_BASE_URL", "ftp://x", "http"),
        ("NEWSFEED_TRUSTED_PROXIES", "10.0.0.300", "not an IP address or network"),
        ("NEWSFEED_TRUSTED_PROXIES", "10.0.0.1, nginx", "'nginx' is not an IP address"),
    ],
)
def test_bad_values_fail_fast_with_a_readable_message(name, value, words):
    with pytest.raises(SettingsError, match=words) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)


def readme_settings() -> dict[str, str]:
    """The README's configuration table: variable -> its default cell."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        found = re.fullmatch(r"\| `(NEWSFEED_[A-Z_]+)` \| ([^|]*) \|.*\|", line)
        if found:
            rows[found.group(1)] = found.group(2).strip()
    return rows


def test_the_readme_table_matches_the_settings():
    """Every setting is in the README's table with its default, and every row is a
    setting: a default given in SETTINGS is shown as it is; one computed at start (an
    empty default) is shown as SETTINGS' help says, `(default …)`."""
    table = readme_settings()
    assert set(table) == {name for name, _, _ in SETTINGS}, "README rows != SETTINGS"
    for name, default, help_text in SETTINGS:
        if default:
            assert table[name] == f"`{default}`", name
        else:
            said = re.search(r"\(default:? ([^)]*)\)", help_text)
            assert said is not None, f"{name}: say the default in its help"
            assert table[name].replace("`", "") == said.group(1), name


def test_trusted_proxies_are_addresses_or_networks():
    s = Settings.from_env({"NEWSFEED_TRUSTED_PROXIES": " 10.0.0.1, 192.168.0.0/16,::1 ,"})
    assert [str(n) for n in s.trusted_proxies] == ["10.0.0.1/32", "192.168.0.0/16", "::1/128"]


def test_catalogs_ship_inside_the_package():
    s = Settings.from_env({})
    assert s.locales_dir == Path(newsfeed.__file__).resolve().parent / "locales"
    assert (s.locales_dir / "ko" / "LC_MESSAGES" / "messages.po").is_file()


def test_a_language_without_a_catalog_stops_the_start(tmp_path: Path):
    """English is the interface's source text and needs none; any other language does."""
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"NEWSFEED_LANGS": "ko,en,ja"})
    message = str(info.value)
    assert "\n" not in message
    assert "NEWSFEED_LANGS" in message and "no message catalog for 'ja'" in message
    assert str(LOCALES_DIR / "ja" / "LC_MESSAGES" / "messages.po") in message
    assert "make i18n" in message
    only_english = tmp_path / "empty-locales"
    only_english.mkdir()
    s = Settings.from_env({"NEWSFEED_LANGS": "en", "NEWSFEED_LOCALES": str(only_english)})
    assert s.langs == ("en",)
    with pytest.raises(SettingsError, match="'ko'"):
        Settings.from_env({"NEWSFEED_LANGS": "en,ko", "NEWSFEED_LOCALES": str(only_english)})

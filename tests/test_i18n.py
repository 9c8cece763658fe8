"""Catalogs, negotiation and formatting: every interface string has a Korean translation,
Korean really loads, and a third language is configuration plus a catalog."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations
from conftest import add_editor, create

from newsfeed import auth, i18n
from newsfeed.settings import LOCALES_DIR, Settings
from newsfeed.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
LOCALES = LOCALES_DIR
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read_catalog(lang: str) -> Catalog:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


def source_messages() -> set[str]:
    """Every interface string in the code and templates, extracted as `make i18n` does."""
    with (ROOT / "babel.cfg").open() as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_catalogs_hold_every_interface_string():
    messages = source_messages()
    assert {"No.", "Title", "Date", "Hits", "Page not found"} <= messages
    for lang in ("ko", "en"):
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_catalog(lang) if m.id}
        assert messages - ids == set(), f"run `make i18n`: {lang} lacks these"


def test_every_korean_message_is_translated_with_the_same_placeholders():
    for message in read_catalog("ko"):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"no Korean for {source[0]!r}"
        assert "fuzzy" not in message.flags, source[0]
        wanted = set(PLACEHOLDER.findall(source[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (source[0], string)


def test_korean_catalog_really_loads():
    catalog = i18n.load_catalog(LOCALES, "ko")
    assert isinstance(catalog, Translations)
    assert catalog.ugettext("Hits") == "조회수"
    assert catalog.ungettext("%(num)s view", "%(num)s views", 5) == "조회 %(num)s회"
    # without a catalog the interface falls back to the source text instead of failing
    assert type(i18n.load_catalog(LOCALES, "zz")) is NullTranslations


@pytest.mark.parametrize(
    ("lang", "moment", "date"),
    [
        ("ko", "2020-09-15T10:00:00+09:00", "2020년 9월 15일"),
        ("en", "2020-09-15T10:00:00+09:00", "September 15, 2020"),
        ("ko", "2020-09-14T15:30:00+00:00", "2020년 9월 15일"),  # already the 15th in Seoul
        ("en", "2020-12-31T23:59:59-05:00", "January 1, 2021"),
    ],
)
def test_dates_in_the_site_time_zone(settings, lang, moment, date):
    languages = i18n.load(settings)
    assert languages[lang].date(datetime.fromisoformat(moment)) == date


def test_numbers_and_names(settings):
    languages = i18n.load(settings)
    assert languages["ko"].number(1234) == "1,234"
    assert languages["en"].number(1234567) == "1,234,567"
    assert languages["ko"].name == "한국어"
    assert languages["en"].name_in(languages["ko"]) == "영어"
    assert languages["en"].ngettext("%(num)s view", "%(num)s views", 1) == "%(num)s view"


def test_other_time_zone(tmp_path):
    settings = Settings.from_env(
        {"NEWSFEED_DB": str(tmp_path / "x.db"), "NEWSFEED_TIMEZONE": "America/New_York"}
    )
    moment = datetime(2020, 9, 15, 2, 0, tzinfo=UTC)
    assert i18n.load(settings)["en"].date(moment) == "September 14, 2020"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),
        ("ko;q=0.5, en;q=0.6", "en"),
        ("en;q=0.5, ko;q=0.5", "en"),
        ("ja, *;q=0.1", "ko"),
        ("ja", "ko"),
        ("", "ko"),
        (None, "ko"),
        ("en;q=abc, ko;q=0.1", "ko"),
    ],
)
def test_negotiate(header, expected):
    assert i18n.negotiate(header, ("ko", "en")) == expected


async def test_a_third_language_is_configuration_plus_a_catalog(
    aiohttp_client: Callable[..., Any], tmp_path: Path
):
    """Japanese: a copy of the catalogs and a new one, translated in part (as `make i18n`
    leaves it before a translator has finished), and no code change."""
    locales = tmp_path / "locales"
    for lang in ("ko", "en"):
        target = locales / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "messages.po").write_bytes(
            (LOCALES / lang / "LC_MESSAGES" / "messages.po").read_bytes()
        )
    with (LOCALES / "messages.pot").open("rb") as fp:  # what `pybabel init` starts from
        catalog = read_po(fp, locale="ja")
    assert catalog.get("%(num)s article") is not None  # untranslated, as a plural
    catalog.get("Hits").string = "閲覧数"
    (locales / "ja" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "ja" / "LC_MESSAGES" / "messages.po").open("wb") as fp:
        write_po(fp, catalog)
    settings = Settings.from_env(
        {
            "NEWSFEED_DB": str(tmp_path / "ja.db"),
            "NEWSFEED_LANGS": "ko,en,ja",
            "NEWSFEED_LOCALES": str(locales),
            "NEWSFEED_BASE_URL": "http://news.example",
        }
    )
    client = await aiohttp_client(create_app(settings))
    token = add_editor(settings, "ja-editor", auth.Role.EDITOR)
    first = await create(client, token)
    headers = {"Accept-Language": "ja-JP,ja;q=0.9"}
    resp = await client.get("/", headers=headers, allow_redirects=False)
    assert resp.headers["Location"] == "/ja/"
    resp = await client.get("/ja/")
    assert resp.status == 200
    assert resp.headers["Content-Language"] == "ja"
    doc = lxml.html.fromstring(await resp.text())
    assert doc.get("lang") == "ja"
    # translated where the catalog has it, the source text elsewhere
    assert doc.xpath("//thead//th/text()") == ["No.", "Title", "Date", "閲覧数"]
    assert doc.xpath("//tbody//td[@class='date']//text()") == ["2020年9月15日"]
    hreflangs = doc.xpath("//head/link[@hreflang]/@hreflang")
    assert hreflangs == ["ko", "en", "ja", "x-default"]
    doc = lxml.html.fromstring(await (await client.get("/ko/")).text())
    assert doc.xpath("//head/link[@hreflang]/@hreflang") == ["ko", "en", "ja", "x-default"]
    assert doc.xpath("//nav[@class='langs']/a[@hreflang='ja']/text()") == ["日本語"]

    # untranslated messages fall back one by one, with English plurals (not "2 article")
    doc = lxml.html.fromstring(await (await client.get("/ja/")).text())
    assert doc.xpath("//p[@class='count']/text()") == ["1 article"]
    await create(client, token, slug="second")
    doc = lxml.html.fromstring(await (await client.get("/ja/")).text())
    assert doc.xpath("//p[@class='count']/text()") == ["2 articles"]
    for expected in ("1 view", "2 views"):
        doc = lxml.html.fromstring(await (await client.get(f"/ja/articles/{first['id']}")).text())
        assert doc.xpath("//*[@class='hits']/text()") == [expected]

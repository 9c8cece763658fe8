"""Languages: Accept-Language negotiation, gettext catalogs and Babel formatting.

Everything here is built once at start and kept in `i18n_key`: one `Locale` per
configured language with its catalog (compiled in memory from the `.po` file, so a
fresh checkout needs no build step) and cached Babel formatters. Templates get the
catalog through the render context, never through shared Jinja globals, so concurrent
requests in different languages cannot see each other's language.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages import mofile, pofile
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from markupsafe import Markup

from newsfeed.settings import Settings, SettingsError, catalog_path
from newsfeed.validation import qvalue

DOMAIN = "messages"
MAX_NUMBERS = 8192  # formatted counts kept per language


def N_(message: str) -> str:
    """Marks interface text for `make i18n` where it is defined; translated where shown."""
    return message


# Labels of the categories the site uses, in the interface's words; a category not named
# here is shown as its slug. Adding one is a line here and its translation in each catalog.
CATEGORY_LABELS = {
    "news": N_("News"),
    "events": N_("Events"),
    "notices": N_("Notices"),
    "press": N_("Press releases"),
    "research": N_("Research"),
}


def load_catalog(locales_dir: Path, lang: str) -> NullTranslations:
    """The language's catalog compiled from its `.po` in memory; NullTranslations if none
    (English, the source text; settings.py refuses to start without the others').

    A message without a translation (or with only some plural forms) shows the English
    source text, with English plurals.
    """
    po_path = catalog_path(locales_dir, lang)
    if not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as fp:
        catalog = pofile.read_po(fp, locale=lang, domain=DOMAIN)
    for message in list(catalog):
        # An untranslated plural would be compiled with the English singular in every
        # form ("6 article" in a language with one form): left out, the message falls
        # back to the English source with the English plural rule, message by message.
        if message.id and message.pluralizable and not all(message.string or ()):
            del catalog[message.id]
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Language:
    """One configured language: its Babel locale, catalog and formatters."""

    code: str
    locale: Locale
    translations: NullTranslations
    tz: ZoneInfo
    _dates: dict[str, str] = field(default_factory=dict)
    _texts: dict[str, Markup] = field(default_factory=dict)  # for templates' `_()`
    _names: dict[str, str] = field(default_factory=dict)  # Babel builds names slowly
    _numbers: dict[int, str] = field(default_factory=dict)  # a board shows twenty a page

    @property
    def name(self) -> str:
        """The language's name in itself (한국어, English), for language links."""
        found = self._names.get(self.code)
        if found is None:
            found = self._names[self.code] = self.locale.get_display_name(self.locale) or self.code
        return found

    def name_in(self, other: Language) -> str:
        """This language's name in `other`'s words, for notices."""
        return self.locale.get_display_name(other.locale) or self.code

    def date(self, moment: datetime) -> str:
        """A long local date in the site's time zone: 2020년 9월 15일, September 15, 2020."""
        local = moment.astimezone(self.tz).date()
        key = local.isoformat()
        cached = self._dates.get(key)
        if cached is None:
            if len(self._dates) > 4096:
                self._dates.clear()
            cached = self._dates[key] = format_date(local, "long", locale=self.locale)
        return cached

    def number(self, value: int) -> str:
        """A count with the locale's grouping: 1,234. Kept per language: Babel formats a
        number in microseconds, and hashing its Locale for a shared cache costs as much."""
        cached = self._numbers.get(value)
        if cached is None:
            if len(self._numbers) >= MAX_NUMBERS:
                self._numbers.clear()
            cached = self._numbers[value] = format_decimal(value, locale=self.locale)
        return cached

    def views(self, n: int) -> str:
        """A hit count in words, with the locale's plural form: 1 view, 1,234 views."""
        return self.ngettext("%(num)s view", "%(num)s views", n) % {"num": self.number(n)}

    def category(self, slug: str) -> str:
        """A category's label in this language (뉴스, News), or its slug if it has none."""
        label = CATEGORY_LABELS.get(slug)
        return slug if label is None else self.gettext(label)

    def gettext(self, message: str) -> str:
        return self.translations.ugettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ungettext(singular, plural, n)


class Languages(Mapping[str, Language]):
    """The configured languages in order, the first being the default."""

    def __init__(self, languages: Sequence[Language]) -> None:
        self._by_code = {language.code: language for language in languages}
        self.codes = tuple(self._by_code)

    def __getitem__(self, code: str) -> Language:
        return self._by_code[code]

    def __iter__(self) -> Any:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    @property
    def default(self) -> Language:
        return self._by_code[self.codes[0]]

    def negotiate(self, accept_language: str | None) -> str:
        """The best configured language for an Accept-Language header, else the default."""
        return negotiate(accept_language, self.codes)


def load(settings: Settings) -> Languages:
    """Every configured language, loaded once at start; an unknown locale fails fast."""
    tz = ZoneInfo(settings.timezone)
    languages = []
    for code in settings.langs:
        try:
            locale = Locale.parse(code)
        except (UnknownLocaleError, ValueError) as exc:
            raise SettingsError(f"NEWSFEED_LANGS: Babel knows no locale {code!r}") from exc
        languages.append(Language(code, locale, load_catalog(settings.locales_dir, code), tz))
    return Languages(languages)


def negotiate(accept_language: str | None, codes: Sequence[str]) -> str:
    """Pick from `codes` by the header's quality values; ties keep the header's order.

    `en-US` matches `en`; `*` matches the default (the first code); q=0 excludes.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        quality = qvalue(params)
        if quality:  # None (malformed) and 0 exclude
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return codes[0]
        primary = tag.split("-", 1)[0]
        if tag in codes:
            return tag
        if primary in codes:
            return primary
    return codes[0]


# --- Jinja: gettext through the render context ------------------------------------


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return context["language"].gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return context["language"].ngettext(singular, plural, n)


@jinja2.pass_context
def _translate(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
    """`_()` as newstyle gettext renders it (autoescaped, always %-formatted), in one
    call, with each language's translated Markup kept: pages call it a dozen times."""
    if not context.eval_ctx.autoescape:
        return context["language"].gettext(message) % variables  # type: ignore[no-any-return]
    if variables:
        return Markup(context["language"].gettext(message)) % variables
    texts = context["language"]._texts
    found = texts.get(message)
    if found is None:  # %-formatted like newstyle gettext does, once
        found = texts[message] = Markup(context["language"].gettext(message)) % {}
    return found


def html_datetime(moment: datetime) -> str:
    """A `<time datetime>` value: RFC 3339 with at most milliseconds, which is all that
    HTML's date-time strings allow (stored times keep microseconds)."""
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def install(env: jinja2.Environment) -> None:
    """Give templates `_`, `gettext`, `ngettext` and `{% trans %}` that read the
    `language` in each render's context (installed once, newstyle: autoescaped)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    env.globals["_"] = _translate  # instead of the extension's alias of `gettext`
    env.filters["html_datetime"] = html_datetime

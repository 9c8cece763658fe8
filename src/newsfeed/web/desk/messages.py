"""The domain's field errors in the desk's words, in the desk's language.

`validation.py` and `editing.py` explain errors in English for API clients. The desk
shows the same errors, found by the same checks, next to the field they concern: this
maps each domain message to a catalog message (marked `N_` for `make i18n`) and each
domain field name (`translations.ko.title`) to the form's field (`title`). A message
not known here is shown as the domain wrote it, so no error is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsfeed.i18n import Language
from newsfeed.problems import FieldError
from newsfeed.validation import clean_text


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark a message for extraction; translated where it is shown."""
    return message


_LENGTH = re.compile(r"must be (\d+)\.\.(\d+) characters long")
_RULES: tuple[tuple[str, str], ...] = (
    ("is required", N_("Fill in this field.")),
    ("must not be empty", N_("Fill in this field.")),
    ("contains a control character", N_("Remove the control characters from this field.")),
    ("RFC 3339", N_("Enter a date and time, e.g. 2020-09-15T10:00.")),
    ("is not a real date and time", N_("This date or time does not exist.")),
    ("year must be between", N_("Use a year from 1000 to 9998.")),
    (
        "[a-z0-9-]{1,80}",
        N_("Use lowercase letters a-z, digits and hyphens, at most 80; or leave it empty."),
    ),
    ("[a-z0-9-]{1,40}", N_("Use 1 to 40 lowercase letters a-z, digits and hyphens.")),
    ("must be 'draft' or 'published'", N_("Choose draft or published.")),
    ("must be one of", N_("Choose one of the site's languages.")),
    ("unknown language", N_("Choose one of the site's languages.")),
    ("has no text in", N_("The article has no text in that language.")),
    ("no text in that language", N_("The article has no text in that language.")),
    ("already used by another article", N_("Another article already uses this slug.")),
)

LABELS = {
    "lang": N_("Language"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "body": N_("Body"),
    "author": N_("Author"),
    "slug": N_("Slug"),
    "category": N_("Category"),
    "status": N_("Status"),
    "published_at": N_("Publication date"),
    "original_lang": N_("Original language"),
}


def form_field(domain_field: str) -> str:
    """`translations.ko.title` -> `title`; `translations.xx` -> `lang`."""
    parts = domain_field.split(".")
    if parts[0] == "translations":
        return parts[2] if len(parts) > 2 else "lang"
    return parts[0]


def localize(language: Language, message: str, value: str | None = None) -> str:
    """One domain message in `language`; the English original when it is not known."""
    length = _LENGTH.search(message)
    if length:
        return language.gettext("Use %(low)s to %(high)s characters; this has %(length)s.") % {
            "low": language.number(int(length.group(1))),
            "high": language.number(int(length.group(2))),
            "length": language.number(len(clean_text(value or "") or value or "")),
        }
    for needle, text in _RULES:
        if needle in message:
            return language.gettext(text)
    return message


def field_errors(
    language: Language, errors: Iterable[FieldError], values: dict[str, str]
) -> dict[str, str]:
    """The domain's errors keyed by form field (the first error of each field)."""
    found: dict[str, str] = {}
    for error in errors:
        name = form_field(error.field)
        if name not in found:
            found[name] = localize(language, error.message, values.get(name))
    return found


def label(language: Language, field: str) -> str:
    return language.gettext(LABELS[field]) if field in LABELS else field

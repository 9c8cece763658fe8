"""Reading the desk's forms, and turning them into what the domain functions take.

Forms arrive as `application/x-www-form-urlencoded` or, for texts (a 200,000-character
Korean body is 1.8 MB percent-encoded but 600 KB as multipart), `multipart/form-data`.
Either is read within the body deadline and the 1 MiB limit; anything else a browser
would not send (another type, a file, bytes that are not UTF-8) is a 400 or 415, and
changes nothing.

The values are handed to the API's own validation (`validation.new_article`,
`article_patch`, `text`) as the JSON bodies they stand for, so the desk's rules are
the API's, found by the same code.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDict

from newsfeed import problems, validation
from newsfeed.model import Article, Translation
from newsfeed.web.keys import access_log_key, body_timeout_key, settings_key
from newsfeed.web.security import BODY_TIMEOUT

TEXT_FIELDS = ("title", "summary", "body", "author")
SETTINGS_FIELDS = ("slug", "category", "status", "published_at", "original_lang")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
VERSION_FIELD = "version"
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


async def read(request: web.Request) -> MultiDict[str]:
    """The posted form's fields; 415, 413, 408 or 400 for what no desk form sends."""
    _same_origin(request)
    if request.content_type not in FORM_TYPES:
        raise problems.unsupported_media_type("Send the form as a browser does.")
    try:
        async with asyncio.timeout(request.app.get(body_timeout_key, BODY_TIMEOUT)):
            posted = await request.post()
    except TimeoutError:
        raise problems.Problem(408, "Request Timeout", "The form did not arrive in time.") from None
    except web.HTTPRequestEntityTooLarge:
        raise problems.Problem(413, "Content Too Large", "The form is larger than 1 MiB.") from None
    except (UnicodeDecodeError, ValueError, AssertionError):
        raise problems.bad_request("The form could not be read.") from None
    fields: MultiDict[str] = MultiDict()
    for name, value in posted.items():
        if not isinstance(value, str):
            raise problems.bad_request("The desk's forms take no files.")
        fields.add(name, value)
    return fields


def _same_origin(request: web.Request) -> None:
    """403 for a form a browser says came from another site. The session's form token is
    the defence; this one also covers the login form, which has no session yet (a forged
    login would put the victim in the attacker's desk)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise problems.forbidden("Desk forms are sent from the desk itself.")
    origin = request.headers.get("Origin")
    if origin is None:
        return
    scheme = request.app[access_log_key].proxies.client(request).scheme
    own = {request.app[settings_key].base_url, f"{scheme}://{request.host}"}
    if origin not in {urlsplit(url)._replace(path="").geturl() for url in own}:
        raise problems.forbidden("Desk forms are sent from the desk itself.")


def one(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "")


def if_match(form: Mapping[str, str]) -> frozenset[str]:
    """The version the form was based on, as an `If-Match` of the domain; 400 without
    one (a desk form always has it: without it a write could overwrite unseen)."""
    parsed = validation.if_match(form.get(VERSION_FIELD) or None)
    if not isinstance(parsed, frozenset) or not parsed:
        raise problems.bad_request("The form does not say which version it was based on.")
    return parsed


# --- texts -------------------------------------------------------------------------


def text_values(form: Mapping[str, str]) -> dict[str, str]:
    return {name: one(form, name) for name in TEXT_FIELDS}


def text_values_of(text: Translation | None) -> dict[str, str]:
    if text is None:
        return dict.fromkeys(TEXT_FIELDS, "")
    return {name: getattr(text, name) for name in TEXT_FIELDS}


# --- article settings ----------------------------------------------------------------


def local_time(moment: str, timezone: str) -> str:
    """A stored RFC 3339 time as a `datetime-local` value in the site's time zone."""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(timezone)).strftime(LOCAL_FORMAT)


def published_at(raw: str, timezone: str) -> str:
    """A form's publication time for the domain: a `datetime-local` value is taken in
    the site's time zone; anything else goes to the API's check as typed."""
    raw = raw.strip()
    if _LOCAL.match(raw):
        try:
            local = datetime.fromisoformat(raw.replace(" ", "T"))
        except ValueError:
            return raw
        return local.replace(tzinfo=ZoneInfo(timezone)).isoformat()
    return raw


def settings_values_of(article: Article, timezone: str) -> dict[str, str]:
    return {
        "slug": article.slug or "",
        "category": article.category,
        "status": article.status,
        "published_at": local_time(article.published_at, timezone),
        "original_lang": article.original_lang,
    }


def settings_values(form: Mapping[str, str]) -> dict[str, str]:
    return {name: one(form, name) for name in SETTINGS_FIELDS}


def settings_changes(
    values: Mapping[str, str], shown: Mapping[str, str], timezone: str
) -> dict[str, Any]:
    """The PATCH body the form stands for: only what differs from the article as it is
    now (an unchanged date keeps the offset it was given)."""
    body: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        value = values.get(name, "")
        if name not in values or value == shown.get(name):
            continue
        if name == "slug":
            body[name] = value.strip() or None
        elif name == "published_at":
            body[name] = published_at(value, timezone)
        else:
            body[name] = value.strip()
    return body


def new_article_body(values: Mapping[str, str], timezone: str) -> dict[str, Any]:
    """The POST body of a new article with one text, for `validation.new_article`."""
    lang = values.get("lang", "")
    body: dict[str, Any] = {
        "category": values.get("category", "").strip(),
        "slug": values.get("slug", "").strip() or None,
        "status": values.get("status") or None,
        "translations": {lang: {name: values.get(name, "") for name in TEXT_FIELDS}},
    }
    if values.get("published_at", "").strip():
        body["published_at"] = published_at(values["published_at"], timezone)
    return body

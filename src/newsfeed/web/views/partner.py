"""For partner sites and crawlers: the WebSub hub's endpoint, the sitemap, robots.txt."""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from newsfeed import problems, urls
from newsfeed.feeds import websub
from newsfeed.model import to_us, utcnow
from newsfeed.web import callbacks, security
from newsfeed.web.keys import hub_key, settings_key, sitemaps_key, store_key

FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 20
SITEMAP_TYPE = "application/xml"
SITEMAP_CACHE = "public, max-age=300"


async def hub(request: web.Request) -> web.Response:
    """`POST /websub`: check the request, answer 202, verify the intent afterwards."""
    settings, store = request.app[settings_key], request.app[store_key]
    intent = websub.intent(await _form(request), settings.base_url, settings.langs)
    why = await callbacks.refusal(intent.callback, settings.websub_allow_private)
    if why is not None:
        raise problems.bad_request(
            f"The callback is refused: {why}.", [problems.FieldError("hub.callback", why)]
        )
    if intent.mode == "subscribe":
        now_us = to_us(utcnow())
        renewal = await store.hub.active(intent.topic_url, intent.callback, now_us)
        if not renewal and await store.hub.count(intent.topic_url, now_us) >= (
            settings.websub_max_per_topic
        ):
            raise problems.conflict(
                f"This feed has {settings.websub_max_per_topic} subscriptions, all it takes."
            )
    if not request.app[hub_key].request(intent):
        raise problems.unavailable("Too many requests wait for verification; try again later.")
    return web.Response(
        status=202, text="Accepted: the hub verifies the intent with a GET to the callback.\n"
    )


async def _form(request: web.Request) -> dict[str, str]:
    """The form fields; 415 for another type, 400 for a malformed or repeated field."""
    if request.content_type.lower() != FORM:
        raise problems.unsupported_media_type(f"Send the request as {FORM}.")
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise problems.unsupported_media_type("Send the form encoded as UTF-8.")
    raw = await security.read_body(request)
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise problems.bad_request("The form is not valid UTF-8 form data.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise problems.bad_request(f"{name!r} is given more than once.")
        form[name] = value
    return form


async def sitemap(request: web.Request) -> web.Response:
    return await _sitemap_file(request, 0)


async def sitemap_part(request: web.Request) -> web.Response:
    raw = request.match_info["number"]
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0
    if number < 1 or raw != str(number):
        raise problems.not_found(f"There is no sitemap {raw!r}.")
    return await _sitemap_file(request, number)


async def _sitemap_file(request: web.Request, number: int) -> web.Response:
    body = await request.app[sitemaps_key].file(number)
    if body is None:
        raise problems.not_found(f"There is no sitemap {number}.")
    return web.Response(
        body=body,
        content_type=SITEMAP_TYPE,
        charset="utf-8",
        headers={"Cache-Control": SITEMAP_CACHE},
    )


async def robots(request: web.Request) -> web.Response:
    sitemap = urls.absolute(request.app[settings_key].base_url, urls.SITEMAP)
    text = f"User-agent: *\nDisallow: /desk/\nDisallow: /api/\n\nSitemap: {sitemap}\n"
    return web.Response(text=text, headers={"Cache-Control": "public, max-age=3600"})

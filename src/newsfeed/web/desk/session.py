"""Desk sessions: the cookie, the session behind it, and the form token (CSRF).

- The cookie holds a random session id (256 bits), never the editor's token; the
  database keeps only its SHA-256 (store rule 6), so a copy of the database opens no
  session. `HttpOnly`, `SameSite=Strict`, `Path=/desk`, and `Secure` when the site's
  base URL is https.
- A session ends after `IDLE` without use, at logout, and at once when its editor's
  token is rotated or revoked (the store finds it only through the current token).
  Its last use is written at most once a minute, not on every request.
- The form token is an HMAC of the session id: one per session, never stored, unknown
  to anyone without the cookie. Every POST but the login's carries it; the comparison
  is `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web

from newsfeed import auth, problems, urls
from newsfeed.model import Editor, to_us, utcnow
from newsfeed.web.desk import CSRF_FIELD, PATH
from newsfeed.web.keys import settings_key, store_key

COOKIE = "nf_desk"
IDLE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
_CSRF_PURPOSE = b"newsfeed desk form token"


@dataclass(frozen=True, slots=True)
class DeskSession:
    editor: Editor
    id_hash: str
    csrf: str


def now_us() -> int:
    """The desk's clock, in microseconds (tests move it)."""
    return to_us(utcnow())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def _csrf(session_id: str) -> str:
    return hmac.new(session_id.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def _us(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1_000_000)


async def current(request: web.Request) -> DeskSession | None:
    """The request's live session, marking it used; None without one."""
    session_id = request.cookies.get(COOKIE, "")
    if not 20 <= len(session_id) <= 100 or not session_id.isascii():
        return None
    store, now, id_hash = request.app[store_key], now_us(), _hash(session_id)
    found = await store.session(id_hash, now - _us(IDLE))
    if found is None:
        return None
    record, used_us = found
    if used_us <= now - _us(TOUCH_EVERY):
        await store.touch_session(id_hash, now)
    return DeskSession(Editor(record.name, record.role, record.langs), id_hash, _csrf(session_id))


_POST_ONLY = ("/logout", "/confirm", "/restore")  # actions without a page of their own


def login_url(request: web.Request) -> str:
    """The login page, naming the page to come back to: this one, or for a form sent
    without a session, the page of that form."""
    back = request.path_qs if request.method in ("GET", "HEAD") else request.path
    if request.method not in ("GET", "HEAD") and back.endswith(_POST_ONLY):
        back = back.rsplit("/", 1)[0]
    return urls.desk_login(None if back in (urls.DESK, urls.DESK_ROOT) else back)


async def require(request: web.Request) -> DeskSession:
    """The session, or a 303 to the login page."""
    found = await current(request)
    if found is None:
        raise web.HTTPSeeOther(login_url(request), headers={"Cache-Control": "no-store"})
    return found


def safe_next(value: str | None) -> str:
    """Where to go after login: a desk page of this site, else the board."""
    if (
        not value
        or not value.startswith(urls.DESK)
        or value.startswith(urls.DESK + "/")
        or "\\" in value
        or not value.isprintable()
        or len(value) > 2000
    ):
        return urls.DESK
    return value


def check_form_token(session: DeskSession, form: Any) -> None:
    """403 unless the form carries this session's token."""
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), session.csrf.encode()
    ):
        raise problems.forbidden("The form does not carry this session's form token.")


async def start(request: web.Request, response: web.StreamResponse, token: str) -> Editor | None:
    """Log in with an editor token: a new session and its cookie; None if the token is
    not an active editor's. Any session the browser had before ends (no fixation)."""
    store = request.app[store_key]
    editor = await auth.verify_token(store, token)
    if editor is None:
        return None
    await end(request, response)
    now = now_us()
    await store.sweep_sessions(now - _us(IDLE))
    session_id = secrets.token_urlsafe(32)
    if not await store.start_session(_hash(session_id), auth.hash_token(token), now):
        return None  # rotated or revoked in between
    response.set_cookie(
        COOKIE,
        session_id,
        path=PATH,
        httponly=True,
        samesite="Strict",
        secure=request.app[settings_key].base_url.startswith("https:"),
    )
    return editor


async def end(request: web.Request, response: web.StreamResponse) -> None:
    """End the browser's session, if any, and clear its cookie."""
    session_id = request.cookies.get(COOKIE)
    if session_id is None:
        return
    if 20 <= len(session_id) <= 100 and session_id.isascii():
        await request.app[store_key].end_session(_hash(session_id))
    response.del_cookie(COOKIE, path=PATH, httponly=True, samesite="Strict")

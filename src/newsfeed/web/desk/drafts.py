"""What an editor typed when their session had ended: kept for the form after login.

A form sent without a live session (idle for 12 hours, logged out elsewhere, token
rotated) answers 303 to the login page like any other desk request, but its fields are
kept here first, in memory, under a random id in a cookie of their own (`HttpOnly`,
`SameSite=Strict`, `Path=/desk`, 30 minutes). After login the editor is sent back to
the form's page, which fills the form from them, with the version it was based on, so
a change made meanwhile still answers 409 instead of being overwritten. The form token
is never kept: the editor sends the form again, from the new session.

Per process and bounded (count and bytes, oldest dropped first): with several worker
processes, or after a restart, the text may be gone; that is the "where possible".
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

from newsfeed.web.desk import CSRF_FIELD, PATH

COOKIE = "nf_desk_draft"
KEEP = 30 * 60.0  # seconds
MAX_DRAFTS = 200
MAX_BYTES = 32 * 1024 * 1024


def monotonic() -> float:
    return time.monotonic()


@dataclass(frozen=True, slots=True)
class Draft:
    path: str
    fields: dict[str, str]
    until: float
    size: int


class Drafts:
    def __init__(self, max_drafts: int = MAX_DRAFTS, max_bytes: int = MAX_BYTES) -> None:
        self.max_drafts, self.max_bytes = max_drafts, max_bytes
        self._kept: OrderedDict[str, Draft] = OrderedDict()
        self._bytes = 0

    def keep(
        self, response: web.StreamResponse, path: str, fields: dict[str, str], secure: bool
    ) -> None:
        """Keep a form's fields (its token left out) for the page at `path`."""
        fields = {k: v for k, v in fields.items() if k != CSRF_FIELD}
        size = sum(len(k) + len(v) for k, v in fields.items()) * 4
        if not fields or size > self.max_bytes:
            return
        self._expire()
        while self._kept and (
            len(self._kept) >= self.max_drafts or self._bytes + size > self.max_bytes
        ):
            self._drop(next(iter(self._kept)))
        draft_id = secrets.token_urlsafe(24)
        self._kept[draft_id] = Draft(path, fields, monotonic() + KEEP, size)
        self._bytes += size
        response.set_cookie(
            COOKIE,
            draft_id,
            path=PATH,
            max_age=int(KEEP),
            httponly=True,
            samesite="Strict",
            secure=secure,
        )

    def take(self, request: web.Request) -> dict[str, str] | None:
        """The fields this browser kept for this page, once (the page then clears the
        cookie: `forget`); None when there are none."""
        draft_id = request.cookies.get(COOKIE)
        if draft_id is None:
            return None
        self._expire()
        draft = self._kept.get(draft_id)
        if draft is None or draft.path != request.path:
            return None
        self._drop(draft_id)
        return draft.fields

    def _drop(self, draft_id: str) -> None:
        self._bytes -= self._kept.pop(draft_id).size

    def _expire(self) -> None:
        now = monotonic()
        for draft_id in [d for d, draft in self._kept.items() if draft.until <= now]:
            self._drop(draft_id)


def forget(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=PATH, httponly=True, samesite="Strict")

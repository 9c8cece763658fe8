"""Idempotency-Key on POST /api/v1/articles (IETF draft-ietf-httpapi-idempotency-key-header).

A client that may retry a create sends a key of its choosing; the first request with it
reserves (editor, key) in a committed transaction of its own, before the create, then
the create's own transaction keeps its answer with the article. So:
- a retry with the same key and body gets that first answer again (status, body,
  `Location`, `ETag`) and creates nothing;
- the same key with another body is 422, whether the first is done or not;
- a retry while the first is still running finds the reservation: 409;
- a request that failed (any error) drops its reservation, so a retry runs afresh:
  only a created article's answer is kept.
Keys live `TTL` per editor; older ones are dropped when a key is next reserved. A
reservation left by a request that died mid-way is taken over after `ABANDONED`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from newsfeed import problems
from newsfeed.model import Article
from newsfeed.problems import FieldError
from newsfeed.workflow import KeptResponse

if TYPE_CHECKING:
    from newsfeed.store import Store, WriteTx

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
ABANDONED = timedelta(minutes=5)  # far longer than any request may run
KEY_RE = re.compile(r"[\x20-\x7e]{1,255}")
SF_STRING_RE = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_US = 1_000_000


def parse_key(header: str | None) -> str | None:
    """The key of an `Idempotency-Key` header: None without one; 400 unless 1..255
    printable ASCII characters. The draft spells it as a structured-field string
    (`"abc"`); a bare token is taken as it is."""
    if header is None:
        return None
    value = header.strip()
    quoted = SF_STRING_RE.fullmatch(value)
    if quoted:
        value = re.sub(r'\\(["\\])', r"\1", quoted.group(1))
    if not KEY_RE.fullmatch(value):
        raise problems.bad_request(
            f"{HEADER} must be 1 to 255 printable ASCII characters.",
            [FieldError(HEADER, "must be 1 to 255 printable ASCII characters")],
        )
    return value


def fingerprint(data: Any) -> str:
    """The request body as parsed JSON, so spacing and key order do not make it another."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Pending:
    """A reserved key whose request is running: `answer` turns the created article into
    the response to keep."""

    editor: str
    key: str
    reserved_us: int
    answer: Callable[[Article], KeptResponse]

    async def complete(self, tx: WriteTx, article: Article) -> None:
        """Keep the answer in the create's transaction; a reservation lost meanwhile
        (taken over as abandoned) undoes the create instead of doubling it."""
        if not await tx.complete_idempotency(
            self.editor, self.key, self.reserved_us, self.answer(article)
        ):
            raise _in_progress()

    async def release(self, store: Store) -> None:
        await store.release_idempotency(self.editor, self.key, self.reserved_us)


def _in_progress() -> problems.Problem:
    return problems.conflict(
        f"A request with this {HEADER} is still in progress; retry once it has answered."
    )


async def begin(
    store: Store,
    editor: str,
    key: str,
    digest: str,
    now_us: int,
    answer: Callable[[Article], KeptResponse],
) -> Pending | KeptResponse:
    """Reserve the key for this request (Pending), or the answer kept for it; 422 when
    it was used with another body, 409 while its first request is still running."""
    found = await store.reserve_idempotency(
        editor,
        key,
        digest,
        now_us,
        expire_before_us=now_us - int(TTL.total_seconds()) * _US,
        abandoned_before_us=now_us - int(ABANDONED.total_seconds()) * _US,
    )
    if found is None:
        return Pending(editor, key, now_us, answer)
    if found.fingerprint != digest:
        raise problems.invalid(
            [FieldError(HEADER, "was used with another request body; use a new key")]
        )
    if found.response is None:
        raise _in_progress()
    return found.response

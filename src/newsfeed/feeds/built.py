"""A feed document ready to send: both encodings and every header, computed once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

CACHE_CONTROL = "public, max-age=60"


@dataclass(frozen=True, slots=True)
class Built:
    """One document, ready to send: both encodings and every header, computed once."""

    body: bytes
    gzipped: bytes
    etag: str  # strong; the gzip representation has its own
    gzip_etag: str
    last_modified: datetime  # UTC, whole seconds
    stale_at: datetime | None  # when time alone changes it (a schedule, a month's end)
    headers: dict[str, str]
    gzip_headers: dict[str, str]
    not_modified_headers: dict[str, str]
    gzip_not_modified_headers: dict[str, str]

    def matches(self, if_none_match: str) -> bool:
        """Weak comparison, as If-None-Match wants: either encoding's tag matches."""
        for tag in if_none_match.split(","):
            tag = tag.strip().removeprefix("W/")
            if tag in ("*", self.etag, self.gzip_etag):
                return True
        return False

    def fresh(self, now: datetime) -> bool:
        return self.stale_at is None or now < self.stale_at


def assemble(
    body: bytes,
    gzipped: bytes,
    media_type: str,
    last_modified: datetime,
    stale_at: datetime | None,
    link: str,
    cache_control: str = CACHE_CONTROL,
) -> Built:
    """The document with its validators: a hash of the bytes, so the same document gets
    the same ETag in every process; the gzip representation's differs, as a strong ETag
    must."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    etag, gzip_etag = f'"{digest}"', f'"{digest}-gzip"'
    common = {
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
        "Link": link,
    }
    return Built(
        body=body,
        gzipped=gzipped,
        etag=etag,
        gzip_etag=gzip_etag,
        last_modified=last_modified,
        stale_at=stale_at,
        headers={"Content-Type": media_type, "ETag": etag, **common},
        gzip_headers={
            "Content-Type": media_type,
            "ETag": gzip_etag,
            "Content-Encoding": "gzip",
            **common,
        },
        not_modified_headers={"ETag": etag, **common},
        gzip_not_modified_headers={"ETag": gzip_etag, **common},
    )

"""Values fixed when the site's database is made (table `site_meta`), read once at start.

`tag_authority` is the authority of every feed id (`tag:{authority},2026:article/…`):
ids must never change once published, also when `NEWSFEED_BASE_URL` changes later, so
the authority is taken from the base URL once (the first start on a new database, or
the first start after the upgrade that added the table, whose host is what the feeds
used until then) and kept in the database from then on.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from newsfeed.db import Database

TAG_AUTHORITY = "tag_authority"
_DNS_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def authority_for(base_url: str) -> str:
    """The host of the base URL when a tag URI can carry it (RFC 4151: a DNS name), else
    a random name that is this site's alone (an IPv6 address cannot be an authority)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if _DNS_NAME.fullmatch(host):
        return host
    return f"newsfeed-{secrets.token_hex(6)}.invalid"


async def tag_authority(db: Database, base_url: str) -> str:
    """The site's tag authority; fixed from `base_url` now if the database has none yet.
    Processes starting together agree: the first insert wins, every one reads it back."""
    found = await _value(db, TAG_AUTHORITY)
    if found is not None:
        return found
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO site_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (TAG_AUTHORITY, authority_for(base_url)),
        )
    found = await _value(db, TAG_AUTHORITY)
    assert found is not None  # inserted just now, or by another process first
    return found


async def _value(db: Database, key: str) -> str | None:
    rows = await db.reader.execute_fetchall("SELECT value FROM site_meta WHERE key = ?", (key,))
    row = next(iter(rows), None)
    return None if row is None else str(row[0])

"""The authority of the feed ids, fixed in the site's database (`site_meta`) when it is made.

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

from newsfeed.store import Store

TAG_AUTHORITY = "tag_authority"
_DNS_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def authority_for(base_url: str) -> str:
    """The host of the base URL when a tag URI can carry it (RFC 4151: a DNS name), else
    a random name that is this site's alone (an IPv6 address cannot be an authority)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if _DNS_NAME.fullmatch(host):
        return host
    return f"newsfeed-{secrets.token_hex(6)}.invalid"


async def tag_authority(store: Store, base_url: str) -> str:
    """The site's tag authority; fixed from `base_url` now if the database has none yet.
    Processes starting together agree: the first value stored wins, every one reads it."""
    found = await store.site_value(TAG_AUTHORITY)
    if found is None:
        await store.set_site_value(TAG_AUTHORITY, authority_for(base_url))
        found = await store.site_value(TAG_AUTHORITY)
    assert found is not None  # stored just now, or by another process first
    return found

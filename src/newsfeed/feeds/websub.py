"""The WebSub hub's rules (W3C Recommendation, 2018), without I/O: what a subscription
request must hold, how long a lease is, how a delivery is signed, when a failed one is
retried. The hub itself (verification, publishing, delivery) is `web/hub.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from newsfeed import problems
from newsfeed.feeds.topics import Topic

DEFAULT_LEASE = 10 * 86_400  # seconds, when the subscriber asks for none
MAX_LEASE = 30 * 86_400  # longer requests get this (the hub picks; verification says so)
MAX_SECRET = 199  # bytes: hub.secret MUST be under 200
MAX_CALLBACK = 2000  # characters
MAX_ATTEMPTS = 16  # with the default 10 s first delay: retries for about 4 hours
MAX_DELAY_FACTOR = 180  # the longest wait between tries: 180 first delays (30 min)
MODES = ("subscribe", "unsubscribe")
FIELDS = frozenset({"hub.mode", "hub.topic", "hub.callback", "hub.lease_seconds", "hub.secret"})
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True, slots=True)
class Intent:
    """A subscriber's request, to be verified by a GET to its callback."""

    mode: str
    topic: Topic
    topic_url: str
    callback: str
    lease_seconds: int
    secret: str | None

    def verification(self, challenge: str) -> str:
        """The callback URL of the verification GET (its own query kept)."""
        params = [
            ("hub.mode", self.mode),
            ("hub.topic", self.topic_url),
            ("hub.challenge", challenge),
        ]
        if self.mode == "subscribe":
            params.append(("hub.lease_seconds", str(self.lease_seconds)))
        return _with_query(self.callback, params)

    def denial(self, reason: str) -> str:
        """The callback URL that tells the subscriber its subscription was refused."""
        params = [("hub.mode", "denied"), ("hub.topic", self.topic_url), ("hub.reason", reason)]
        return _with_query(self.callback, params)


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"


def intent(form: Mapping[str, str], base_url: str, langs: Sequence[str]) -> Intent:
    """The request's intent; 400 naming every bad field."""
    errors: list[problems.FieldError] = []
    unknown = sorted(name for name in form if name.startswith("hub.") and name not in FIELDS)
    errors += [problems.FieldError(name, "is not a WebSub parameter") for name in unknown]
    mode = form.get("hub.mode", "")
    if mode not in MODES:
        errors.append(problems.FieldError("hub.mode", "must be subscribe or unsubscribe"))
    topic_url = form.get("hub.topic", "")
    topic = Topic.parse(topic_url, base_url, langs)
    if topic is None:
        errors.append(
            problems.FieldError("hub.topic", f"must be one of the feed URLs under {base_url}/")
        )
    callback = form.get("hub.callback", "")
    why = callback_syntax(callback)
    if why:
        errors.append(problems.FieldError("hub.callback", why))
    lease = lease_seconds(form.get("hub.lease_seconds"))
    if lease is None:
        errors.append(problems.FieldError("hub.lease_seconds", "must be a whole number from 1"))
    secret = form.get("hub.secret") or None
    if secret is not None and len(secret.encode()) > MAX_SECRET:
        errors.append(problems.FieldError("hub.secret", "must be under 200 bytes"))
    if errors or topic is None or lease is None:
        raise problems.bad_request("The subscription request is not valid.", errors)
    return Intent(mode, topic, topic_url, callback, lease, secret)


def callback_syntax(url: str) -> str | None:
    """Why `url` cannot be a callback, judged by its text alone; None when it can."""
    if not url:
        return "is required"
    if len(url) > MAX_CALLBACK or not _PRINTABLE_ASCII.fullmatch(url):
        return f"must be an http(s) URL of printable ASCII, at most {MAX_CALLBACK} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http or https URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if parts.fragment or "#" in url:
        return "must not have a fragment"
    if port == 0:
        return "must not name port 0"
    return None


def lease_seconds(raw: str | None) -> int | None:
    """The lease granted: the default when none is asked, at most 30 days; None when the
    value is not a positive whole number."""
    if raw is None or raw == "":
        return DEFAULT_LEASE
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return None if value < 1 else min(value, MAX_LEASE)


def signature(secret: str, body: bytes) -> str:
    """`X-Hub-Signature` of a delivery: the body's HMAC-SHA256 keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(failures: int, first: float) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt: doubling from `first`, at
    most 180 times it; None once the delivery has failed `MAX_ATTEMPTS` times."""
    if failures >= MAX_ATTEMPTS:
        return None
    return min(first * 2 ** (failures - 1), first * MAX_DELAY_FACTOR)

"""HTTP to subscribers' callbacks, which anyone on the internet names: never to this
machine or its network (no SSRF).

A callback must resolve only to public addresses: not loopback, private, link-local,
multicast, unspecified, reserved or otherwise non-global (`ipaddress`), also when
IPv4 hides in IPv6. That is checked when a subscription is asked for (400, before any
connection), and again at every connection, by the resolver the client connects with:
a name that later resolves elsewhere (DNS rebinding) gets no connection. Redirects are
not followed, every exchange has short timeouts, and at most a few KiB of an answer are
read. `NEWSFEED_WEBSUB_ALLOW_PRIVATE=1` lifts the address rule (tests, intranets).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5, sock_connect=5, sock_read=5)
RESOLVE_TIMEOUT = 5.0  # seconds a subscription request waits for DNS
MAX_ANSWER = 64 * 1024  # bytes of a callback's answer ever read
USER_AGENT = "newsfeed-websub-hub"


class CallbackRefused(Exception):
    """The callback's address is not a public one (or cannot be resolved)."""


def is_public(address: Address) -> bool:
    """Whether a subscriber's address may be connected to."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None and not is_public(inner):
                return False
        if address.teredo is not None and not all(is_public(a) for a in address.teredo):
            return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def literal(host: str) -> Address | None:
    """The address a URL's host names literally, if it is one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class PublicResolver(AbstractResolver):
    """Resolves as usual, and refuses a name any of whose addresses is not public."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        bad = [r["host"] for r in found if not is_public(ipaddress.ip_address(r["host"]))]
        if bad or not found:
            raise OSError(f"{host} resolves to a non-public address ({', '.join(bad)})")
        return found

    async def close(self) -> None:
        await self._inner.close()


async def refusal(url: str, allow_private: bool) -> str | None:
    """Why a callback (already well-formed) is refused; None when it may be used. Only
    DNS is asked: nothing connects to it."""
    if allow_private:
        return None
    host = urlsplit(url).hostname or ""
    address = literal(host)
    if address is not None:
        return None if is_public(address) else f"{host} is not a public address"
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        return f"{host} cannot be resolved"
    addresses = {ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos}
    bad = sorted(str(a) for a in addresses if not is_public(a))
    if bad or not addresses:
        return f"{host} resolves to a non-public address ({', '.join(bad)})"
    return None


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes  # at most MAX_ANSWER bytes of it


class Callbacks:
    """The hub's HTTP client: one session, public addresses only unless allowed."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Callbacks]:
        resolver: AbstractResolver = ThreadedResolver() if self.allow_private else PublicResolver()
        connector = aiohttp.TCPConnector(
            resolver=resolver, use_dns_cache=False, limit=64, limit_per_host=4
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=TIMEOUT,
            headers={"User-Agent": USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )
        try:
            yield self
        finally:
            await self._session.close()
            self._session = None

    def _check(self, url: str) -> None:
        """Literal addresses never reach the resolver: judge them here."""
        if self.allow_private:
            return
        address = literal(urlsplit(url).hostname or "")
        if address is not None and not is_public(address):
            raise CallbackRefused(f"{address} is not a public address")

    async def get(self, url: str) -> Answer:
        return await self._send("GET", url, None, {})

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        return await self._send("POST", url, body, headers)

    async def _send(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        """One exchange; raises CallbackRefused, aiohttp.ClientError or TimeoutError."""
        assert self._session is not None, "Callbacks.running() first"
        self._check(url)
        try:
            target = URL(url, encoded=True)
        except ValueError as exc:
            raise CallbackRefused(f"not a usable URL: {exc}") from None
        async with self._session.request(
            method, target, data=body, headers=dict(headers), allow_redirects=False
        ) as response:
            answer = b""
            while len(answer) < MAX_ANSWER:
                chunk = await response.content.read(MAX_ANSWER - len(answer))
                if not chunk:
                    break
                answer += chunk
            return Answer(response.status, answer)

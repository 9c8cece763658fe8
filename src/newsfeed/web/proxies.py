"""Behind a reverse proxy: who the client is, and which scheme it used.

A proxy (nginx, Caddy, a load balancer) connects to the service itself, so the peer of
every request is the proxy. It says who it forwarded for in `Forwarded` (RFC 7239) or
`X-Forwarded-For` / `X-Forwarded-Proto`. Those headers are only believed when the peer
is one of `NEWSFEED_TRUSTED_PROXIES`; anyone else could write them. Each proxy appends
the address it received the request from, so the client is the right-most address in
the chain that is not a trusted proxy: addresses left of it were written by the client
(or proxies it chose) and prove nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiohttp import web

from newsfeed.settings import Network

SCHEMES = frozenset({"http", "https"})
MAX_ADDRESS = 100  # characters of an address that is not an IP (`unknown`, `_hidden`)
MAX_PEERS = 4096  # peer addresses whose trust is remembered


@dataclass(frozen=True, slots=True)
class Client:
    address: str  # an IP address, or what a proxy wrote instead (`unknown`)
    scheme: str  # http or https


def _address(raw: str) -> str:
    """A `for` or X-Forwarded-For entry without its port: `[2001:db8::1]:4711` ->
    `2001:db8::1`, `192.0.2.1:80` -> `192.0.2.1`; anything else as written."""
    raw = raw.strip().strip('"')
    if raw.startswith("["):
        raw = raw[1:].partition("]")[0]
    elif raw.count(":") == 1:
        raw = raw.partition(":")[0]
    try:
        return ipaddress.ip_address(raw).compressed
    except ValueError:
        return raw[:MAX_ADDRESS]


class Proxies:
    """The trusted proxies, and what they say about each request's client."""

    def __init__(self, trusted: Iterable[Network] = ()) -> None:
        self.trusted = tuple(trusted)
        self._peers: dict[str, bool] = {}  # peer address -> trusted, for the few peers seen

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def client(self, request: web.BaseRequest) -> Client:
        """The client's address and scheme: the peer's own unless the peer is trusted.

        Runs for every request (the access log), so the common cases cost no parsing: the
        peer comes from the socket, already a canonical address, and whether a peer is a
        trusted proxy is decided once per address (a proxy's few addresses; the memo is
        bounded for the direct clients of a service that trusts some proxies).
        """
        peer = request.remote or ""
        if not self.trusted:
            return Client(peer, request.scheme)
        trusted = self._peers.get(peer)
        if trusted is None:
            if len(self._peers) >= MAX_PEERS:
                self._peers.clear()
            trusted = self._peers[peer] = self.trusts(peer)
        if not trusted:
            return Client(peer, request.scheme)
        scheme = request.scheme
        hops = _hops(request)  # (address, scheme or "") as each proxy saw them, in order
        if not hops:
            return Client(peer, scheme)
        chosen = hops[0]
        for hop in reversed(hops):
            if not self.trusts(hop[0]):
                chosen = hop
                break
        return Client(chosen[0], chosen[1] if chosen[1] in SCHEMES else scheme)


def _hops(request: web.BaseRequest) -> list[tuple[str, str]]:
    """Forwarded when present (each element one proxy: `for` and its `proto`), else
    X-Forwarded-For with X-Forwarded-Proto (the entry at the same place when the lists
    are as long, else the last one, written by the proxy nearest to us)."""
    if "Forwarded" in request.headers:
        return [
            (_address(element["for"]), element.get("proto", "").lower())
            for element in request.forwarded
            if "for" in element
        ]
    addresses = _list(request.headers.getall("X-Forwarded-For", ()))
    protos = [p.lower() for p in _list(request.headers.getall("X-Forwarded-Proto", ()))]
    if len(protos) != len(addresses):
        protos = [protos[-1] if protos else ""] * len(addresses)
    return [(_address(a), p) for a, p in zip(addresses, protos, strict=True)]


def _list(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]

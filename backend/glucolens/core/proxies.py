"""Who the client is, when a reverse proxy stands in between.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are headers anyone can send, so they are
believed only from a peer listed in ``GLUCOLENS_TRUSTED_PROXIES`` (default: none, and
``glucolens serve`` turns uvicorn's own proxy-header handling off). From a trusted peer,
the client is the right-most ``X-Forwarded-For`` hop that is not itself a trusted proxy:
hops to its left were written by the client and prove nothing.

The middleware rewrites ``scope["client"]`` and ``scope["scheme"]`` once, at the edge, so
the login limits, the sessions list, the access log and HSTS all see the same client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from glucolens.core.config import IPNetwork

_SCHEMES = {"http": ("http", "ws"), "https": ("https", "wss")}


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted(host: str | None, networks: Sequence[IPNetwork]) -> bool:
    address = _ip(host) if host else None
    return address is not None and any(address in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: Sequence[IPNetwork]) -> str:
    """The client address behind the trusted ``peer``; ``peer`` itself if the header
    names no usable address."""
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if is_trusted(hop, networks):
            continue
        return hop if _ip(hop) is not None else peer
    return hops[0] if hops and _ip(hops[0]) is not None else peer


def client_ip(connection: HTTPConnection) -> str | None:
    """The one client address of a request (rate limits, sessions, logs)."""
    return connection.client.host if connection.client else None


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, networks: Sequence[IPNetwork]) -> None:
        self.app = app
        self.networks = tuple(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks:
            peer = scope.get("client")
            if peer and is_trusted(peer[0], self.networks):
                self._rewrite(scope, peer[0])
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope, peer: str) -> None:
        headers = Headers(scope=scope)
        forwarded_for = ",".join(headers.getlist("x-forwarded-for"))
        if forwarded_for:
            scope["client"] = (forwarded_client(peer, forwarded_for, self.networks), 0)
        # The proxy that terminated TLS appends last; an earlier value came from the client.
        protos = ",".join(headers.getlist("x-forwarded-proto")).split(",")
        proto = protos[-1].strip().lower()
        if proto in _SCHEMES:
            http_scheme, ws_scheme = _SCHEMES[proto]
            scope["scheme"] = ws_scheme if scope["type"] == "websocket" else http_scheme

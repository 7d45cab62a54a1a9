"""HTTPS enforcement: when ``GLUCOLENS_PUBLIC_URL`` is https, plain http is redirected there.

The scheme is the one ``TrustedProxyMiddleware`` settled (a trusted proxy's
``X-Forwarded-Proto``, else the connection's own), so a TLS-terminating proxy in front does
not cause a redirect loop. 308 keeps the method and body (a POST stays a POST); the target is
built from the public URL, never from the request's Host header (an open redirect). Health
probes (``/healthz``, ``/livez``, ``/readyz``) stay reachable over plain http: orchestrators
probe the container directly. A plain ``ws://`` WebSocket is refused (close 1008): a token
would travel in the clear. HSTS on https responses comes from core/http_headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

PROBES = frozenset({"/healthz", "/livez", "/readyz"})


class HttpsRedirectMiddleware:
    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url)
        self.origin = f"https://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" and scope.get("scheme") == "ws":
            await send({"type": "websocket.close", "code": 1008, "reason": "use wss://"})
            return
        if kind != "http" or scope.get("scheme") != "http" or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{self.origin}{self.base_path}{scope['path']}" + (f"?{query}" if query else "")
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [
                    (b"location", target.encode("latin-1")),
                    (b"content-length", b"0"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def https_enforced(public_url: str | None) -> bool:
    return bool(public_url) and urlsplit(public_url or "").scheme == "https"

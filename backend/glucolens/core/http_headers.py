"""Security headers on every answer, the errors included.

The web app's Content-Security-Policy allows no inline script by default: the static
export's own inline ``<script>`` blocks (Next.js bootstraps each page with a few) are
listed by their sha256, computed from ``frontend/out`` when the app starts, so a script
injected into a page runs nowhere. ``style-src`` keeps ``'unsafe-inline'``: React and the
chart library set ``style`` attributes, and inline styles cannot run code.

HSTS goes out only over https (the connection's own scheme, or ``X-Forwarded-Proto`` from
a trusted proxy, see ``core/proxies``): sent over plain http it would be ignored anyway,
and a development server on http://localhost must not pin itself to https.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"
# Features the app never uses, denied to it and to anything it might embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)

_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC_ATTR = re.compile(r"\ssrc\s*=", re.IGNORECASE)


def csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def inline_scripts(html: str) -> list[str]:
    """The bodies of the ``<script>`` elements without ``src`` (those need a hash)."""
    return [body for attrs, body in _INLINE_SCRIPT.findall(html) if not _SRC_ATTR.search(attrs)]


def static_script_hashes(root: Path | None) -> list[str]:
    """Sorted CSP hashes of every inline script in the exported pages under ``root``."""
    if root is None or not root.is_dir():
        return []
    hashes = {
        csp_hash(script)
        for page in root.rglob("*.html")
        for script in inline_scripts(page.read_text(encoding="utf-8", errors="replace"))
    }
    return sorted(hashes)


def app_csp(script_hashes: Iterable[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


class SecurityHeadersMiddleware:
    """Adds the headers unless the response set its own (the API docs set their CSP)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                headers.setdefault("Content-Security-Policy", self.csp)
                if path.startswith("/api/"):
                    headers.setdefault("Cache-Control", "no-store")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)

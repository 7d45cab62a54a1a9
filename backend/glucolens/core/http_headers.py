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
    """Adds the headers unless the response set its own (the API docs set their CSP). The
    header lines are encoded once, here, not per response."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp
        common = [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("permissions-policy", PERMISSIONS_POLICY),
            ("content-security-policy", csp),
        ]
        self._common = [(k.encode(), v.encode("latin-1")) for k, v in common]
        self._api = [(b"cache-control", b"no-store")]
        self._https = [(b"strict-transport-security", HSTS.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self._common)
        if scope.get("path", "").startswith("/api/"):
            extra += self._api
        if scope.get("scheme") == "https":
            extra += self._https

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(line for line in extra if line[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Request bodies at the edge: a size limit per route, and no body read for a caller
who sent no credential at all.

Pure ASGI (not ``BaseHTTPMiddleware``), so the body streams through ``receive`` and is
never buffered here. The guard decides when the handler first asks for the body: by then
the router has picked the route (``scope["route"]``), so the limit and whether the route
needs a credential come from the real routing, and not one byte has been read yet.

- A declared ``Content-Length`` over the route's limit is refused before reading (413).
- A body without one (chunked) is counted while it streams; the read that crosses the
  limit fails (413), so at most the limit plus one chunk is ever held.
- A route that needs a credential, asked for its body by a request with no
  ``Authorization``, no ``X-API-Key``, no Nightscout ``api-secret`` or ``?token=`` (and not
  on a route that takes a refresh token instead), is refused with 401 before reading.

Both answers carry ``Connection: close``: the unread rest of the body is not drained.
A handler that never reads its body (most GET routes) never meets the guard.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from glucolens.core.config import Settings
from glucolens.core.errors import error_json

API_PREFIX = "/api/"
AUTH_PREFIX = "/api/v1/auth/"
BULK_SUFFIX = "/bulk"
CSV_SUFFIX = "/import/csv"
IMPORTS_PATH = "/api/v1/imports"
# Nightscout uploads: a first upload of 30 days is 10,000+ entries (or treatments) in one array.
NIGHTSCOUT_ENTRIES_PATHS = frozenset(
    f"/api/v1/{name}{ext}"
    for name in ("entries", "treatments", "devicestatus", "profile")
    for ext in ("", ".json")
)
# A HealthKit sync batch: up to 10,000 samples with their provenance.
HEALTHKIT_SYNC_PATH = "/api/v1/integrations/healthkit/sync"
MULTIPART_FRAMING = 64 * 1024
KIB = 1024
MIB = 1024 * KIB


def human_bytes(n: int) -> str:
    """64 KiB, 1 MiB, 1500 bytes: the unit a person would write."""
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    if n >= KIB and n % KIB == 0:
        return f"{n // KIB} KiB"
    return f"{n} bytes"


@dataclass(frozen=True)
class BodyLimits:
    """Largest request body, in bytes, by the route's path template."""

    default_bytes: int
    auth_bytes: int
    bulk_bytes: int
    csv_bytes: int
    import_bytes: int = 200 * 1024 * 1024 + MULTIPART_FRAMING

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            default_bytes=settings.max_body_bytes,
            auth_bytes=settings.max_body_auth_bytes,
            bulk_bytes=settings.max_body_bulk_bytes,
            csv_bytes=settings.max_body_csv_bytes,
            import_bytes=settings.import_max_mb * MIB + MULTIPART_FRAMING,
        )

    def for_route(self, route_path: str | None) -> int:
        path = route_path or ""
        if path.startswith(AUTH_PREFIX):
            return self.auth_bytes
        if path.startswith(API_PREFIX) and path.endswith(BULK_SUFFIX):
            return self.bulk_bytes
        if path.startswith(API_PREFIX) and path.endswith(CSV_SUFFIX):
            return self.csv_bytes
        if path == IMPORTS_PATH:
            return self.import_bytes
        if path in NIGHTSCOUT_ENTRIES_PATHS or path == HEALTHKIT_SYNC_PATH:
            return self.bulk_bytes
        return self.default_bytes


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: FastAPI re-raises HTTPExceptions met while reading the
    body, so the app's handler answers in the usual JSON shape."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(
            413,
            f"Request body too large: this route takes at most {human_bytes(limit_bytes)} "
            f"({limit_bytes} bytes).",
            headers={"Connection": "close"},
        )


class NoCredential(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            401,
            "Authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'.",
            headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
        )


def has_credential(headers: Headers, query_string: bytes = b"") -> bool:
    # api-secret and ?token= are the Nightscout API's forms (integrations/nightscout/auth.py).
    return bool(
        headers.get("authorization", "").strip()
        or headers.get("x-api-key", "").strip()
        or headers.get("api-secret", "").strip()
        or b"token=" in query_string
    )


def declared_length(headers: Headers) -> int | None:
    raw = headers.get("content-length")
    if raw is None or not raw.strip().isdigit():
        return None  # the server already refuses a malformed Content-Length
    return int(raw)


class _GuardedBody:
    """``receive`` for one request: checks once at the first read, then counts bytes."""

    def __init__(
        self, scope: Scope, receive: Receive, limits: BodyLimits, open_paths: Collection[str]
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.limits = limits
        self.open_paths = open_paths
        self.limit_bytes: int | None = None
        self.received_bytes = 0

    def _first_read(self) -> int:
        route_path = getattr(self.scope.get("route"), "path", None)
        limit = self.limits.for_route(route_path)
        headers = Headers(scope=self.scope)
        if (
            route_path
            and route_path.startswith(API_PREFIX)
            and route_path not in self.open_paths
            and not has_credential(headers, self.scope.get("query_string", b""))
        ):
            raise NoCredential()
        length = declared_length(headers)
        if length is not None and length > limit:
            raise BodyTooLarge(limit)
        return limit

    async def __call__(self) -> Message:
        if self.limit_bytes is None:
            self.limit_bytes = self._first_read()
        message = await self.receive()
        if message["type"] == "http.request":
            self.received_bytes += len(message.get("body", b""))
            if self.received_bytes > self.limit_bytes:
                raise BodyTooLarge(self.limit_bytes)
        return message


class RequestGuard:
    """ASGI middleware; ``open_paths`` are API route templates that take no
    Authorization or X-API-Key header (sign-up, sign-in, refresh, logout, reset)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, open_paths: Collection[str]) -> None:
        self.app = app
        self.limits = limits
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = _GuardedBody(scope, receive, self.limits, self.open_paths)
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, body, send_tracked)
        except (BodyTooLarge, NoCredential) as exc:
            # Normally the app's handler has answered already; this covers a body read
            # outside FastAPI's request handling (a background task, a raw ASGI route).
            if started:
                raise
            await _answer(exc)(scope, receive, send)


def _answer(exc: BodyTooLarge | NoCredential) -> JSONResponse:
    headers = dict(exc.headers or {})
    if isinstance(exc, BodyTooLarge):
        details = [{"field": "body", "row": None, "reason": f"larger than {exc.limit_bytes} bytes"}]
        return error_json(413, "payload_too_large", str(exc.detail), details, headers)
    return error_json(401, "unauthorized", str(exc.detail), headers=headers)


def install_request_guard(app: FastAPI, settings: Settings, open_paths: Collection[str]) -> None:
    """Add the guard (innermost of the middlewares: its answers get the security headers
    and the access log) and the handler that shapes its errors inside the app."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, BodyTooLarge | NoCredential):
            return _answer(exc)
        raise exc

    app.add_exception_handler(BodyTooLarge, handle)
    app.add_exception_handler(NoCredential, handle)
    app.add_middleware(
        RequestGuard, limits=BodyLimits.from_settings(settings), open_paths=open_paths
    )

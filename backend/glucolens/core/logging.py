"""Structured JSON logs. Request logs carry method, route, status and timing only:
never bodies, tokens or query strings (which may hold health data or secrets).

Exceptions are logged as their type and the frames of their traceback, never their
message: database errors quote the offending values (PostgreSQL's ``DETAIL: Key
(email)=(...)``), and validation errors quote inputs, so a message can carry an email, a
password hash or a meal. The type, the SQLSTATE and the frames say where to look.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from glucolens.core.errors import error_json


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """What may be logged about ``exc``: qualified type, database codes, no values."""
    out: dict[str, Any] = {"exc_type": _qualname(type(exc))}
    orig = getattr(exc, "orig", None)  # the driver's error inside a SQLAlchemy error
    if orig is not None:
        out["db_error"] = _qualname(type(orig))
        for attr in ("sqlstate", "sqlite_errorname"):
            if isinstance(getattr(orig, attr, None), str):
                out[attr] = getattr(orig, attr)
    return out


def scrubbed_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes, with each exception's type but no message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{_qualname(type(current))}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n\nwhich was raised while handling:\n\n".join(parts)


def _qualname(cls: type) -> str:
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            payload.update(extra)
        if record.exc_info and record.exc_info[1] is not None:
            payload.update(describe_exception(record.exc_info[1]))
            payload["exc"] = scrubbed_traceback(record.exc_info[1])
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_glucolens", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._glucolens = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # urllib3 (under requests: alert webhooks and web push) logs each request's URL at DEBUG,
    # and a webhook or push endpoint URL is a secret capability.
    for noisy in ("httpx", "httpx2", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # uvicorn's own handlers print full exception messages; send its records through ours.
    for name in ("uvicorn", "uvicorn.error"):
        server_log = logging.getLogger(name)
        server_log.handlers.clear()
        server_log.propagate = True


access_log = logging.getLogger("glucolens.access")
error_log = logging.getLogger("glucolens.errors")


class RequestLogMiddleware:
    """Log every HTTP request, failures included (pure ASGI: no task or stream per request,
    unlike Starlette's ``BaseHTTPMiddleware``). An exception no handler turned into a
    response becomes a JSON 500 here (not Starlette's plain-text one, which would also skip
    the security headers added by the middleware around this one); one raised after the
    response started can only be logged, and the connection is closed by the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def send_logged(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception as exc:
            error_log.error(
                "unhandled error", exc_info=exc, extra={"fields": {"method": scope["method"]}}
            )
            if started:
                raise
            status = 500
            await error_json(500, "internal_error", "Internal server error.")(scope, receive, send)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "method": scope["method"],
                        "route": route_label(scope),
                        "status": status,
                        "ms": round((time.perf_counter() - start) * 1000, 2),
                    }
                },
            )


def route_label(scope: Scope) -> str:
    """The matched route's template (``/api/v1/meals/{id}``). No route: the web app's files,
    or an API request answered before routing (queue full, unknown path); the raw path is
    never logged, since it may carry ids."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template:
        return str(template)
    return "api" if scope.get("path", "").startswith("/api/") else "static"

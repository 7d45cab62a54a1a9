"""Domain errors and the one handler that maps them to HTTP.

Every error body has the same shape::

    {"error": {"code": "not_found", "message": "...", "details": [...]}}
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class ConfirmationRequired(Conflict):
    """The action is allowed but has consequences the user must confirm first."""

    code = "confirmation_required"


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "Authentication required.", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(
        self,
        message: str,
        retry_after_s: int,
        limit: int | None = None,
        window_s: int | None = None,
    ) -> None:
        retry = max(1, retry_after_s)
        headers = {"Retry-After": str(retry)}
        if limit is not None:
            # draft-ietf-httpapi-ratelimit-headers: the quota, what is left, seconds to reset.
            headers |= {
                "RateLimit-Limit": str(limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(retry),
            }
            if window_s:
                headers["RateLimit-Policy"] = f"{limit};w={window_s}"
        super().__init__(message, headers=headers)


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class ServiceUnavailable(DomainError):
    """A dependency is down or overloaded; the client should retry after ``Retry-After``."""

    status_code = 503
    code = "service_unavailable"

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})


class ErrorDetail(BaseModel):
    field: str | None = None
    row: int | None = None
    reason: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_json(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return JSONResponse(status_code=status, content=body, headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "service_unavailable",
}


def _loc_to_field(loc: tuple[Any, ...]) -> tuple[str, int | None]:
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    field = ""
    row: int | None = None
    for p in parts:
        if isinstance(p, int):
            field += f"[{p}]"
            if row is None:
                row = p
        else:
            field += ("." if field else "") + str(p)
    return field or (str(loc[0]) if loc else ""), row


_BODY_PARSE_FAILED = "There was an error parsing the body"  # fastapi.routing's wording


def _body_detail(reason: str) -> dict[str, Any]:
    return {"field": "body", "row": None, "reason": reason}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        return error_json(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                # loc is ("body", character offset): the offset is not a row.
                at = err.get("loc", ("body", "?"))[-1]
                details.append(_body_detail(f"not valid JSON (at character {at})"))
                continue
            field, row = _loc_to_field(tuple(err.get("loc", ())))
            details.append({"field": field, "row": row, "reason": err.get("msg", "invalid")})
        first = details[0] if details else {"field": "", "reason": "invalid"}
        message = f"Invalid request: {first['field'] or 'body'}: {first['reason']}"
        return error_json(422, "validation_failed", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # Only the framework raises a bare 400 here, for a body it cannot decode (not
            # UTF-8, a broken multipart form): the same mistake as malformed JSON, so the
            # same documented 422 naming the body.
            reason = str(exc.detail)
            if reason == _BODY_PARSE_FAILED:
                reason = "cannot be decoded as UTF-8 JSON"
            message = f"Invalid request: body: {reason}"
            return error_json(422, "validation_failed", message, [_body_detail(reason)])
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_json(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    install_unavailable_handlers(app)


# How long clients should wait before retrying when the database is down or saturated.
DB_DOWN_RETRY_AFTER_S = 5
POOL_BUSY_RETRY_AFTER_S = 2
_db_log = logging.getLogger("glucolens.db")
_db_log_lock = threading.Lock()
_db_log_state = {"next_at": 0.0, "suppressed": 0}
DB_LOG_EVERY_S = 10.0


def log_db_unavailable(what: str, exc: BaseException) -> None:
    """One warning per ``DB_LOG_EVERY_S`` during an outage, not one per request; the type
    and SQLSTATE only, since driver messages quote the values of the failed statement."""
    with _db_log_lock:
        now = time.monotonic()
        if now < _db_log_state["next_at"]:
            _db_log_state["suppressed"] += 1
            return
        suppressed = int(_db_log_state["suppressed"])
        _db_log_state.update(next_at=now + DB_LOG_EVERY_S, suppressed=0)
    orig = getattr(exc, "orig", None)
    fields = {
        "error": type(exc).__name__,
        "sqlstate": getattr(orig, "sqlstate", None),
        "suppressed": suppressed,
    }
    _db_log.warning(what, extra={"fields": fields})


def install_unavailable_handlers(app: FastAPI) -> None:
    """A database that is down, locked or out of pooled connections is the server's
    condition, not the client's mistake, and it passes: 503 with Retry-After, fast, in the
    usual error shape. Handled here (not left to Starlette's 500) so the middlewares still
    add their headers and the access log records the answer."""

    @app.exception_handler(sa_exc.TimeoutError)
    async def _pool_busy(_req: Request, exc: sa_exc.TimeoutError) -> JSONResponse:
        log_db_unavailable("database connection pool exhausted", exc)
        message = "The server is busy; try again shortly."
        headers = {"Retry-After": str(POOL_BUSY_RETRY_AFTER_S)}
        return error_json(503, "service_unavailable", message, headers=headers)

    async def _db_down(_req: Request, exc: Exception) -> JSONResponse:
        log_db_unavailable("database unavailable", exc)
        message = "The database is unavailable; try again shortly."
        headers = {"Retry-After": str(DB_DOWN_RETRY_AFTER_S)}
        return error_json(503, "service_unavailable", message, headers=headers)

    # Connection refused or lost, server shutting down, SQLite locked: OperationalError;
    # a call on a connection that already died: InterfaceError.
    app.add_exception_handler(sa_exc.OperationalError, _db_down)
    app.add_exception_handler(sa_exc.InterfaceError, _db_down)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the error codes a route can answer."""
    text = {
        400: "Bad request",
        401: "Missing, expired or invalid credentials",
        403: "Credential lacks the required scope",
        404: "Not found (or not yours)",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid input; details name the field and row",
        429: "Too many requests; see Retry-After",
        503: "Database unavailable or server busy; see Retry-After",
    }
    return {c: {"model": ErrorResponse, "description": text.get(c, "Error")} for c in codes}

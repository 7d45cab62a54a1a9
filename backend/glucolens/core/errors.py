"""Domain errors and the one handler that maps them to HTTP.

Every error body has the same shape::

    {"error": {"code": "not_found", "message": "...", "details": [...]}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
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

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        return error_json(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            field, row = _loc_to_field(tuple(err.get("loc", ())))
            details.append({"field": field, "row": row, "reason": err.get("msg", "invalid")})
        first = details[0] if details else {"field": "", "reason": "invalid"}
        message = f"Invalid request: {first['field'] or 'body'}: {first['reason']}"
        return error_json(422, "validation_failed", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_json(exc.status_code, code, message, headers=getattr(exc, "headers", None))


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
    }
    return {c: {"model": ErrorResponse, "description": text.get(c, "Error")} for c in codes}

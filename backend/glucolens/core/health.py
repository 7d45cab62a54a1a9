"""Liveness (``/livez``, also ``/healthz``) and readiness (``/readyz``).

Liveness says the process answers; it touches no dependency, so an orchestrator does not
restart a healthy app because its database is down. Readiness says whether to send it
traffic: 503 while the database is unreachable (every data route would answer 503), 200
with ``redis: "degraded"`` while Redis is down (the app runs on in-process limits and
no cache).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from glucolens import __version__
from glucolens.core.db import get_engine
from glucolens.core.errors import DB_DOWN_RETRY_AFTER_S, ErrorBody, log_db_unavailable
from glucolens.core.redisconn import redis_status

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unavailable"]
    redis: Literal["ok", "degraded", "not_configured"]
    version: str
    error: ErrorBody | None = None


@router.get("/livez", summary="Liveness: the process answers (no I/O)")
@router.get("/healthz", summary="Liveness: the process answers (no I/O)")
async def healthz() -> Liveness:
    """Always 200 while the process serves requests; dependencies are in ``/readyz``.
    ``/livez`` is the Kubernetes-style name; ``/healthz`` stays for existing probes."""
    # async: answered on the event loop, so it never waits for a worker thread.
    return Liveness(status="ok", version=__version__)


def database_status() -> Literal["ok", "unavailable"]:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log_db_unavailable("database unavailable", exc)
        return "unavailable"
    return "ok"


@router.get(
    "/readyz",
    summary="Readiness: database and Redis",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Database unavailable"}},
)
def readyz() -> Any:
    """200 when the database answers (``redis`` may still be ``degraded``); 503 with
    ``Retry-After`` and an ``error`` object when it does not."""
    database, redis = database_status(), redis_status()
    if database != "ok":
        body = Readiness(
            status="unavailable",
            database=database,
            redis=redis,
            version=__version__,
            error=ErrorBody(code="service_unavailable", message="The database is unavailable."),
        )
        headers = {"Retry-After": str(DB_DOWN_RETRY_AFTER_S)}
        return JSONResponse(body.model_dump(mode="json"), status_code=503, headers=headers)
    status = "ok" if redis in ("ok", "not_configured") else "degraded"
    return Readiness(status=status, database=database, redis=redis, version=__version__)

"""Liveness (``/livez``, also ``/healthz``) and readiness (``/readyz``).

Liveness says the process answers; it touches no dependency, so an orchestrator does not
restart a healthy app because its database is down. Readiness says whether to send it
traffic: 503 while the database is unreachable (every data route would answer 503) or its
schema is behind the code's migrations, 200 with ``redis: "degraded"`` while Redis is down
(the app runs on in-process limits and no cache) and with ``broker: "unavailable"`` while
the Celery broker is (jobs wait). Neither says which version runs: they are public.
"""

from __future__ import annotations

import socket
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from glucolens.core.config import get_settings
from glucolens.core.db import get_engine
from glucolens.core.errors import DB_DOWN_RETRY_AFTER_S, ErrorBody, log_db_unavailable
from glucolens.core.redisconn import get_redis, redis_status

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"]


Check = Literal["database", "migrations", "redis", "broker"]


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unavailable"]
    migrations: Literal["ok", "behind", "unknown"]
    redis: Literal["ok", "degraded", "not_configured"]
    broker: Literal["ok", "unavailable", "not_configured"]
    failed: list[Check] = []
    error: ErrorBody | None = None


@router.get("/livez", summary="Liveness: the process answers (no I/O)")
@router.get("/healthz", summary="Liveness: the process answers (no I/O)")
async def healthz() -> Liveness:
    """Always 200 while the process serves requests; dependencies are in ``/readyz``.
    ``/livez`` is the Kubernetes-style name; ``/healthz`` stays for existing probes."""
    # async: answered on the event loop, so it never waits for a worker thread. No version:
    # anonymous callers learn nothing about the deployment here.
    return Liveness(status="ok")


@lru_cache
def head_revision() -> str | None:
    """The newest migration this code knows (None when the scripts are not shipped)."""
    scripts = Path(__file__).resolve().parents[2] / "migrations"
    if not scripts.is_dir():
        return None
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    return ScriptDirectory.from_config(cfg).get_current_head()


def database_status() -> tuple[Literal["ok", "unavailable"], Literal["ok", "behind", "unknown"]]:
    head = head_revision()
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            if head is None:
                return "ok", "unknown"
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        log_db_unavailable("database unavailable", exc)
        return "unavailable", "unknown"
    return "ok", "ok" if current == head else "behind"


def broker_status() -> Literal["ok", "unavailable", "not_configured"]:
    """The Celery broker answers (Redis: PING; others: a TCP connect)."""
    url = get_settings().celery_broker_url
    if not url:
        return "not_configured"
    timeout = get_settings().redis_timeout_s
    try:
        if url.startswith(("redis://", "rediss://")):
            # The process's cached client for that URL: short timeouts, no retries (a new
            # client per probe would reconnect each time, and redis-py's default retries
            # would stall the probe for seconds on a dead broker). Its breaker is left alone:
            # it speaks for the cache and the limits, not for the broker.
            get_redis(url)[0].ping()
        else:
            parts = urlsplit(url)
            with socket.create_connection(
                (parts.hostname or "localhost", parts.port or 5672), timeout
            ):
                pass
    except (OSError, redis.RedisError):
        return "unavailable"
    return "ok"


@router.get(
    "/readyz",
    summary="Readiness: database, migrations, Redis and the broker",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Database unavailable or behind"}},
)
def readyz() -> Any:
    """200 when the database answers at the code's schema revision (``redis`` and ``broker``
    may be degraded: the app runs on without them); 503 with ``Retry-After``, the failed
    checks and an ``error`` object otherwise."""
    (database, migrations), redis_state, broker = database_status(), redis_status(), broker_status()
    failed: list[Check] = []
    if database != "ok":
        failed.append("database")
    if migrations == "behind":
        failed.append("migrations")
    if redis_state == "degraded":
        failed.append("redis")
    if broker == "unavailable":
        failed.append("broker")
    body = Readiness(
        status="ok",
        database=database,
        migrations=migrations,
        redis=redis_state,
        broker=broker,
        failed=failed,
    )
    if "database" in failed or "migrations" in failed:
        body.status = "unavailable"
        message = (
            "The database is unavailable."
            if "database" in failed
            else "The database schema is behind this version: run `glucolens db upgrade`."
        )
        body.error = ErrorBody(code="service_unavailable", message=message)
        headers = {"Retry-After": str(DB_DOWN_RETRY_AFTER_S)}
        return JSONResponse(body.model_dump(mode="json"), status_code=503, headers=headers)
    body.status = "degraded" if failed else "ok"
    return body

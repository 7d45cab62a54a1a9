"""Dashboard routes: summary, daily statistics, AGP and the chart series (reads only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from glucolens.auth.deps import AuthSubject, DbSession, ReadAuth
from glucolens.auth.models import User
from glucolens.core import read_cache
from glucolens.core.db import utcnow
from glucolens.core.errors import ValidationFailed, responses
from glucolens.core.schemas import QueryDate, QueryTime
from glucolens.core.timeutil import local_today
from glucolens.core.transaction import TransactionalRoute
from glucolens.dashboard import schemas, service, variability

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/dashboard", tags=["dashboard"])
series_router = APIRouter(
    route_class=TransactionalRoute, prefix="/api/v1/glucose", tags=["glucose"]
)
ERRORS = responses(401, 403, 422, 429)
T = TypeVar("T", bound=BaseModel)


def cached(user: User, name: str, params: object, compute: Callable[[], T]) -> T | Response:
    """A recent identical answer (core/read_cache)."""
    return read_cache.cached("dash", user, name, params, compute)


async def cached_async(
    auth: AuthSubject, name: str, params: object, compute: Callable[[], T]
) -> T | Response:
    """``cached`` on the event loop for a hit (core/read_cache)."""
    return await read_cache.cached_async("dash", auth.snapshot, name, params, compute)


MAX_WINDOW_DAYS = 90
MAX_WINDOWS = 5


@router.get(
    "/summary", response_model=schemas.Summary, responses=ERRORS, summary="Consensus metrics"
)
async def get_summary(
    auth: ReadAuth,
    db: DbSession,
    days: Annotated[
        list[int] | None,
        Query(description="window lengths in local days, 1 to 90 (e.g. 7, 14, 30, 90); repeatable"),
    ] = None,
    end: Annotated[
        QueryDate | None, Query(description="last local date of the windows (default today)")
    ] = None,
) -> schemas.Summary:
    """Mean, SD, CV, GMI, time in ranges, wear and data sufficiency per window."""
    windows = days or [7, 30, 90]
    bad = [d for d in windows if not 1 <= d <= MAX_WINDOW_DAYS]
    if bad:
        raise ValidationFailed(
            f"days must be between 1 and {MAX_WINDOW_DAYS}; got {bad[0]}.",
            details=[{"field": "days", "reason": "unsupported window"}],
        )
    if len(set(windows)) > MAX_WINDOWS:
        raise ValidationFailed(
            f"At most {MAX_WINDOWS} windows per request.",
            details=[{"field": "days", "reason": "too many windows"}],
        )
    return await cached_async(
        auth,
        "summary",
        (sorted(set(windows)), end),
        lambda: service.summary(db, auth.user, windows, end=end),
    )  # type: ignore[return-value]


@router.get("/daily", response_model=schemas.Daily, responses=ERRORS, summary="Per-day statistics")
def get_daily(
    auth: ReadAuth,
    db: DbSession,
    days: Annotated[int | None, Query(ge=1, le=366)] = None,
    start: Annotated[QueryDate | None, Query(description="first local date")] = None,
    end: Annotated[QueryDate | None, Query(description="last local date (inclusive)")] = None,
) -> schemas.Daily:
    """Statistics for each local day (the user's time zone), oldest first."""
    today = local_today(auth.user.timezone)
    last = end or today
    first = start or last - dt.timedelta(days=(days or 30) - 1)
    if first > last:
        raise ValidationFailed(
            "'start' is after 'end'.", details=[{"field": "start", "reason": "after end"}]
        )
    if (last - first).days > 366:
        raise ValidationFailed(
            "At most 366 days per request.",
            details=[{"field": "start", "reason": "range too long"}],
        )
    return cached(
        auth.user, "daily", (first, last), lambda: service.daily(db, auth.user, first, last)
    )  # type: ignore[return-value]


@router.get(
    "/agp", response_model=schemas.Agp, responses=ERRORS, summary="Ambulatory glucose profile"
)
def get_agp(
    auth: ReadAuth,
    db: DbSession,
    days: Annotated[int, Query(ge=7, le=90)] = 14,
    end: Annotated[QueryDate | None, Query(description="last local date (default today)")] = None,
) -> schemas.Agp:
    """5th/25th/50th/75th/95th percentiles in 288 five-minute bins of the local day."""
    return cached(auth.user, "agp", (days, end), lambda: service.agp(db, auth.user, days, end=end))  # type: ignore[return-value]


@router.get(
    "/variability",
    response_model=schemas.Variability,
    responses=ERRORS,
    summary="Glycaemic variability",
)
def get_variability(
    auth: ReadAuth,
    db: DbSession,
    days: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS, description="window in local days")] = 14,
    end: Annotated[QueryDate | None, Query(description="last local date (default today)")] = None,
) -> schemas.Variability:
    """MAGE, CONGA-1, MODD, MAG, LBGI, HBGI, ADRR, J-index and GRADE (as iglu 4.3.0
    computes them), each with its meaning, reference range and data sufficiency."""
    return cached(
        auth.user,
        "variability",
        (days, end),
        lambda: variability.compute(db, auth.user, days, end=end),
    )  # type: ignore[return-value]


@router.get(
    "/data-range",
    response_model=schemas.DataRange,
    responses=ERRORS,
    summary="First and newest reading",
)
def get_data_range(auth: ReadAuth, db: DbSession) -> schemas.DataRange:
    """When the account's glucose history starts and ends, in UTC and as local dates."""
    return service.data_range(db, auth.user)


@series_router.get(
    "/series", response_model=schemas.Series, responses=ERRORS, summary="Readings for a chart"
)
def get_series(
    auth: ReadAuth,
    db: DbSession,
    start: Annotated[QueryTime | None, Query(description="default: end − 24 h")] = None,
    end: Annotated[QueryTime | None, Query(description="default: now")] = None,
    points: Annotated[int, Query(ge=10, le=5000)] = 500,
) -> schemas.Series:
    """Raw readings when they fit in ``points``; otherwise min/mean/max per time bucket."""
    end = end or utcnow()
    start = start or end - dt.timedelta(hours=24)
    return service.series(db, auth.user, start, end, points)


routers = [series_router, router]

"""Meal-response routes: every meal's glucose response with rankings and comparisons, and one
meal's response with its trace. Computed on read and cached until the user's next write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from glucolens.auth.deps import DbSession, ReadAuth
from glucolens.auth.models import User
from glucolens.core import read_cache
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.insights import meal_service
from glucolens.insights.meal_schemas import MealInsights, MealResponseDetail
from glucolens.records.router import PathId

router = APIRouter(
    route_class=TransactionalRoute, prefix="/api/v1/insights/meals", tags=["insights"]
)
T = TypeVar("T", bound=BaseModel)
MAX_DAYS = 180


def _cached(user: User, name: str, params: object, compute: Callable[[], T]) -> T | Response:
    """A recent identical answer (core/read_cache): a new meal or reading, or a unit or
    time-zone change, misses."""
    return read_cache.cached("meals", user, name, params, compute)


@router.get(
    "",
    response_model=MealInsights,
    responses=responses(401, 403, 422, 429),
    summary="Meal responses, ranked and compared",
)
def get_meal_insights(
    auth: ReadAuth,
    db: DbSession,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="meals of the last N days")] = 30,
) -> MealInsights:
    """Each meal's baseline, peak rise, time to peak, 2-hour iAUC and time back to baseline
    with a confidence flag; meals and recurring foods ranked; time of day, sleep and
    activity compared."""
    return _cached(auth.user, "list", days, lambda: meal_service.meal_insights(db, auth.user, days))  # type: ignore[return-value]


@router.get(
    "/{id}",
    response_model=MealResponseDetail,
    responses=responses(401, 403, 404, 422, 429),
    summary="One meal's glucose response",
)
def get_meal_response(
    id: PathId,  # noqa: A002  (the meal's id; every integer path id is called id)
    auth: ReadAuth,
    db: DbSession,
) -> MealResponseDetail:
    """The response of one of your meals, with its smoothed trace from 30 minutes before to
    3 hours after."""
    return _cached(auth.user, "one", id, lambda: meal_service.meal_response(db, auth.user, id))  # type: ignore[return-value]

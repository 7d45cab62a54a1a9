"""Demo data for the signed-in user's own account (the dashboard's empty state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from glucolens.auth.deps import DbSession, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.demo.service import load_demo

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/demo", tags=["demo"])


class DemoCounts(BaseModel):
    glucose: int
    sleep: int
    meals: int
    activities: int
    insulin: int


@router.post(
    "/load",
    status_code=201,
    response_model=DemoCounts,
    responses=responses(401, 403, 409, 422, 429),
    summary="Load 90 days of demo data",
)
def load(
    auth: ReadingsWrite,
    db: DbSession,
    confirm: Annotated[
        bool, Query(description="load even though the account has readings of its own")
    ] = False,
) -> DemoCounts:
    """Adds demo data (source ``demo``) to your own account; loading twice adds nothing.
    409 ``confirmation_required`` when the account has readings of its own, unless confirmed."""
    return DemoCounts(**load_demo(db, auth.user, confirm=confirm))

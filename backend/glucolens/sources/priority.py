"""Which source's copy of a reading is canonical: the user's source order (a setting).

Changing it recomputes the copy links of the whole history (``readings.canonical``), the day
aggregates of the days whose canonical stream changed, and marks the data changed so the
insights recompute, all in the request's transaction under the user's write lock.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.deps import AccountAuth, DbSession, ReadAuth
from glucolens.auth.models import User
from glucolens.core.errors import responses
from glucolens.core.schemas import SOURCE_MAX_LENGTH, SOURCE_PATTERN
from glucolens.core.sql import lock_user_writes
from glucolens.core.transaction import TransactionalRoute
from glucolens.readings import aggregates
from glucolens.readings.canonical import (
    default_priority,
    rank_sources,
    recanonicalize_all,
    user_priority,
)
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseReading

MAX_SOURCES = 64
SourceName = Annotated[
    str, Field(min_length=1, max_length=SOURCE_MAX_LENGTH, pattern=SOURCE_PATTERN)
]


class SourcePriorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: list[SourceName] = Field(
        min_length=1,
        max_length=MAX_SOURCES,
        description="Source names, highest priority first. Sources not named follow in the "
        "default order.",
    )

    @field_validator("order")
    @classmethod
    def _unique(cls, order: list[str]) -> list[str]:
        seen: set[str] = set()
        for name in order:
            if name in seen:
                raise ValueError(f"source {name!r} is named twice")
            seen.add(name)
        return order


class SourcePriorityOut(BaseModel):
    order: list[str] = Field(
        description="The user's glucose sources and the known ones, highest priority first: "
        "when two sources hold the same reading, the copy of the first one is canonical."
    )
    default: bool = Field(description="true while the user has not set an order of their own")


def priority_of(db: Session, user: User) -> SourcePriorityOut:
    own = user_priority(user)
    present = db.execute(
        select(GlucoseReading.source).where(GlucoseReading.user_id == user.id).distinct()
    ).scalars()
    names = {*present, *default_priority(), *(own or [])}
    return SourcePriorityOut(order=rank_sources(names, own), default=own is None)


def set_priority(db: Session, user: User, order: list[str] | None) -> SourcePriorityOut:
    """Store the order (None: back to the default) and recompute what it decides."""
    lock_user_writes(db, user.id)
    stored = json.dumps(order) if order is not None else None
    if stored != user.source_priority:
        user.source_priority = stored
        db.flush()
        moved = recanonicalize_all(db, user)
        if moved:
            aggregates.refresh_days(db, user, moved)
            # DataChanged: insights (and cached dashboards) see the new stream.
            record_change(db, user, "glucose", moved)
    return priority_of(db, user)


router = APIRouter(
    route_class=TransactionalRoute, prefix="/api/v1/data/source-priority", tags=["data"]
)


@router.get(
    "",
    response_model=SourcePriorityOut,
    responses=responses(401, 403, 429),
    summary="Source priority for duplicate readings",
)
def get_source_priority(auth: ReadAuth, db: DbSession) -> SourcePriorityOut:
    """The order that decides which source's copy of a reading that arrived twice is used."""
    return priority_of(db, auth.user)


@router.put(
    "",
    response_model=SourcePriorityOut,
    responses=responses(401, 403, 422, 429),
    summary="Set the source priority",
)
def put_source_priority(
    body: SourcePriorityIn, auth: AccountAuth, db: DbSession
) -> SourcePriorityOut:
    """Recomputes which copies are canonical over the whole history (signed-in users only)."""
    return set_priority(db, auth.user, body.order)


@router.delete(
    "",
    response_model=SourcePriorityOut,
    responses=responses(401, 403, 429),
    summary="Go back to the default source priority",
)
def reset_source_priority(auth: AccountAuth, db: DbSession) -> SourcePriorityOut:
    """Device files and uploaders first, then Apple Health, then manual entries, then demo."""
    return set_priority(db, auth.user, None)

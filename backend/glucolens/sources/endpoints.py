"""Routes: what each source contributed, and deleting one source's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from glucolens.auth.deps import AccountAuth, DbSession, ReadAuth
from glucolens.core.errors import responses
from glucolens.core.schemas import SOURCE_MAX_LENGTH, SOURCE_PATTERN
from glucolens.core.transaction import TransactionalRoute
from glucolens.sources import schemas, service

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/data/sources", tags=["data"])
SourcePath = Annotated[
    str, Path(min_length=1, max_length=SOURCE_MAX_LENGTH, pattern=SOURCE_PATTERN)
]


@router.get(
    "", response_model=schemas.SourcesOut, responses=responses(401, 403, 429), summary="Sources"
)
def list_sources(auth: ReadAuth, db: DbSession) -> schemas.SourcesOut:
    """How many rows of each kind every source (manual, demo, dexcom, ...) contributed, and
    how many of its glucose readings are copies of another source's."""
    counts = service.counts_by_source(db, auth.user)
    return schemas.SourcesOut(
        sources=[
            schemas.SourceOut(
                source=source,
                counts=schemas.KindCounts(**kinds),
                glucose_duplicates=kinds.get("glucose_duplicates", 0),
            )
            for source, kinds in sorted(counts.items())
        ]
    )


@router.delete(
    "/{source}",
    response_model=schemas.SourceDeleted,
    responses=responses(401, 403, 404, 422, 429),
    summary="Delete all data from one source",
)
def delete_source(source: SourcePath, auth: AccountAuth, db: DbSession) -> schemas.SourceDeleted:
    """Deletes every row of every kind from ``source`` (signed-in users only, not API keys)."""
    deleted = service.delete_source(db, auth.user, source)
    return schemas.SourceDeleted(source=source, deleted=schemas.KindCounts(**deleted))

"""Routes: counts of what a deletion by source and/or time range would remove, and the
deletion itself (signed-in users only; API keys cannot delete data in bulk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from glucolens.auth.deps import AccountAuth, DbSession
from glucolens.core.errors import responses
from glucolens.core.schemas import QueryTime
from glucolens.core.transaction import TransactionalRoute
from glucolens.sources import deletion, schemas

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/data", tags=["data"])


@router.get(
    "/deletion-preview",
    response_model=schemas.DeletionPreview,
    responses=responses(401, 403, 422, 429),
    summary="Count what a deletion would remove",
)
def deletion_preview(
    auth: AccountAuth,
    db: DbSession,
    source: Annotated[schemas.SourceName | None, Query()] = None,
    start: Annotated[QueryTime | None, Query(description="inclusive, with offset")] = None,
    end: Annotated[QueryTime | None, Query(description="exclusive, with offset")] = None,
) -> schemas.DeletionPreview:
    """Rows of each kind from ``source`` and/or with their time in ``[start, end)`` (at
    least one of the three); sleep and activities count by their start."""
    scope = deletion.DeletionScope(source=source, start=start, end=end)
    return schemas.DeletionPreview(
        counts=schemas.KindCounts(**deletion.preview(db, auth.user, scope))
    )


@router.post(
    "/delete",
    response_model=schemas.DataDeleted,
    responses=responses(401, 403, 409, 422, 429),
    summary="Delete data by source and/or time range",
)
def delete_data(body: schemas.DeleteIn, auth: AccountAuth, db: DbSession) -> schemas.DataDeleted:
    """Deletes what the preview with the same parameters counted, in one transaction, and
    rewrites the day aggregates of the days it touched. Without ``confirm: true``: 409
    ``confirmation_required``, whose message names the counts."""
    scope = deletion.DeletionScope(source=body.source, start=body.start, end=body.end)
    deleted = deletion.delete_scope(db, auth.user, scope, confirm=body.confirm)
    return schemas.DataDeleted(deleted=schemas.KindCounts(**deleted))

"""Routes of the HealthKit sync API (docs/healthkit-sync.md): sync a batch, read the sync
status, configure which types sync and the glucose source order."""

from __future__ import annotations

from fastapi import APIRouter, Response

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.integrations.healthkit import service, state
from glucolens.integrations.healthkit.schemas import (
    HealthKitConfigureIn,
    HealthKitStatusOut,
    HealthKitSyncIn,
    HealthKitSyncOut,
)

router = APIRouter(
    route_class=TransactionalRoute,
    prefix="/api/v1/integrations/healthkit",
    tags=["healthkit"],
)
REPLAYED_HEADER = "Idempotent-Replayed"


@router.post(
    "/sync",
    response_model=HealthKitSyncOut,
    responses=responses(401, 403, 409, 413, 422, 429),
    summary="Upload one batch of HealthKit samples and deletions",
)
def sync(
    body: HealthKitSyncIn, auth: ReadingsWrite, db: DbSession, response: Response
) -> HealthKitSyncOut:
    """Idempotent by batch_id: a retry of the same batch gets the stored answer (with
    Idempotent-Replayed: true); the same batch_id with another body is a 409. Bad samples are
    rejected one by one in the answer."""
    out, replayed = service.sync(db, auth.user, body)
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return out


@router.get(
    "/status",
    response_model=HealthKitStatusOut,
    responses=responses(401, 403, 429),
    summary="HealthKit sync state per sample type",
)
def get_status(auth: ReadAuth, db: DbSession) -> HealthKitStatusOut:
    """Per type: enabled, last sync, samples stored and deleted, last error, sources seen."""
    return state.status(db, auth.user)


@router.post(
    "/configure",
    response_model=HealthKitStatusOut,
    responses=responses(401, 403, 422, 429),
    summary="Choose the HealthKit types to sync and the glucose source order",
)
def configure(body: HealthKitConfigureIn, auth: ReadingsWrite, db: DbSession) -> HealthKitStatusOut:
    """Samples of a type turned off are rejected with a reason; the source order needs a
    signed-in session (as PUT /api/v1/data/source-priority)."""
    return state.configure(db, auth, body)

"""Glucose and insulin routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from glucolens.auth.deps import DbSession, ReadingsWrite
from glucolens.auth.models import User
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.readings import service
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.csv_import import MAX_CSV_BYTES, parse_glucose_csv
from glucolens.readings.models import GlucoseReading, InsulinDose
from glucolens.readings.schemas import GlucoseIn, GlucoseOut, InsulinIn, InsulinOut
from glucolens.readings.validation import BULK_MAX_GLUCOSE
from glucolens.records.router import build_router
from glucolens.records.schemas import BulkIn, BulkReport, Rejected
from glucolens.records.service import Resource


def canonical_filter(
    canonical: Annotated[
        bool,
        Query(
            description="true: only the canonical CGM stream (no copies from lower-priority "
            "sources, no meter readings or scans), the readings every chart and metric uses."
        ),
    ] = False,
) -> list[Any]:
    return [is_canonical_cgm] if canonical else []


glucose_resource = Resource(
    name="glucose",
    path="/api/v1/glucose",
    model=GlucoseReading,
    create_schema=GlucoseIn,
    out_schema=GlucoseOut,
    time_attr="ts",
    to_row=service.glucose_to_row,
    to_out=service.glucose_to_out,
    on_change=service.on_glucose_change,
    generic_bulk=False,
    list_filter=canonical_filter,
)
insulin_resource = Resource(
    name="insulin",
    path="/api/v1/insulin",
    model=InsulinDose,
    create_schema=InsulinIn,
    out_schema=InsulinOut,
    time_attr="ts",
    to_row=service.insulin_to_row,
    to_out=service.insulin_to_out,
    on_change=service.on_insulin_change,
)

glucose_ingest = APIRouter(
    route_class=TransactionalRoute, prefix="/api/v1/glucose", tags=["glucose"]
)


@glucose_ingest.post(
    "/bulk",
    response_model=BulkReport,
    responses=responses(401, 403, 422, 429),
    summary="Create up to 100,000 glucose readings, idempotently",
)
def bulk_glucose(body: BulkIn, auth: ReadingsWrite, db: DbSession) -> Any:
    """Idempotent on (source, external_id), else (source, timestamp); bad rows are reported."""
    return service.ingest_glucose_batch(db, auth.user, body.items)


@glucose_ingest.post(
    "/import/csv",
    response_model=BulkReport,
    responses=responses(401, 403, 413, 422, 429),
    summary="Import a CSV of timestamp,value[,unit]",
)
async def import_glucose_csv(file: UploadFile, auth: ReadingsWrite, db: DbSession) -> Any:
    """Rejected rows carry the CSV line number as their index."""
    data = await file.read(MAX_CSV_BYTES + 1)
    items, lines = parse_glucose_csv(data, auth.user.timezone)
    return await run_in_threadpool(_ingest_csv_rows, db, auth.user, items, lines)


def _ingest_csv_rows(db: Session, user: User, items: list[Any], lines: list[int]) -> BulkReport:
    """All rows of the file in one transaction, in bulk-sized parts (a 20 MiB file can hold
    more rows than one bulk request may)."""
    total = BulkReport(inserted=0, duplicates=0, rejected=[])
    for at in range(0, len(items), BULK_MAX_GLUCOSE):
        part = service.ingest_glucose_batch(db, user, items[at : at + BULK_MAX_GLUCOSE])
        total.inserted += part.inserted
        total.duplicates += part.duplicates
        total.rejected += [
            Rejected(index=lines[at + r.index], field=r.field, reason=r.reason)
            for r in part.rejected
        ]
    return total


routers = [glucose_ingest, build_router(glucose_resource), build_router(insulin_resource)]

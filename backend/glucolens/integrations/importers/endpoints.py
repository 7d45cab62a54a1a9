"""Routes: upload a file to import (with an optional preview), follow and confirm the job."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.integrations.importers import (
    jobs,  # noqa: F401 - registers the job body
    service,
)
from glucolens.integrations.importers.schemas import ImportJobList, ImportJobOut, ImportStart

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/imports", tags=["imports"])


@router.post(
    "",
    status_code=202,
    response_model=ImportJobOut,
    responses=responses(401, 403, 413, 422, 429),
    summary="Upload a file to import (Dexcom Clarity, LibreView, Apple Health, Nightscout, CSV)",
)
async def create_import(
    file: UploadFile,
    auth: ReadingsWrite,
    db: DbSession,
    preview: Annotated[
        bool, Query(description="Parse and count first; import after POST .../start")
    ] = False,
    timezone: Annotated[
        str | None,
        Query(max_length=64, description="IANA zone for files that write local wall time"),
    ] = None,
) -> Any:
    """The format is detected from the content; a file GlucoLens cannot import is refused
    with 422 saying what it looks like. The import runs in the background: poll the job."""
    job = await run_in_threadpool(
        service.create_job, db, auth.user, file.file, file.filename or "", preview, timezone
    )
    return service.to_out(job)


@router.get(
    "",
    response_model=ImportJobList,
    responses=responses(401, 403, 429),
    summary="Recent imports, newest first",
)
def list_imports(auth: ReadAuth, db: DbSession) -> ImportJobList:
    """The last 50 import jobs."""
    return ImportJobList(items=[service.to_out(j) for j in service.list_jobs(db, auth.user)])


@router.get(
    "/{job_id}",
    response_model=ImportJobOut,
    responses=responses(401, 403, 404, 422, 429),
    summary="One import: format, preview, progress and result",
)
def get_import(job_id: uuid.UUID, auth: ReadAuth, db: DbSession) -> ImportJobOut:
    """Counts per record type (read, inserted, duplicates, rejected) and rejected rows by line."""
    return service.to_out(service.get_job(db, auth.user, job_id))


@router.post(
    "/{job_id}/start",
    status_code=202,
    response_model=ImportJobOut,
    responses=responses(401, 403, 404, 409, 422, 429),
    summary="Confirm a previewed import (or retry a failed one)",
)
def start_import(
    job_id: uuid.UUID, body: ImportStart, auth: ReadingsWrite, db: DbSession
) -> ImportJobOut:
    """Optionally with another time zone, or the CSV columns to use."""
    return service.to_out(service.start_job(db, auth.user, job_id, body))


@router.delete(
    "/{job_id}",
    status_code=204,
    responses=responses(401, 403, 404, 422, 429),
    summary="Cancel an import, or forget a finished one",
)
def delete_import(job_id: uuid.UUID, auth: ReadingsWrite, db: DbSession) -> Response:
    """A running import stops after its current chunk; rows it committed stay."""
    service.cancel_job(db, auth.user, job_id)
    return Response(status_code=204)

"""Report routes: ask for a PDF report of a period, follow its job, download it.

A report only reads the account's data, so the ``read`` scope is enough, for API keys too.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import Conflict, responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.reports import jobs, service
from glucolens.reports.models import ReportJob
from glucolens.reports.schemas import ReportJobOut, ReportList, ReportRequest

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/reports", tags=["reports"])
PREFIX = "/api/v1/reports"


def job_out(job: ReportJob) -> ReportJobOut:
    return ReportJobOut(
        id=job.id,
        status=job.status,  # type: ignore[arg-type]
        progress=job.progress,
        step=job.step,
        error=job.error,
        start=job.start_day,
        end=job.end_day,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        page_count=job.page_count,
        size_bytes=job.pdf_bytes,
        pdf_url=f"{PREFIX}/{job.id}/pdf" if job.status == "done" else None,
    )


@router.post(
    "",
    status_code=202,
    response_model=ReportJobOut,
    responses=responses(401, 403, 409, 422, 429),
    summary="Ask for a PDF report",
)
def create_report(body: ReportRequest, auth: ReadingsWrite, db: DbSession) -> ReportJobOut:
    """Starts making a PDF report of the period (local dates, at most 90 days); poll the job.

    422 when the period is invalid or holds no glucose readings; 409 when three reports are
    already being made."""
    first, last = service.resolve_period(auth.user, body.start, body.end, body.days)
    job = service.request_report(db, auth.user, first, last)
    job_id = job.id

    # Start the job once its row is committed (the route commits after this returns), so a
    # worker never looks for a row that is not there yet, and a failed request starts none.
    def start(_session: Session) -> None:
        jobs.dispatch(job_id)

    event.listen(db, "after_commit", start, once=True)
    return job_out(job)


@router.get(
    "", response_model=ReportList, responses=responses(401, 403, 429), summary="Your reports"
)
def list_reports(auth: ReadAuth, db: DbSession) -> ReportList:
    """Your reports, newest first (the 20 newest finished ones are kept)."""
    return ReportList(items=[job_out(j) for j in service.list_jobs(db, auth.user)])


@router.get(
    "/{report_id}",
    response_model=ReportJobOut,
    responses=responses(401, 403, 404, 422, 429),
    summary="A report's status",
)
def get_report(report_id: uuid.UUID, auth: ReadAuth, db: DbSession) -> ReportJobOut:
    """Status and progress (0 to 1) of one of your reports."""
    return job_out(service.get_job(db, auth.user, report_id))


@router.get(
    "/{report_id}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The PDF report"},
        **responses(401, 403, 404, 409, 422, 429),
    },
    summary="Download a report",
)
def get_report_pdf(report_id: uuid.UUID, auth: ReadAuth, db: DbSession) -> Response:
    """The PDF, as an attachment. 409 while the report is being made or when it failed."""
    job = service.get_job(db, auth.user, report_id)
    if job.status != "done" or job.pdf is None:
        reason = job.error if job.status == "failed" else f"it is {job.status}"
        raise Conflict(
            f"The report is not ready: {reason}.",
            details=[{"field": None, "reason": job.status}],
        )
    name = f"glucolens-report-{job.start_day.isoformat()}-to-{job.end_day.isoformat()}.pdf"
    return Response(
        content=bytes(job.pdf),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            # Health data: no shared or browser cache keeps a copy.
            "Cache-Control": "no-store",
        },
    )

"""Report jobs: the job body (shared by the Celery task and the in-process "reports" lane,
see core/background.py) and how a job is started."""

from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background, metrics
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.errors import DomainError
from glucolens.reports.models import ReportJob

log = logging.getLogger(__name__)
RENDER_TASK = "glucolens.reports.render"


def run_job(job_id: uuid.UUID | str) -> str:
    job_id = uuid.UUID(str(job_id))
    with get_sessionmaker()() as db:
        # The row decides: a message delivered twice renders the report once.
        claimed = background.claim(db, ReportJob, job_id, "queued", progress=0.0)
        job = db.get(ReportJob, job_id)
        if job is None:
            return "missing"
        if not claimed:
            return job.status
        user = db.get(User, job.user_id)
        if user is None:
            return "missing"
        with background.Heartbeat(ReportJob, job_id):
            return _run_claimed(db, job, user)


def _run_claimed(db: Session, job: ReportJob, user: User) -> str:
    # fpdf2 is loaded by the process that renders, not by every API process on start-up.
    from glucolens.reports import pdf, service

    def progress(fraction: float, step: str) -> None:
        job.progress, job.step = round(fraction, 3), step
        db.commit()

    t0 = time.perf_counter()
    try:
        data = service.collect(db, user, job.start_day, job.end_day, progress=progress)
        progress(0.5, "drawing")
        content, pages = pdf.render(data, lambda f: progress(0.5 + 0.45 * f, "drawing"))
        job.pdf, job.pdf_bytes, job.page_count = content, len(content), pages
        job.status, job.progress, job.step = "done", 1.0, "done"
    except DomainError as exc:  # e.g. the period is now in the future (time zone changed)
        db.rollback()
        job.status, job.error = "failed", exc.message
        metrics.JOB_FAILURES.labels(task=RENDER_TASK).inc()
    except Exception:  # noqa: BLE001 - recorded on the job for the client
        log.exception("report job failed")
        db.rollback()
        job.status, job.error = "failed", "The report could not be made; please try again."
        metrics.JOB_FAILURES.labels(task=RENDER_TASK).inc()
    job.finished_at = utcnow()
    db.commit()
    log.info(
        "report job finished",
        extra={"fields": {"status": job.status, "s": round(time.perf_counter() - t0, 2)}},
    )
    return job.status


def dispatch(job_id: uuid.UUID) -> None:
    background.submit(RENDER_TASK, job_id)


background.register(RENDER_TASK, run_job, lane="reports")

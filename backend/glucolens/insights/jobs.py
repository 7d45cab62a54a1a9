"""The job body, shared by the Celery task and the in-process pool."""

from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy import select, update

from glucolens.auth.models import User
from glucolens.core.cache import get_cache
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.insights.data import history_end, load_frames
from glucolens.insights.models import InsightJob, InsightResult
from glucolens.insights.pipeline import run_pipeline

log = logging.getLogger(__name__)
HISTORY_DAYS = 180


def cache_key(user_id: uuid.UUID, kind: str) -> str:
    return f"insights:{user_id}:{kind}"


def run_job(job_id: uuid.UUID | str) -> str:
    job_id = uuid.UUID(str(job_id))
    Session = get_sessionmaker()
    with Session() as db:
        # Claim the job atomically: a job dispatched twice (debounce timer and an explicit
        # refresh) runs once.
        claimed = db.execute(
            update(InsightJob)
            .where(InsightJob.id == job_id, InsightJob.status == "queued")
            .values(status="running", started_at=utcnow(), progress=0.0)
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
        found = db.get(InsightJob, job_id)
        if found is None:
            return "missing"
        job: InsightJob = found
        if not claimed:
            return job.status
        user = db.get(User, job.user_id)
        if user is None:
            return "missing"
        started_at = utcnow()

        def progress(fraction: float, step: str) -> None:
            job.progress, job.step = round(fraction, 3), step
            db.commit()

        t0 = time.perf_counter()
        try:
            frames = load_frames(db, user, HISTORY_DAYS, now=history_end(db, user, started_at))
            results = run_pipeline(frames, progress)
            cache = get_cache()
            for r in results:
                row = db.execute(
                    select(InsightResult).where(
                        InsightResult.user_id == user.id, InsightResult.kind == r.kind
                    )
                ).scalar_one_or_none()
                if row is None:
                    row = InsightResult(user_id=user.id, kind=r.kind)
                    db.add(row)
                row.status, row.data, row.duration_s = r.status, r.data, round(r.duration_s, 3)
                # Results describe the data as it was when the job started reading it.
                row.computed_at = started_at
                cache.delete(cache_key(user.id, r.kind))
            job.status, job.progress, job.step = "done", 1.0, "done"
        except Exception as exc:  # noqa: BLE001 - recorded on the job for the client
            log.exception("insight job failed")
            db.rollback()
            job.status, job.error = "failed", type(exc).__name__
        job.finished_at = utcnow()
        db.commit()
        log.info(
            "insight job finished",
            extra={"fields": {"status": job.status, "s": round(time.perf_counter() - t0, 2)}},
        )
        return job.status

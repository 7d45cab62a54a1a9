"""Insight jobs: the job body (shared by the Celery task and the in-process pool) and how
jobs are started (core/background.py: Celery by name when a broker is configured, otherwise
the in-process "insights" lane). Recomputation after new data is debounced.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background, metrics
from glucolens.core.cache import get_cache
from glucolens.core.config import get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.insights import warmup
from glucolens.insights.models import InsightJob
from glucolens.insights.pipeline import STAGES, StepResult, run_pipeline
from glucolens.insights.repository import cache_key, history_end, load_frames, upsert_results

log = logging.getLogger(__name__)
HISTORY_DAYS = 180


RECOMPUTE_TASK = "glucolens.insights.recompute"


def run_job(job_id: uuid.UUID | str) -> str:
    job_id = uuid.UUID(str(job_id))
    Session = get_sessionmaker()
    with Session() as db:
        # Claim the job atomically: a job dispatched twice (debounce timer and an explicit
        # refresh) runs once.
        claimed = background.claim(db, InsightJob, job_id, "queued", progress=0.0)
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
        with background.Heartbeat(InsightJob, job_id):
            return _run_claimed(db, job, user, started_at)


def _run_claimed(db: Session, job: InsightJob, user: User, started_at: dt.datetime) -> str:
    def progress(fraction: float, step: str) -> None:
        job.progress, job.step = round(fraction, 3), step
        db.commit()

    def store(stage: str, results: list[StepResult]) -> None:
        # Each stage is durable (and readable) on its own: the quick results do not wait
        # for PCMCI and the matrix profile.
        cache = get_cache()
        kinds = upsert_results(db, user.id, results, started_at)
        db.commit()
        for kind in kinds:
            cache.delete(cache_key(user.id, kind))
        if stage == STAGES[0][0]:
            # STUMPY loads (or, on a first start, compiles) in the background while PCMCI
            # runs; not earlier, since importing it holds the interpreter for seconds and
            # would delay the quick results.
            warmup.start(get_settings().data_dir)
        log.info(
            "insight stage stored",
            extra={"fields": {"stage": stage, "s": round(time.perf_counter() - t0, 2)}},
        )

    t0 = time.perf_counter()
    try:
        frames = load_frames(db, user, HISTORY_DAYS, now=history_end(db, user, started_at))
        run_pipeline(frames, progress, on_stage=store)
        job.status, job.progress, job.step = "done", 1.0, "done"
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the client
        log.exception("insight job failed")
        db.rollback()
        job.status, job.error = "failed", type(exc).__name__
        metrics.JOB_FAILURES.labels(task=RECOMPUTE_TASK).inc()
    job.finished_at = utcnow()
    db.commit()
    log.info(
        "insight job finished",
        extra={"fields": {"status": job.status, "s": round(time.perf_counter() - t0, 2)}},
    )
    return job.status


def dispatch(job_id: uuid.UUID, delay_s: float = 0.0) -> None:
    """Start (or schedule) the job with this id (by name on Celery, else in-process)."""
    background.submit(RECOMPUTE_TASK, job_id, delay_s)


background.register(RECOMPUTE_TASK, run_job, lane="insights")


def debounce_key(user_id: uuid.UUID) -> str:
    return f"insights:debounce:{user_id}"


def claim_debounce(user_id: uuid.UUID, window_s: float) -> bool:
    """True for the first caller in a debounce window (Redis SET NX when configured)."""
    return get_cache().add(debounce_key(user_id), 1, ttl_s=max(1, int(window_s)))

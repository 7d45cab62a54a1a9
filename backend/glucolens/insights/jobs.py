"""Insight jobs: the job body (shared by the Celery task and the in-process pool), and how
jobs are started: on Celery workers when a broker is configured, otherwise in a small
in-process pool running the same code. Recomputation after new data is debounced.

``dispatch`` imports the Celery app inside the function, so the API process without a broker
never loads Celery, and sends the task by name.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import threading
import time
import uuid
from functools import lru_cache

from sqlalchemy import update
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.cache import get_cache
from glucolens.core.config import get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.insights.models import InsightJob
from glucolens.insights.pipeline import run_pipeline
from glucolens.insights.repository import cache_key, history_end, load_frames, upsert_results

log = logging.getLogger(__name__)
HISTORY_DAYS = 180
HEARTBEAT_S = 5.0


class _Heartbeat:
    """Stamps the job's ``heartbeat_at`` every few seconds from a thread of its own (a pipeline
    step can take longer than the staleness limit), in sessions of its own. A failed stamp
    (database down) is skipped: the job then looks dead, which it may well be."""

    def __init__(self, job_id: uuid.UUID) -> None:
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._stamp()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_S * 2)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self._stamp()

    def _stamp(self) -> None:
        try:
            with get_sessionmaker()() as db:
                db.execute(
                    update(InsightJob)
                    .where(InsightJob.id == self.job_id, InsightJob.status == "running")
                    .values(heartbeat_at=utcnow())
                )
                db.commit()
        except Exception:  # noqa: BLE001 - a missed beat is not an error of the job
            log.warning("insight job heartbeat not written", exc_info=False)


RECOMPUTE_TASK = "glucolens.insights.recompute"


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
        with _Heartbeat(job_id):
            return _run_claimed(db, job, user, started_at)


def _run_claimed(db: Session, job: InsightJob, user: User, started_at: dt.datetime) -> str:
    def progress(fraction: float, step: str) -> None:
        job.progress, job.step = round(fraction, 3), step
        db.commit()

    t0 = time.perf_counter()
    try:
        frames = load_frames(db, user, HISTORY_DAYS, now=history_end(db, user, started_at))
        results = run_pipeline(frames, progress)
        cache = get_cache()
        for kind in upsert_results(db, user.id, results, started_at):
            cache.delete(cache_key(user.id, kind))
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


_timers: dict[uuid.UUID, threading.Timer] = {}


@lru_cache
def _pool() -> concurrent.futures.ThreadPoolExecutor:
    # One analytics job at a time: PCMCI and the matrix profile use the CPU fully already.
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights")


def uses_celery() -> bool:
    return bool(get_settings().celery_broker_url)


def dispatch(job_id: uuid.UUID, delay_s: float = 0.0) -> None:
    """Start (or schedule) the job with this id."""
    if uses_celery():
        from glucolens.core.taskqueue import celery_app

        celery_app.conf.broker_url = get_settings().celery_broker_url
        # By name: the task module imports this one, and the API needs no task objects.
        celery_app.send_task(RECOMPUTE_TASK, args=[str(job_id)], countdown=max(0.0, delay_s))
        return
    if delay_s <= 0:
        _pool().submit(run_job, job_id)
        return
    timer = threading.Timer(delay_s, lambda: _pool().submit(run_job, job_id))
    timer.daemon = True
    timer.start()


def debounce_key(user_id: uuid.UUID) -> str:
    return f"insights:debounce:{user_id}"


def claim_debounce(user_id: uuid.UUID, window_s: float) -> bool:
    """True for the first caller in a debounce window (Redis SET NX when configured)."""
    return get_cache().add(debounce_key(user_id), 1, ttl_s=max(1, int(window_s)))

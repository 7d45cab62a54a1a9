"""Background jobs of any domain: where they run, how one is claimed, and how a job whose
process died is recognised.

A job is a row (insight job, import job, report job) with ``id``, ``status`` and
``heartbeat_at``. Its body is a function of the job id, registered under a task name. With
GLUCOLENS_CELERY_BROKER_URL the task is sent to the Celery workers by name (the API process
never loads Celery); without it, the same function runs in a small in-process pool of its
own per lane, so a long import does not hold up insights.

The row, not the message, is the truth: a job is claimed by one atomic UPDATE from its
waiting status, so a message delivered twice runs the job once, and a running job stamps
``heartbeat_at`` every few seconds, so one whose process died is seen (``reap_dead``) and
marked failed.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from glucolens.core import metrics
from glucolens.core.config import get_settings
from glucolens.core.db import get_sessionmaker, utcnow

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
# Four missed heartbeats and a running job counts as dead.
DEAD_AFTER = dt.timedelta(seconds=4 * HEARTBEAT_S)

_local_tasks: dict[str, tuple[Callable[[str], Any], str]] = {}
_pools: dict[str, concurrent.futures.ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def register(task_name: str, body: Callable[[str], Any], lane: str) -> None:
    """Make ``body`` runnable in-process under ``task_name``; jobs of one lane run one at a
    time (analytics and imports each use a whole core already)."""
    _local_tasks[task_name] = (body, lane)


def _pool(lane: str) -> concurrent.futures.ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(lane)
        if pool is None:
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=lane)
            _pools[lane] = pool
        return pool


def _enqueue(task_name: str, body: Callable[[str], Any], lane: str, job_id: str) -> None:
    metrics.JOB_QUEUE.labels(lane=lane).inc()

    def run() -> Any:
        metrics.JOB_QUEUE.labels(lane=lane).dec()
        with metrics.timed_job(task_name):
            return body(job_id)

    _pool(lane).submit(run)


def uses_celery() -> bool:
    return bool(get_settings().celery_broker_url)


def submit(task_name: str, job_id: uuid.UUID, delay_s: float = 0.0) -> None:
    """Start (or schedule) the job ``job_id`` of ``task_name``."""
    if uses_celery():
        from glucolens.core.taskqueue import celery_app

        celery_app.conf.broker_url = get_settings().celery_broker_url
        celery_app.send_task(task_name, args=[str(job_id)], countdown=max(0.0, delay_s))
        return
    body, lane = _local_tasks[task_name]
    if delay_s <= 0:
        _enqueue(task_name, body, lane, str(job_id))
        return
    timer = threading.Timer(delay_s, lambda: _enqueue(task_name, body, lane, str(job_id)))
    timer.daemon = True
    timer.start()


def claim(
    db: Session,
    model: Any,
    job_id: uuid.UUID,
    from_status: str,
    to_status: str = "running",
    **values: Any,
) -> bool:
    """Atomically move the job from ``from_status`` to ``to_status``; True for the one winner."""
    claimed = db.execute(
        update(model)
        .where(model.id == job_id, model.status == from_status)
        .values(status=to_status, started_at=utcnow(), heartbeat_at=utcnow(), **values)
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    return bool(claimed)


def reap_dead(
    db: Session,
    model: Any,
    user_id: uuid.UUID,
    error: str = "interrupted",
    running: tuple[str, ...] = ("running",),
) -> None:
    """A running job whose heartbeat stopped belongs to a process that died (a killed worker
    or app, a database that went away mid-job): mark it failed so another can start."""
    dead = (
        model.user_id == user_id,
        model.status.in_(running),
        func.coalesce(model.heartbeat_at, model.started_at) < utcnow() - DEAD_AFTER,
    )
    # Look first: most reads find nothing to reap and should not take a write lock.
    if db.execute(select(model.id).where(*dead).limit(1)).first() is not None:
        db.execute(
            update(model).where(*dead).values(status="failed", error=error, finished_at=utcnow())
        )


class Heartbeat:
    """Stamps the job's ``heartbeat_at`` every few seconds from a thread of its own (one step
    can take longer than the staleness limit), in sessions of its own. A failed stamp
    (database down) is skipped: the job then looks dead, which it may well be."""

    def __init__(
        self, model: Any, job_id: uuid.UUID, running: tuple[str, ...] = ("running",)
    ) -> None:
        self.model = model
        self.running = running
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
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
        model = self.model
        try:
            with get_sessionmaker()() as db:
                db.execute(
                    update(model)
                    .where(model.id == self.job_id, model.status.in_(self.running))
                    .values(heartbeat_at=utcnow())
                )
                db.commit()
        except Exception:  # noqa: BLE001 - a missed beat is not an error of the job
            log.warning("job heartbeat not written", exc_info=False)

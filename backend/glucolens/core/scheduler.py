"""Periodic jobs that run once per slot however many processes run them, across restarts.

``register_periodic(name, every_s, fn)`` (wired in subscribers.py) adds a job; each app
process (its lifespan) and each worker process runs a ``SchedulerRunner`` thread that every
``scheduler_tick_s`` looks for due slots in ``scheduled_jobs`` (one row per job):

- Slots sit on multiples of ``every_s`` since the Unix epoch, so every process and every
  restart agrees on them without talking to each other.
- A row's ``next_run_at`` is the next slot to run. When it is due, a runner claims it with
  ``UPDATE ... SET next_run_at = <the slot after the latest due one> WHERE name = :name AND
  next_run_at = <the value it read>``: the database lets exactly one such UPDATE match, so
  rowcount 1 means this process owns the slot and rowcount 0 that another one does.
- Missed slots (every process was down) are not run one by one: the claim jumps to the latest
  due slot, which runs once with its own time (``fn(slot)``).
- ``fn`` runs on the runner thread after the claim committed (a crash mid-run loses that slot
  rather than running it twice); its duration and error (the exception's type and line, never
  its message, which may carry health values) are recorded on the row.

A failing job is logged and the runner goes on; a database outage is logged once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from glucolens.core import metrics
from glucolens.core.config import Settings, get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.scheduler_models import ScheduledJob

log = logging.getLogger("glucolens.scheduler")

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
JobFn = Callable[[dt.datetime], None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    fn: JobFn


_registry: dict[str, PeriodicJob] = {}


def register_periodic(name: str, every_s: float, fn: JobFn) -> None:
    """Run ``fn(slot_time)`` once per ``every_s`` slot across all processes (idempotent: the
    same name registered again replaces the job)."""
    if not 0 < len(name) <= 64:
        raise ValueError("a periodic job's name has 1 to 64 characters")
    every = dt.timedelta(microseconds=round(every_s * 1_000_000))
    if every <= dt.timedelta(0):
        raise ValueError("every_s must be positive")
    _registry[name] = PeriodicJob(name, every, fn)


def unregister_periodic(name: str) -> None:
    _registry.pop(name, None)


def registered() -> list[PeriodicJob]:
    return list(_registry.values())


def slot_at_or_before(when: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The latest slot boundary not after ``when`` (exact: integer microseconds)."""
    return EPOCH + ((when - EPOCH) // every) * every


def _describe(exc: BaseException) -> str:
    """The type and where it was raised, never the message (it may carry values)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"[:200]


class SchedulerRunner:
    """Claims and runs due slots of the registered jobs, on its own daemon thread."""

    def __init__(
        self,
        settings: Settings | None = None,
        make_session: sessionmaker[Session] | None = None,
        owner: str | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.settings = settings or get_settings()
        self._make_session = make_session
        self.owner = (owner or f"{socket.gethostname()}:{os.getpid()}")[:64]
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db_failing = False

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._make_session or get_sessionmaker()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="glucolens-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.tick()
            elapsed = time.monotonic() - started
            self._stop.wait(max(self.settings.scheduler_tick_s - elapsed, 0.0))

    def tick(self) -> list[tuple[str, dt.datetime]]:
        """Claim and run every due slot once; what ran here, as (name, slot)."""
        ran: list[tuple[str, dt.datetime]] = []
        for job in registered():
            if self._stop.is_set():
                break
            try:
                slot = self.claim(job)
            except SQLAlchemyError as exc:
                self._database_failed(exc)
                return ran
            if slot is not None:
                self._execute(job, slot)
                ran.append((job.name, slot))
        if self._db_failing:
            self._db_failing = False
            log.warning("scheduler reaches the database again")
        return ran

    def claim(self, job: PeriodicJob) -> dt.datetime | None:
        """The slot this process won, or None (not due, or another process won it)."""
        now = self.clock()
        latest_due = slot_at_or_before(now, job.every)
        with self.sessions() as db:
            due = db.execute(
                select(ScheduledJob.next_run_at).where(ScheduledJob.name == job.name)
            ).scalar_one_or_none()
            if due is None:
                # First sight: the current slot is due now; a concurrent insert by another
                # process is fine (its row is the same schedule).
                try:
                    db.execute(
                        insert(ScheduledJob).values(name=job.name, next_run_at=latest_due, runs=0)
                    )
                    db.commit()
                except IntegrityError:
                    db.rollback()
                return None  # claimed on a later pass, with the conditional UPDATE
            if due > now:
                return None
            result = db.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at == due)
                .values(
                    next_run_at=max(latest_due, due) + job.every,
                    last_owner=self.owner,
                    last_started_at=now,
                )
            )
            won = cast(CursorResult[Any], result).rowcount
            db.commit()
        return max(latest_due, due) if won == 1 else None

    def _execute(self, job: PeriodicJob, slot: dt.datetime) -> None:
        started = time.perf_counter()
        error: str | None = None
        try:
            job.fn(slot)
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            error = _describe(exc)
            log.error("periodic job failed", extra={"fields": {"job": job.name, "error": error}})
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        metrics.SCHEDULER_RUNS.labels(schedule=job.name, outcome="error" if error else "ok").inc()
        try:
            with self.sessions() as db:
                db.execute(
                    update(ScheduledJob)
                    .where(ScheduledJob.name == job.name)
                    .values(
                        last_finished_at=self.clock(),
                        last_duration_ms=duration_ms,
                        last_error=error,
                        runs=ScheduledJob.runs + 1,
                    )
                )
                db.commit()
        except SQLAlchemyError as exc:
            self._database_failed(exc)

    def _database_failed(self, exc: BaseException) -> None:
        if not self._db_failing:
            self._db_failing = True
            log.warning(
                "scheduler cannot reach the database; retrying",
                extra={"fields": {"error": type(exc).__name__}},
            )


def start_scheduler(settings: Settings | None = None) -> SchedulerRunner | None:
    """The runner of this process, started; None when ``GLUCOLENS_SCHEDULER=off``."""
    settings = settings or get_settings()
    if settings.scheduler == "off":
        return None
    runner = SchedulerRunner(settings)
    runner.start()
    return runner

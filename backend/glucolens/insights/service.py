"""Insight reads never block on computation: they return the stored result (with
``computed_at`` and ``stale``) or 202 with a job to poll."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background
from glucolens.core.cache import get_cache
from glucolens.core.config import get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.errors import NotFound
from glucolens.core.events import DataChanged, DataRemoved
from glucolens.core.sql import lock_user_writes
from glucolens.insights import jobs, predict
from glucolens.insights.models import InsightJob, InsightResult, PatternStreamState
from glucolens.insights.pipeline import PartState, part_states
from glucolens.insights.repository import cache_key

ACTIVE = ("queued", "running")
# A job stuck longer than this (worker died) no longer blocks new ones.
JOB_TIMEOUT = dt.timedelta(minutes=30)


def on_data_changed(evt: DataChanged) -> None:
    """After a data write committed: schedule one debounced recomputation (the writer has
    already marked the stored insights stale through ``data_changed_at``)."""
    delay = get_settings().insights_debounce_s
    if jobs.claim_debounce(evt.user_id, delay):
        with get_sessionmaker()() as db:
            job = _new_job(db, evt.user_id)
        jobs.dispatch(job.id, delay_s=delay)


def on_data_removed(db: Session, evt: DataRemoved) -> None:
    """In the deleting transaction: results and the streaming pattern state were computed
    from rows that no longer exist, so they go; the next job starts from what remains."""
    kinds = db.execute(
        select(InsightResult.kind).where(InsightResult.user_id == evt.user_id)
    ).scalars()
    cache = get_cache()
    for kind in kinds.all():
        cache.delete(cache_key(evt.user_id, kind))
    db.execute(delete(InsightResult).where(InsightResult.user_id == evt.user_id))
    db.execute(delete(PatternStreamState).where(PatternStreamState.user_id == evt.user_id))


def _new_job(db: Session, user_id: uuid.UUID) -> InsightJob:
    job = InsightJob(user_id=user_id, status="queued", progress=0.0)
    db.add(job)
    db.commit()
    return job


def reap_dead_jobs(db: Session, user_id: uuid.UUID) -> None:
    background.reap_dead(db, InsightJob, user_id)


def active_job(db: Session, user_id: uuid.UUID) -> InsightJob | None:
    reap_dead_jobs(db, user_id)
    return db.execute(
        select(InsightJob)
        .where(
            InsightJob.user_id == user_id,
            InsightJob.status.in_(ACTIVE),
            InsightJob.created_at > utcnow() - JOB_TIMEOUT,
        )
        .order_by(InsightJob.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def request_refresh(db: Session, user: User) -> InsightJob:
    # Two refreshes at once (two tabs, two API processes) must find one job, not make two.
    lock_user_writes(db, user.id)
    job = active_job(db, user.id)
    if job is not None and job.status == "queued" and job.started_at is None:
        # A debounced job may be waiting; a user asking explicitly should not wait for it.
        jobs.dispatch(job.id)
        return job
    if job is not None:
        return job
    job = _new_job(db, user.id)
    jobs.dispatch(job.id)
    return job


def get_job(db: Session, user: User, job_id: uuid.UUID) -> InsightJob:
    reap_dead_jobs(db, user.id)
    job = db.get(InsightJob, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound(f"No insight job {job_id}.")
    return job


def job_parts(db: Session, job: InsightJob) -> dict[str, PartState]:
    """Each insight kind's state in this job (``pipeline.part_states``): a kind is ready
    once a result computed by this job (or a later one) is stored."""
    stored: set[str] = set()
    if job.started_at is not None:
        rows = db.execute(
            select(InsightResult.kind, InsightResult.computed_at).where(
                InsightResult.user_id == job.user_id
            )
        ).all()
        stored = {kind for kind, at in rows if at is not None and at >= job.started_at}
    return part_states(stored, job.status)


def get_insight(db: Session, user: User, kind: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, envelope)."""
    cache = get_cache()
    stored = cache.get(cache_key(user.id, kind))
    if stored is None:
        row = db.execute(
            select(InsightResult).where(
                InsightResult.user_id == user.id, InsightResult.kind == kind
            )
        ).scalar_one_or_none()
        if row is not None:
            stored = {
                "status": row.status,
                "computed_at": row.computed_at.isoformat(),
                "data": row.data,
            }
            cache.set(cache_key(user.id, kind), stored, ttl_s=3600)
    job = active_job(db, user.id)
    if stored is None:
        # Start now even if a debounced job is waiting: someone is looking at the page.
        job = request_refresh(db, user)
        return 202, {
            "status": "pending",
            "computed_at": None,
            "stale": True,
            "job_id": str(job.id),
            "data": None,
        }
    computed_at = dt.datetime.fromisoformat(stored["computed_at"])
    stale = user.data_changed_at is not None and user.data_changed_at > computed_at
    data = stored["data"]
    if kind == "predictions" and stored["status"] == "ok":
        # The model is refitted by jobs; the forecast itself is made now, from the latest
        # readings, so it is never stale.
        live = predict.live_forecast(db, user, data)
        if live is not None:
            data, stale = live, False
    if stale and job is None:
        job = request_refresh(db, user)
    return 200, {
        "status": stored["status"],
        "computed_at": computed_at,
        "stale": stale,
        "job_id": str(job.id) if job else None,
        "data": {k: v for k, v in data.items() if not k.startswith("_")},
    }

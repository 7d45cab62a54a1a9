"""Celery tasks for insights (the worker loads this module through the app's ``include``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from glucolens.auth.models import User
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.taskqueue import celery_app
from glucolens.insights.jobs import RECOMPUTE_TASK, run_job
from glucolens.insights.models import InsightJob


@celery_app.task(name=RECOMPUTE_TASK, acks_late=True, ignore_result=True)
def recompute_insights(job_id: str) -> str:
    return run_job(job_id)


@celery_app.task(name="glucolens.insights.nightly", ignore_result=True)
def nightly_refresh() -> int:
    """Recompute for every user whose data changed since their last results (or in a day)."""
    since = utcnow() - dt.timedelta(days=1)
    count = 0
    with get_sessionmaker()() as db:
        users = db.execute(select(User.id).where(User.data_changed_at >= since)).scalars().all()
        for user_id in users:
            job = InsightJob(user_id=user_id, status="queued")
            db.add(job)
            db.commit()
            recompute_insights.delay(str(job.id))
            count += 1
    return count

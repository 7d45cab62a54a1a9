"""Celery task for reports (the worker loads this module through the app's ``include``)."""

from __future__ import annotations

from glucolens.core.taskqueue import celery_app
from glucolens.reports.jobs import RENDER_TASK, run_job


@celery_app.task(name=RENDER_TASK, acks_late=True, ignore_result=True)
def render_report(job_id: str) -> str:
    return run_job(job_id)

"""The Celery app (its configuration only). Task modules register on it; the worker entry point
(``glucolens.worker``) runs it. Without GLUCOLENS_CELERY_BROKER_URL the same task code runs
in-process (insights/jobs.py), and this app is never connected.

It lives in ``core/`` so that task modules of any domain can import it downwards.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from glucolens.core.config import get_settings

_settings = get_settings()
celery_app = Celery(
    "glucolens",
    broker=_settings.celery_broker_url or "memory://",
    include=[
        "glucolens.insights.tasks",
        "glucolens.integrations.importers.tasks",
        "glucolens.reports.tasks",
    ],
)
celery_app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    # A worker killed mid-task gives its message back at once (the job itself is marked
    # failed through its stopped heartbeat; a redelivered message finds it no longer queued).
    task_reject_on_worker_lost=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    # Beat's state file in the data dir, not the working directory (read-only in the image).
    beat_schedule_filename=str(_settings.data_dir / "celerybeat-schedule"),
    beat_schedule={
        "nightly-insights": {
            "task": "glucolens.insights.nightly",
            "schedule": crontab(hour=3, minute=0),
        }
    },
)

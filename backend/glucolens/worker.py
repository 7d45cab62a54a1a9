"""The Celery app. Without GLUCOLENS_CELERY_BROKER_URL the same tasks run in-process.

The worker wires the event subscribers when it starts (``worker_init``), with an import inside
the handler: the insights tasks import this module, so importing the subscribers (which import
insights) at the top would be a cycle.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

from glucolens.core.config import get_settings

_settings = get_settings()
celery_app = Celery(
    "glucolens",
    broker=_settings.celery_broker_url or "memory://",
    include=["glucolens.insights.tasks"],
)
celery_app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    beat_schedule={
        "nightly-insights": {
            "task": "glucolens.insights.nightly",
            "schedule": crontab(hour=3, minute=0),
        }
    },
)


@worker_init.connect
def _wire_subscribers(**_kw: object) -> None:
    from glucolens.subscribers import wire_subscribers

    wire_subscribers()

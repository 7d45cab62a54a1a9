"""The Celery worker entry point: ``celery -A glucolens.worker:celery_app worker`` or
``glucolens worker``. The app itself is configured in ``core/taskqueue.py``.

The worker wires the event subscribers when it starts (``worker_init``). The import sits in
the handler so that merely importing this module (the CLI does, to start the worker) does not
pull in every domain before the settings are final.
"""

from __future__ import annotations

from celery.signals import worker_init

from glucolens.core.taskqueue import celery_app

__all__ = ["celery_app"]


@worker_init.connect
def _wire_subscribers(**_kw: object) -> None:
    from glucolens.subscribers import wire_subscribers

    wire_subscribers()
    from glucolens import __version__
    from glucolens.core.config import get_settings
    from glucolens.core.sentry import init_sentry

    settings = get_settings()
    init_sentry(
        settings.sentry_dsn,
        environment=settings.environment,
        release=__version__,
        component="worker",
    )

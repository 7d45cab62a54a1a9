"""The Celery worker entry point: ``celery -A glucolens.worker:celery_app worker`` or
``glucolens worker``. The app itself is configured in ``core/taskqueue.py``.

The worker wires the event subscribers when it starts (``worker_init``), and each pool process
runs the periodic-job scheduler (core/scheduler.py; ``GLUCOLENS_SCHEDULER=off`` to leave that
to the API processes): started after the fork, since a thread does not survive one. The
imports sit in the handlers so that merely importing this module (the CLI does, to start the
worker) does not pull in every domain before the settings are final.
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

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


@worker_process_init.connect
def _start_scheduler(**_kw: object) -> None:
    from glucolens.core.scheduler import start_scheduler

    start_scheduler()


@worker_process_init.connect
def _warm_stumpy(**_kw: object) -> None:
    # Compile (or load from <data_dir>/numba-cache) STUMPY's code in a background thread,
    # so the first insight job of this process does not pay it (insights/warmup.py).
    from glucolens.core.config import get_settings
    from glucolens.insights import warmup

    warmup.start(get_settings().data_dir)


_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id: str = "", **_kw: Any) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id: str = "", task: Any = None, state: str = "", **_kw: Any) -> None:
    from glucolens.core import metrics

    start = _started.pop(task_id, None)
    if start is not None and task is not None:
        outcome = "ok" if state == "SUCCESS" else "error"
        metrics.JOB_DURATION.labels(task=task.name, outcome=outcome).observe(
            time.perf_counter() - start
        )

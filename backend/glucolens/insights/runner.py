"""Run insight jobs: on Celery workers when a broker is configured, otherwise in a small
in-process pool running the same task code. Recomputation after new data is debounced.

``dispatch`` imports the Celery task and the job body inside the function: the API process
without a broker never loads Celery, and the job body (analytics: numpy, pandas, and through
the pipeline tigramite and stumpy) loads only when a job first runs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import uuid
from functools import lru_cache

from glucolens.core.cache import get_cache
from glucolens.core.config import get_settings

log = logging.getLogger(__name__)
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
        from glucolens.insights.tasks import recompute_insights

        celery_app.conf.broker_url = get_settings().celery_broker_url
        recompute_insights.apply_async(args=[str(job_id)], countdown=max(0.0, delay_s))
        return
    from glucolens.insights.jobs import run_job

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

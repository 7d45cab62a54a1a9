"""The Celery task of import jobs (the body is jobs.run_import, shared with the in-process lane)."""

from __future__ import annotations

from glucolens.core.taskqueue import celery_app
from glucolens.integrations.importers.jobs import run_import
from glucolens.integrations.importers.service import IMPORT_TASK


@celery_app.task(name=IMPORT_TASK, acks_late=True, ignore_result=True)
def import_task(job_id: str) -> str:
    return run_import(job_id)

"""Import jobs: accepting an upload (stored under the import dir, hashed, its format
detected before any job exists), starting, cancelling and reporting jobs.

The job itself runs in the background (jobs.py). A job row is committed before its task is
submitted, so the worker always finds it (the one place here that commits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background
from glucolens.core.cache import get_cache
from glucolens.core.config import get_settings
from glucolens.core.db import utcnow
from glucolens.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
)
from glucolens.core.events import AccountDeleted
from glucolens.core.timeutil import is_valid_timezone
from glucolens.integrations.importers import detect
from glucolens.integrations.importers.base import FileRejected
from glucolens.integrations.importers.models import ImportJob
from glucolens.integrations.importers.schemas import (
    ImportJobOut,
    ImportPreview,
    ImportProgress,
    ImportStart,
    RejectedRow,
)

log = logging.getLogger(__name__)
IMPORT_TASK = "glucolens.imports.run"
COPY_CHUNK = 1024 * 1024
# Internal statuses; "preview_queued" shows as "previewing".
PREVIEW_QUEUED = "preview_queued"
RUNNING = ("previewing", "running")
ACTIVE = (PREVIEW_QUEUED, "previewing", "queued", "running")
LIST_LIMIT = 50
# A job still waiting this long is submitted again (its task may have been lost with an
# in-process pool that restarted); the atomic claim makes a second submission harmless.
NUDGE_AFTER = dt.timedelta(seconds=30)


def import_root() -> Path:
    settings = get_settings()
    return Path(settings.import_dir or settings.data_dir / "imports")


def upload_path(job: ImportJob) -> Path:
    return import_root() / str(job.user_id) / f"{job.id}.upload"


def _check_timezone(tz: str | None) -> None:
    if tz is not None and not is_valid_timezone(tz):
        raise ValidationFailed(
            f"Unknown time zone {tz[:64]!r}; use an IANA name such as Europe/Berlin.",
            details=[{"field": "timezone", "reason": "unknown time zone"}],
        )


def _store(stream: IO[bytes], dest: Path) -> tuple[int, str]:
    """Copy the upload to ``dest`` in chunks; returns (size, sha256)."""
    limit = get_settings().import_max_mb * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"The file is larger than {get_settings().import_max_mb} MB, the import limit."
                )
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def create_job(
    db: Session,
    user: User,
    stream: IO[bytes],
    filename: str,
    preview: bool,
    timezone: str | None,
) -> ImportJob:
    """Store the upload and create its job; a file that is nothing GlucoLens imports is
    refused here (422 naming what it looks like), before any job exists."""
    _check_timezone(timezone)
    job = ImportJob(
        id=uuid.uuid4(),
        user_id=user.id,
        filename=(filename or "upload")[:255],
        options={"timezone": timezone} if timezone else {},
        progress={},
        rejected=[],
    )
    path = upload_path(job)
    try:
        job.size_bytes, job.sha256 = _store(stream, path)
        if job.size_bytes == 0:
            raise FileRejected("The file is empty.")
        previous = db.execute(
            select(ImportJob)
            .where(
                ImportJob.user_id == user.id,
                ImportJob.sha256 == job.sha256,
                ImportJob.status == "done",
            )
            .order_by(ImportJob.finished_at)
            .limit(1)
        ).scalar_one_or_none()
        fmt = detect.detect(path)
    except FileRejected as exc:
        path.unlink(missing_ok=True)
        raise ValidationFailed(str(exc), details=[{"field": "file", "reason": str(exc)}]) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job.format = fmt.name
    if previous is not None:
        # The same bytes were imported before: every row is already there.
        path.unlink(missing_ok=True)
        now = utcnow()
        job.status, job.started_at, job.finished_at = "done", now, now
        job.progress = {
            "phase": "done",
            "fraction": 1.0,
            "already_imported": True,
            "previous_job": str(previous.id),
            "previous_at": (previous.finished_at or previous.created_at).isoformat(),
        }
        db.add(job)
        db.flush()
        return job
    job.status = PREVIEW_QUEUED if preview else "queued"
    db.add(job)
    db.commit()  # the worker must find the job; see the module docstring
    _submit(db, job)
    return job


def _submit(db: Session, job: ImportJob) -> None:
    """Hand the committed job to its lane or the workers; if the task queue is down, the job
    is failed at once (it can be started again) rather than left waiting for nothing."""
    try:
        background.submit(IMPORT_TASK, job.id)
    except Exception as exc:
        log.warning(
            "import job could not be queued", extra={"fields": {"error": type(exc).__name__}}
        )
        job.status, job.finished_at = "failed", utcnow()
        job.error = (
            "The import could not be queued (the task queue is unavailable); start it again."
        )
        db.commit()
        raise ServiceUnavailable("The task queue is unavailable; try again shortly.") from exc


def _nudge(job: ImportJob) -> None:
    waiting = job.status in (PREVIEW_QUEUED, "queued")
    ttl_s = int(NUDGE_AFTER.total_seconds())
    if (
        waiting
        and utcnow() - job.created_at > NUDGE_AFTER
        and get_cache().add(f"imports:nudge:{job.id}", 1, ttl_s=ttl_s)
    ):
        try:
            background.submit(IMPORT_TASK, job.id)
        except Exception:  # noqa: BLE001 - the next look tries again
            log.warning("waiting import job could not be queued again")


def get_job(db: Session, user: User, job_id: uuid.UUID) -> ImportJob:
    background.reap_dead(db, ImportJob, user.id, running=RUNNING)
    job = db.get(ImportJob, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound("No such import.")
    _nudge(job)
    return job


def list_jobs(db: Session, user: User) -> list[ImportJob]:
    background.reap_dead(db, ImportJob, user.id, running=RUNNING)
    return list(
        db.execute(
            select(ImportJob)
            .where(ImportJob.user_id == user.id)
            .order_by(ImportJob.created_at.desc())
            .limit(LIST_LIMIT)
        ).scalars()
    )


def start_job(db: Session, user: User, job_id: uuid.UUID, body: ImportStart) -> ImportJob:
    """Confirm a previewed job (or retry a failed one): it imports with these options.
    A job waiting for a column mapping is previewed again with it first."""
    job = get_job(db, user, job_id)
    _check_timezone(body.timezone)
    if job.status not in ("awaiting_confirmation", "needs_mapping", "failed"):
        raise Conflict(f"This import is {job.status}; only a previewed or failed one can start.")
    if not upload_path(job).exists():
        raise Conflict("The uploaded file is no longer kept; upload it again.")
    options = dict(job.options or {})
    options.update(body.model_dump(exclude_none=True))
    if job.status == "needs_mapping" and not (
        options.get("timestamp_column") and options.get("value_column")
    ):
        raise ValidationFailed(
            "Pick the time column and the value column of this CSV.",
            details=[{"field": "timestamp_column", "reason": "required for this file"}],
        )
    next_status = PREVIEW_QUEUED if job.status == "needs_mapping" else "queued"
    job.options, job.status, job.error = options, next_status, None
    job.finished_at = None
    job.created_at = utcnow()  # waiting starts again (see NUDGE_AFTER)
    db.commit()
    _submit(db, job)
    return job


def cancel_job(db: Session, user: User, job_id: uuid.UUID) -> None:
    """Forget a job that is not importing; a running import stops after its current chunk
    (rows already committed stay, and the summary says how many)."""
    job = get_job(db, user, job_id)
    was = job.status
    if was not in ("done", "failed", "cancelled"):
        job.status, job.finished_at = "cancelled", utcnow()
    db.flush()
    if was not in RUNNING:  # a running job removes its file itself when it stops
        upload_path(job).unlink(missing_ok=True)


def remove_user_files(evt: AccountDeleted) -> None:
    """After an account is deleted: its stored uploads go too."""
    shutil.rmtree(import_root() / str(evt.user_id), ignore_errors=True)


def to_out(job: ImportJob) -> ImportJobOut:
    progress: dict[str, Any] = dict(job.progress or {})
    fmt_label = None
    if job.format:
        try:
            fmt_label = detect.parser_for(job.format).FORMAT.label
        except KeyError:
            fmt_label = job.format
    status = "previewing" if job.status == PREVIEW_QUEUED else job.status
    return ImportJobOut(
        id=job.id,
        status=status,  # type: ignore[arg-type]
        filename=job.filename,
        size_bytes=job.size_bytes,
        format=job.format,
        format_label=fmt_label,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        already_imported=bool(progress.get("already_imported")),
        previous_import_at=progress.get("previous_at"),
        columns=progress.get("columns"),
        preview=ImportPreview.model_validate(job.preview) if job.preview else None,
        progress=ImportProgress.model_validate(
            {k: v for k, v in progress.items() if k in ImportProgress.model_fields}
        ),
        rejected=[RejectedRow.model_validate(r) for r in job.rejected or []],
        rejected_total=int(progress.get("rejected_total", 0)),
    )

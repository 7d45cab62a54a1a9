"""The import job body: preview (parse, count, write nothing) or import (parse and write
in chunks, one transaction per chunk, progress on the job row after each).

A chunk is durable with its day aggregates or not at all (the writers' rule); a job that
dies mid-file keeps the chunks committed before, and running it again adds only the rest
(rows are idempotent on their source keys). Registered as a background task
(core/background.py): Celery by name when configured, else the in-process "imports" lane.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background, metrics
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.integrations.importers import detect
from glucolens.integrations.importers.base import (
    RECORD_TYPES,
    FileRejected,
    NeedsMapping,
    ParseContext,
    Problem,
    Record,
)
from glucolens.integrations.importers.models import ImportJob
from glucolens.integrations.importers.service import IMPORT_TASK, PREVIEW_QUEUED, upload_path
from glucolens.lifestyle.endpoints import RESOURCES as LIFESTYLE_RESOURCES
from glucolens.readings.endpoints import insulin_resource
from glucolens.readings.service import ingest_glucose_batch
from glucolens.records.schemas import BulkReport
from glucolens.records.service import Resource, bulk_create

log = logging.getLogger(__name__)
CHUNK = {"glucose": 10_000, "insulin": 2_000, "meal": 2_000, "sleep": 2_000, "activity": 2_000}
PREVIEW_MAX_RECORDS = 200_000
PROGRESS_EVERY_S = 1.0
KEEP_REJECTED = 200
_RESOURCES: dict[str, Resource] = {
    "insulin": insulin_resource,
    "meal": next(r for r in LIFESTYLE_RESOURCES if r.name == "meals"),
    "sleep": next(r for r in LIFESTYLE_RESOURCES if r.name == "sleep"),
    "activity": next(r for r in LIFESTYLE_RESOURCES if r.name == "activities"),
}
LOCAL_TIME_FORMATS = frozenset({"dexcom_clarity", "libreview", "csv"})
FAILED_UNEXPECTEDLY = (
    "The import stopped on an unexpected error. Rows imported before it are kept; "
    "start it again to add the rest."
)


def run_import(job_id: str) -> str:
    jid = uuid.UUID(str(job_id))
    with get_sessionmaker()() as db:
        if background.claim(db, ImportJob, jid, PREVIEW_QUEUED, to_status="previewing"):
            phase: Callable[[Session, ImportJob, User], None] = _preview
        elif background.claim(db, ImportJob, jid, "queued", to_status="running"):
            phase = _import
        else:
            job = db.get(ImportJob, jid)
            return job.status if job is not None else "missing"
        job = db.get(ImportJob, jid)
        user = db.get(User, job.user_id) if job is not None else None
        if job is None or user is None:
            return "missing"
        with background.Heartbeat(ImportJob, jid, running=("previewing", "running")):
            try:
                phase(db, job, user)
            except NeedsMapping as exc:
                db.rollback()
                job.status, job.error = "needs_mapping", str(exc)
                job.progress = {**(job.progress or {}), "columns": exc.columns}
            except FileRejected as exc:
                db.rollback()
                job.status, job.error = "failed", str(exc)
                metrics.JOB_FAILURES.labels(task=IMPORT_TASK).inc()
            except Exception:  # noqa: BLE001 - recorded on the job for the person
                log.exception("import job failed")
                db.rollback()
                job.status, job.error = "failed", FAILED_UNEXPECTEDLY
                metrics.JOB_FAILURES.labels(task=IMPORT_TASK).inc()
            if job.status in ("running", "previewing"):
                job.status = "failed"  # a phase that returned without concluding
                metrics.JOB_FAILURES.labels(task=IMPORT_TASK).inc()
            if job.status in ("done", "failed", "cancelled", "needs_mapping"):
                job.finished_at = utcnow()
            db.commit()
        if job.status in ("done", "cancelled"):
            upload_path(job).unlink(missing_ok=True)
        return job.status


def _context(job: ImportJob, user: User) -> ParseContext:
    options = dict(job.options or {})
    return ParseContext(
        timezone=options.get("timezone") or user.timezone, unit=user.unit, options=options
    )


def _when(item: dict[str, Any]) -> dt.datetime | None:
    raw = item.get("timestamp") or item.get("start")
    if isinstance(raw, dt.datetime):
        return raw
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _preview(db: Session, job: ImportJob, user: User) -> None:
    assert job.format is not None
    parser = detect.parser_for(job.format)
    ctx = _context(job, user)
    counts = dict.fromkeys(RECORD_TYPES, 0)
    rejected: list[dict[str, Any]] = []
    rejected_n = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    estimated = False
    seen = 0
    tick = time.monotonic()
    with detect.open_file(upload_path(job)) as opened:
        total = max(opened.total_bytes, 1)
        for out in parser.parse(opened.stream, ctx):
            seen += 1
            if isinstance(out, Problem):
                rejected_n += 1
                if len(rejected) < KEEP_REJECTED:
                    rejected.append({"line": out.line, "type": out.type, "reason": out.reason})
            else:
                counts[out.type] += 1
                when = _when(out.item)
                if when is not None and when.tzinfo is not None:
                    first = when if first is None or when < first else first
                    last = when if last is None or when > last else last
            if seen >= PREVIEW_MAX_RECORDS:
                estimated = True
                break
            if time.monotonic() - tick > PROGRESS_EVERY_S:
                tick = time.monotonic()
                read = opened.bytes_read()
                job.progress = _progress("previewing", read, total, {})
                db.commit()
        read = max(opened.bytes_read(), 1)
    if estimated:
        scale = total / read
        counts = {k: round(v * scale) for k, v in counts.items()}
        rejected_n = round(rejected_n * scale)
    local = job.format in LOCAL_TIME_FORMATS
    job.preview = {
        "format": parser.FORMAT.name,
        "format_label": parser.FORMAT.label,
        "device": ctx.meta.get("device"),
        "unit": ctx.meta.get("unit"),
        "timezone": ctx.meta.get("timezone") or (ctx.timezone if local else "from file"),
        "local_times": local,
        "start": first.isoformat() if first else None,
        "end": last.isoformat() if last else None,
        "counts": counts,
        "rejected": rejected_n,
        "estimated": estimated,
    }
    job.rejected = rejected
    job.progress = {**_progress("done", total, total, {}), "rejected_total": rejected_n}
    job.status = "awaiting_confirmation"


def _progress(phase: str, read: int, total: int, counts: dict[str, Any]) -> dict[str, Any]:
    return {
        "phase": phase,
        "bytes_read": read,
        "bytes_total": total,
        "fraction": round(min(read / max(total, 1), 1.0), 4),
        "counts": counts,
    }


class _Writer:
    """Buffers records per type and writes a chunk per transaction."""

    def __init__(self, db: Session, job: ImportJob, user: User) -> None:
        self.db, self.job, self.user = db, job, user
        self.buffers: dict[str, list[Record]] = {t: [] for t in RECORD_TYPES}
        self.counts: dict[str, dict[str, int]] = {
            t: {"read": 0, "inserted": 0, "duplicates": 0, "rejected": 0} for t in RECORD_TYPES
        }
        self.rejected: list[dict[str, Any]] = []
        self.rejected_total = 0

    def problem(self, p: Problem) -> None:
        self.rejected_total += 1
        if p.type is not None:
            self.counts[p.type]["read"] += 1
            self.counts[p.type]["rejected"] += 1
        if len(self.rejected) < KEEP_REJECTED:
            self.rejected.append({"line": p.line, "type": p.type, "reason": p.reason})

    def add(self, rec: Record) -> bool:
        """Buffer one record; True when a chunk was written."""
        buf = self.buffers[rec.type]
        self.counts[rec.type]["read"] += 1
        size = CHUNK[rec.type]
        if len(buf) >= size and (len(buf) >= 2 * size or _new_day(buf[-1], rec)):
            # Glucose chunks end at a day boundary of the file's wall time when they can: a
            # chunk of whole new days adds its day aggregates without re-reading any rows.
            self.flush(rec.type)
            buf.append(rec)
            return True
        buf.append(rec)
        return False

    def flush(self, kind: str) -> None:
        buf = self.buffers[kind]
        if not buf:
            return
        items = [r.item for r in buf]
        report: BulkReport
        if kind == "glucose":
            report = ingest_glucose_batch(self.db, self.user, items)
        else:
            report = bulk_create(self.db, _RESOURCES[kind], self.user, items)
        c = self.counts[kind]
        c["inserted"] += report.inserted
        c["duplicates"] += report.duplicates
        for r in report.rejected:
            c["rejected"] += 1
            self.rejected_total += 1
            if len(self.rejected) < KEEP_REJECTED:
                line = buf[r.index].line if 0 <= r.index < len(buf) else 0
                reason = f"{r.field}: {r.reason}" if r.field else r.reason
                self.rejected.append({"line": line, "type": kind, "reason": reason})
        buf.clear()

    def flush_all(self) -> None:
        for kind in RECORD_TYPES:
            self.flush(kind)

    def save(self, phase: str, read: int, total: int) -> None:
        """Record progress and commit the chunk written since the last save."""
        self.job.progress = {
            **_progress(phase, read, total, self.counts),
            "rejected_total": self.rejected_total,
        }
        self.job.rejected = list(self.rejected)
        self.db.commit()


def _new_day(last: Record, rec: Record) -> bool:
    if rec.type != "glucose":
        return True
    a, b = last.item.get("timestamp"), rec.item.get("timestamp")
    return not (isinstance(a, str) and isinstance(b, str) and a[:10] == b[:10])


def _cancelled(db: Session, job_id: uuid.UUID) -> bool:
    status = db.execute(select(ImportJob.status).where(ImportJob.id == job_id)).scalar_one()
    return bool(status == "cancelled")


def _import(db: Session, job: ImportJob, user: User) -> None:
    assert job.format is not None
    parser = detect.parser_for(job.format)
    ctx = _context(job, user)
    writer = _Writer(db, job, user)
    tick = time.monotonic()
    with detect.open_file(upload_path(job)) as opened:
        total = max(opened.total_bytes, 1)
        for out in parser.parse(opened.stream, ctx):
            if isinstance(out, Problem):
                writer.problem(out)
                continue
            wrote = writer.add(out)
            if wrote or time.monotonic() - tick > PROGRESS_EVERY_S:
                tick = time.monotonic()
                writer.save("importing", opened.bytes_read(), total)
                if wrote and _cancelled(db, job.id):
                    db.refresh(job)
                    return
        writer.flush_all()
        writer.save("done", total, total)
    job.status = "done"


background.register(IMPORT_TASK, run_import, lane="imports")

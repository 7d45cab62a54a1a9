"""Glucose and insulin business rules: unit conversion, idempotent ingest, and what a write
does besides storing rows (day aggregates, data_changed_at)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, delete
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import metrics
from glucolens.core.db import utcnow
from glucolens.core.errors import ValidationFailed
from glucolens.core.sql import lock_user_writes
from glucolens.core.timeutil import offset_minutes
from glucolens.core.units import from_mgdl
from glucolens.readings import aggregates, canonical
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseReading, InsulinDose
from glucolens.readings.repository import insert_glucose
from glucolens.readings.schemas import GlucoseIn, GlucoseOut, InsulinIn, InsulinOut
from glucolens.readings.validation import BULK_MAX_GLUCOSE, RowError, glucose_row
from glucolens.records.schemas import BulkReport, Rejected


def glucose_to_row(body: GlucoseIn, user: User) -> dict[str, Any]:
    try:
        row = glucose_row(body.model_dump(exclude_none=True), user, utcnow())
    except RowError as exc:
        raise ValidationFailed(
            f"Invalid {exc.field}: {exc.reason}.",
            details=[{"field": exc.field, "reason": exc.reason}],
        ) from exc
    row.pop("user_id")
    row.pop("created_at")
    return row


def glucose_to_out(row: GlucoseReading, user: User) -> GlucoseOut:
    return GlucoseOut(
        id=row.id,
        timestamp=row.ts,
        value=from_mgdl(row.value_mgdl, user.unit) or 0.0,
        unit=user.unit,
        value_mgdl=row.value_mgdl,
        flag=row.flag,
        trend=row.trend,
        device=row.device,
        source=row.source,
        external_id=row.external_id,
        utc_offset_min=row.utc_offset_min,
        created_at=row.created_at,
        kind=row.kind,
        period_min=row.period_min,
        duplicate_of=row.dup_of,
    )


def on_glucose_change(db: Session, user: User, instants: list[dt.datetime]) -> None:
    """After one reading was created, edited or deleted: its copy links (a new reading may
    be another source's copy; deleting a canonical one promotes its copies), then the days."""
    moved = canonical.recanonicalize_instants(db, user, instants)
    # The links were written with Core statements: the ORM's copy of the row must reload them.
    for obj in list(db.identity_map.values()):
        if isinstance(obj, GlucoseReading):
            db.expire(obj, ["dup_of"])
    aggregates.refresh_days(db, user, [*instants, *moved])
    record_change(db, user, "glucose", instants)


def on_insulin_change(db: Session, user: User, instants: list[dt.datetime]) -> None:
    record_change(db, user, "insulin", instants)


def delete_glucose(db: Session, user: User, where: list[ColumnElement[bool]]) -> int:
    """Delete the user's glucose rows matching ``where`` with what every glucose delete does
    besides (copies promoted, day aggregates, DataChanged); returns how many went."""
    lock_user_writes(db, user.id)
    t = GlucoseReading
    stmt = delete(t).where(t.user_id == user.id, *where).returning(t.ts)
    instants = list(db.execute(stmt).scalars())
    if instants:
        on_glucose_change(db, user, instants)
    return len(instants)


def ingest_glucose_batch(db: Session, user: User, items: list[Any]) -> BulkReport:
    if len(items) > BULK_MAX_GLUCOSE:
        raise ValidationFailed(
            f"At most {BULK_MAX_GLUCOSE} readings per request; got {len(items)}. Split the batch.",
            details=[{"field": "items", "reason": f"more than {BULK_MAX_GLUCOSE} items"}],
        )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        try:
            rows.append(glucose_row(item, user, now))
        except RowError as exc:
            rejected.append(Rejected(index=index, field=exc.field or None, reason=exc.reason))
    inserted = 0
    if rows:
        # One transaction holds the rows, their day aggregates and data_changed_at: a crash
        # anywhere before commit leaves none of them, so a retried upload inserts them all.
        lock_user_writes(db, user.id)
        inserted = insert_glucose(db, rows)
    if inserted:
        instants = [r["ts"] for r in rows]
        first, last = min(instants), max(instants)
        # New rows may be copies of another source's readings (or have copies there).
        moved = canonical.recanonicalize(db, user, first, last)
        # A whole batch into days without readings, nothing moved in or out of the canonical
        # stream: the batch's CGM rows are exactly what those days hold.
        fresh = inserted == len(rows) and not moved
        cgm = [r for r in rows if r["kind"] == "cgm"]
        if not (
            fresh
            and aggregates.add_fresh_days(
                db, user, [r["ts"] for r in cgm], [r["value_mgdl"] for r in cgm]
            )
        ):
            aggregates.refresh_days(db, user, [*instants, *moved])
        record_change(db, user, "glucose", [first, last], source=rows[0]["source"])
    observe_ingest(items, rows, inserted, rejected, now)
    return BulkReport(inserted=inserted, duplicates=len(rows) - inserted, rejected=rejected)


def observe_ingest(
    items: list[Any],
    rows: list[dict[str, Any]],
    inserted: int,
    rejected: list[Rejected],
    now: dt.datetime,
) -> None:
    """Prometheus counters of one batch (core/metrics): readings by source and outcome,
    rejections by the field that failed, batch size and the newest reading's delay. Counted
    when the batch is processed, before its commit."""
    source = metrics.source_label(
        rows[0]["source"] if rows else getattr(items[0], "source", None) if items else None
    )
    metrics.INGEST_BATCH.labels(source=source).observe(len(items))
    if rows:
        metrics.INGEST_READINGS.labels(source=source, outcome="inserted").inc(inserted)
        metrics.INGEST_READINGS.labels(source=source, outcome="duplicate").inc(len(rows) - inserted)
        newest = max(r["ts"] for r in rows)
        metrics.INGEST_DELAY.labels(source=source).observe(max(0.0, (now - newest).total_seconds()))
    if rejected:
        metrics.INGEST_READINGS.labels(source=source, outcome="rejected").inc(len(rejected))
        for r in rejected:
            reason = (r.field or "invalid").split(".")[0].lower()
            metrics.INGEST_REJECTED.labels(source=source, reason=reason[:32]).inc()


def insulin_to_row(body: InsulinIn, user: User) -> dict[str, Any]:
    return {
        "ts": body.timestamp.astimezone(dt.UTC),
        "utc_offset_min": offset_minutes(body.timestamp),
        "units": body.units,
        "kind": body.kind,
        "insulin_type": body.insulin_type,
        "source": body.source,
        "external_id": body.external_id,
    }


def insulin_to_out(row: InsulinDose, _user: User) -> InsulinOut:
    return InsulinOut(
        id=row.id,
        timestamp=row.ts,
        units=row.units,
        kind=row.kind,
        insulin_type=row.insulin_type,
        source=row.source,
        external_id=row.external_id,
        utc_offset_min=row.utc_offset_min,
        created_at=row.created_at,
    )

"""The HealthKit sync: one batch, idempotent by ``batch_id``, applied in the request's
transaction under the user's write lock (docs/healthkit-sync.md).

Per sample, by its HealthKit UUID: new -> stored with its GlucoLens row; stored with the
same content -> duplicate; stored with other content -> updated; deleted before (a
tombstone) -> duplicate, never brought back. Per HKMetadataKeySyncIdentifier (per app and
type): a higher HKMetadataKeySyncVersion replaces the stored sample, a lower or equal one is
a duplicate. Tombstones remove the sample and its rows; one for a UUID never seen is kept
so that the sample cannot arrive later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, ValidationFailed
from glucolens.core.events import DataRemoved
from glucolens.core.sql import lock_user_writes
from glucolens.integrations.healthkit import rows, state
from glucolens.integrations.healthkit.models import HealthKitBatch, HealthKitSample
from glucolens.integrations.healthkit.samples import (
    Sample,
    SampleProblem,
    parse_sample,
    printable,
    uuid_of,
)
from glucolens.integrations.healthkit.schemas import (
    MAX_SAMPLES_PER_BATCH,
    SAMPLE_TYPES,
    DeletionIn,
    HealthKitRejectedSample,
    HealthKitSyncIn,
    HealthKitSyncOut,
    HealthKitTypeCounts,
)
from glucolens.lifestyle.models import Activity, SleepSession

CLOCK_SKEW = dt.timedelta(minutes=5)
# Answers are kept this long for replays. A retry later than that is applied as a new batch,
# which is still safe: every sample is then a duplicate by its UUID.
KEEP_BATCHES = dt.timedelta(days=30)


@dataclasses.dataclass
class _Batch:
    """What one batch does, built up before anything is written."""

    counts: dict[str, HealthKitTypeCounts]
    rejected: list[HealthKitRejectedSample] = dataclasses.field(default_factory=list)
    new: list[Sample] = dataclasses.field(default_factory=list)
    changed: list[tuple[Any, Sample]] = dataclasses.field(default_factory=list)  # (row, new)
    gone: list[Any] = dataclasses.field(default_factory=list)  # stored rows to tombstone
    tombstones: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # unknown

    def reject(self, type_: str, index: int | None, uid: str | None, reason: str) -> None:
        self.rejected.append(
            HealthKitRejectedSample(type=type_, index=index, uuid=uid, reason=printable(reason))
        )
        if type_ in self.counts:
            self.counts[type_].rejected += 1


def body_digest(body: HealthKitSyncIn) -> str:
    # The samples are the JSON as parsed (list[Any]): dumped as they are, keys sorted, so a
    # client that encodes the same batch with its keys in another order is not a conflict.
    head = body.model_dump(mode="json", exclude={"sent_at", "samples", "deletions"})
    whole = {**head, "samples": dict(body.samples), "deletions": body.deletions}
    raw = json.dumps(whole, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(raw.encode("utf-8", "backslashreplace")).hexdigest()


def sync(db: Session, user: User, body: HealthKitSyncIn) -> tuple[HealthKitSyncOut, bool]:
    """Applies the batch (or finds its earlier answer); returns (answer, replayed)."""
    total = sum(len(getattr(body.samples, t)) for t in SAMPLE_TYPES)
    if total > MAX_SAMPLES_PER_BATCH:
        raise ValidationFailed(
            f"At most {MAX_SAMPLES_PER_BATCH} samples per batch; got {total}. Split the batch.",
            details=[{"field": "samples", "reason": f"more than {MAX_SAMPLES_PER_BATCH}"}],
        )
    lock_user_writes(db, user.id)
    digest = body_digest(body)
    earlier = db.get(HealthKitBatch, (user.id, body.batch_id))
    if earlier is not None:
        if earlier.body_sha256 != digest:
            raise Conflict(
                "This batch_id was already used for a different batch; make a new batch_id "
                "for new content (reuse one only to retry the same batch)."
            )
        return HealthKitSyncOut.model_validate(earlier.response), True
    now = utcnow()
    types = state.load(db, user)
    batch = _Batch(counts={t: HealthKitTypeCounts() for t in SAMPLE_TYPES})
    _read_samples(db, user, body, types, batch)
    _read_deletions(db, user, body, batch)
    problems = _apply(db, user, batch, now)
    for message in problems:
        batch.reject("rows", None, None, message)
    out = _answer(body, batch, now)
    state.record(db, user, types, body, batch.new, out, now)
    db.execute(
        insert(HealthKitBatch).values(
            user_id=user.id,
            batch_id=body.batch_id,
            body_sha256=digest,
            status_code=200,
            response=out.model_dump(mode="json"),
            created_at=now,
        )
    )
    b = HealthKitBatch
    db.execute(delete(b).where(b.user_id == user.id, b.created_at < now - KEEP_BATCHES))
    return out, False


# What the sync reads of a stored sample: plain columns, no ORM objects (a resent batch of
# 10,000 samples reads 10,000 rows).
_LIGHT = (
    HealthKitSample.id,
    HealthKitSample.uuid,
    HealthKitSample.type,
    HealthKitSample.start,
    HealthKitSample.end,
    HealthKitSample.utc_offset_min,
    HealthKitSample.value,
    HealthKitSample.deleted_at,
    HealthKitSample.source_bundle_id,
    HealthKitSample.source_name,
    HealthKitSample.sync_identifier,
    HealthKitSample.sync_version,
)


def _stored(db: Session, user: User, uuids: list[str]) -> dict[str, Any]:
    h = HealthKitSample
    found: dict[str, Any] = {}
    for part in rows.chunks(sorted(set(uuids))):
        for row in db.execute(select(*_LIGHT).where(h.user_id == user.id, h.uuid.in_(part))):
            found[row.uuid] = row
    return found


def _by_sync_id(db: Session, user: User, samples: list[Sample]) -> dict[tuple[str, str, str], Any]:
    """Live stored samples that share a sync identifier with one in the batch."""
    keys = {(s.type, s.app, s.sync_identifier) for s in samples if s.sync_identifier}
    if not keys:
        return {}
    h = HealthKitSample
    idents = sorted({k[2] for k in keys if k[2]})
    found: dict[tuple[str, str, str], Any] = {}
    for part in rows.chunks(idents):
        for row in db.execute(
            select(*_LIGHT).where(
                h.user_id == user.id, h.sync_identifier.in_(part), h.deleted_at.is_(None)
            )
        ):
            key = (
                row.type,
                row.source_bundle_id or row.source_name or "",
                row.sync_identifier or "",
            )
            if key in keys:
                found[key] = row
    return found


def _read_samples(
    db: Session, user: User, body: HealthKitSyncIn, types: dict[str, Any], batch: _Batch
) -> None:
    parsed: list[Sample] = []
    for type_ in SAMPLE_TYPES:
        for index, raw in enumerate(getattr(body.samples, type_)):
            if not types[type_].enabled:
                batch.reject(
                    type_, index, uuid_of(raw),
                    f"{type_} is turned off for this account (POST "
                    "/api/v1/integrations/healthkit/configure turns it on)",
                )  # fmt: skip
                continue
            try:
                sample = parse_sample(type_, index, raw)
                rows.check_row(sample)
            except SampleProblem as exc:
                batch.reject(type_, index, uuid_of(raw), str(exc))
                continue
            parsed.append(sample)
    stored = _stored(db, user, [s.uuid for s in parsed])
    # Highest version first: of several versions in one batch the highest is stored and
    # the others are duplicates, as they would be had they come in separate batches.
    parsed.sort(key=lambda s: -(s.sync_version or 0))
    by_sync = _by_sync_id(db, user, parsed)
    seen: set[str] = set()
    for s in parsed:
        counts = batch.counts[s.type]
        old = stored.get(s.uuid)
        if s.uuid in seen or (old is not None and (old.deleted_at or s.same_content(old))):
            counts.duplicates += 1  # a re-send, or a sample the device deleted
            continue
        if old is not None and old.type != s.type:
            batch.reject(s.type, s.index, s.uuid, f"this UUID was sent before as {old.type}")
            continue
        seen.add(s.uuid)
        if s.sync_identifier:
            key = (s.type, s.app, s.sync_identifier)
            current = by_sync.get(key)
            if current is not None and current.uuid != s.uuid:
                if (current.sync_version or 0) >= (s.sync_version or 0):
                    counts.duplicates += 1  # an older or equal version: never an overwrite
                    continue
                batch.gone.append(current)  # replaced by a higher version
            by_sync[key] = _Placeholder(s)
        counts.accepted += 1
        if old is not None:
            batch.changed.append((old, s))
        else:
            batch.new.append(s)
    stored.clear()


@dataclasses.dataclass
class _Placeholder:
    """A sample of this batch standing in the sync-identifier map until it is stored."""

    sample: Sample

    @property
    def uuid(self) -> str:
        return self.sample.uuid

    @property
    def sync_version(self) -> int | None:
        return self.sample.sync_version


def _read_deletions(db: Session, user: User, body: HealthKitSyncIn, batch: _Batch) -> None:
    wanted: list[tuple[int, DeletionIn]] = []
    for index, raw in enumerate(body.deletions):
        try:
            wanted.append((index, DeletionIn.model_validate(raw)))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            batch.reject("deletions", index, uuid_of(raw), f"{where}: {err.get('msg')}")
    stored = _stored(db, user, [str(d.uuid).upper() for _, d in wanted])
    new_by_uuid = {s.uuid: s for s in batch.new}
    changed_by_uuid = {old.uuid: (old, s) for old, s in batch.changed}
    done: set[str] = set()
    for _index, d in wanted:
        uid = str(d.uuid).upper()
        if uid in done:
            continue
        done.add(uid)
        row = stored.get(uid)
        if uid in new_by_uuid:  # sent and deleted in one batch: the deletion wins
            sample = new_by_uuid.pop(uid)
            batch.counts[sample.type].accepted -= 1
            batch.tombstones.append((sample.type, uid))
        elif row is not None and row.deleted_at is None:
            if uid in changed_by_uuid:
                batch.changed.remove(changed_by_uuid[uid])
                batch.counts[row.type].accepted -= 1
            batch.gone.append(row)
            batch.counts[row.type].deleted += 1
        elif row is None:
            batch.tombstones.append((d.type, uid))  # never seen: remembered, nothing else
    batch.new = list(new_by_uuid.values())


def _apply(db: Session, user: User, batch: _Batch, now: dt.datetime) -> list[str]:
    """Writes the batch: tombstones, changed and new samples, then their GlucoLens rows."""
    gone_rows: dict[str, list[tuple[str, dt.datetime]]] = {t: [] for t in rows.ONE_TO_ONE}
    meals: set[dt.datetime] = set()
    hours: set[str] = set()
    nights: list[tuple[dt.datetime, dt.datetime]] = []

    def touched(type_: str, start: dt.datetime | None, end: dt.datetime | None, uid: str) -> None:
        if start is None or end is None:
            return
        if type_ in gone_rows:
            gone_rows[type_].append((uid, start))
        elif type_ == "carbohydrates":
            meals.add(start.astimezone(dt.UTC))
        elif type_ == "steps":
            hours.add(rows.hour_key(start))
        else:
            nights.append((start.astimezone(dt.UTC), end.astimezone(dt.UTC)))

    fresh = [*batch.new, *(s for _, s in batch.changed)]
    glucose = [s for s in fresh if s.type == "blood_glucose"]
    if glucose:  # before the batch is stored: the cadence is read from the stored samples
        rows.decide_glucose_kinds(db, user, glucose)
    h = HealthKitSample
    for row in batch.gone:
        touched(row.type, _aware(row, row.start), _aware(row, row.end), row.uuid)
    for part in rows.chunks([row.id for row in batch.gone]):
        db.execute(update(h).where(h.id.in_(part)).values(deleted_at=now, updated_at=now))
    for old, s in batch.changed:
        touched(old.type, _aware(old, old.start), _aware(old, old.end), old.uuid)
        db.execute(update(h).where(h.id == old.id).values(**_columns(s), updated_at=now))
    for type_, uid in batch.tombstones:
        db.execute(
            insert(h).values(
                user_id=user.id, uuid=uid, type=type_, deleted_at=now, details={},
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    new_rows = [
        {"user_id": user.id, **_columns(s), "created_at": now, "updated_at": now} for s in batch.new
    ]
    for part in rows.chunks(new_rows):
        db.execute(insert(h), part)
    db.flush()
    for type_, gone in gone_rows.items():
        rows.remove_rows(db, user, type_, gone)
    problems: list[str] = []
    for type_ in rows.ONE_TO_ONE:
        refused = rows.add_rows(db, user, type_, [s for s in fresh if s.type == type_])
        problems.extend(f"{type_} {uid}: {reason}" for uid, reason in refused.items())
    for s in fresh:
        if s.type not in rows.ONE_TO_ONE:
            touched(s.type, s.start, s.end, s.uuid)
    problems += rows.rebuild_meals(db, user, meals)
    problems += rows.rebuild_steps(db, user, hours)
    problems += rows.rebuild_sleep(db, user, nights)
    return problems


def _aware(row: Any, t: dt.datetime | None) -> dt.datetime | None:
    return rows.local(t, row.utc_offset_min) if t is not None else None


def _columns(s: Sample) -> dict[str, Any]:
    return {
        "uuid": s.uuid,
        "type": s.type,
        "start": s.start.astimezone(dt.UTC),
        "end": s.end.astimezone(dt.UTC),
        "utc_offset_min": rows.offset_of(s.start),
        "value": s.value,
        "original_value": s.original_value,
        "original_unit": s.original_unit,
        "source_name": s.source_name,
        "source_bundle_id": s.bundle_id,
        "details": s.details,
        "sync_identifier": s.sync_identifier,
        "sync_version": s.sync_version,
        "deleted_at": None,
    }


def _answer(body: HealthKitSyncIn, batch: _Batch, now: dt.datetime) -> HealthKitSyncOut:
    skew = (body.sent_at - now).total_seconds() if body.sent_at is not None else None
    counts = batch.counts
    return HealthKitSyncOut(
        batch_id=body.batch_id,
        accepted=sum(c.accepted for c in counts.values()),
        duplicates=sum(c.duplicates for c in counts.values()),
        rejected=batch.rejected,
        deleted=sum(c.deleted for c in counts.values()),
        by_type=counts,
        server_time=now,
        clock_skew_s=round(skew, 3) if skew is not None else None,
        clock_skew=skew is not None and abs(skew) > CLOCK_SKEW.total_seconds(),
    )


# The rebuilt rows a stored sample feeds: a sample of these types is forgotten only when no
# remaining row of its kind covers it (a night that began before a deletion's start stays
# whole, and so must its segments; so must an hour of steps).
_SPAN_ROWS: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "sleep_analysis": (SleepSession, ()),
    "steps": (Activity, (Activity.activity_type == "steps",)),
}


def on_data_removed(db: Session, evt: DataRemoved) -> None:
    """In the deleting transaction: the stored samples behind deleted HealthKit rows are
    forgotten, so that a later full resend (a reset anchor) imports them again instead of
    calling them duplicates. Tombstones stay: what was deleted on the phone stays deleted."""
    if evt.source not in (None, rows.SOURCE):
        return
    h = HealthKitSample
    where = [h.user_id == evt.user_id, h.deleted_at.is_(None)]
    if evt.start is not None:
        where.append(h.start >= evt.start)
    if evt.end is not None:
        where.append(h.start < evt.end)
    db.execute(delete(h).where(*where, h.type.not_in(tuple(_SPAN_ROWS))))
    for type_, (model, extra) in _SPAN_ROWS.items():
        candidates = db.execute(select(h.id, h.start).where(*where, h.type == type_)).all()
        times = [t for _, t in candidates if t is not None]
        spans = (
            db.execute(
                select(model.start, model.end).where(
                    model.user_id == evt.user_id,
                    model.source == rows.SOURCE,
                    model.start <= max(times),
                    model.end > min(times) - dt.timedelta(days=1),
                    *extra,
                )
            ).all()
            if times
            else []
        )
        gone = [i for i, t in candidates if t is None or not any(s <= t < e for s, e in spans)]
        for part in rows.chunks(gone):
            db.execute(delete(h).where(h.id.in_(part)))

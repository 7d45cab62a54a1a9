"""HealthKit samples -> GlucoLens rows, through the writers' own services (validation,
dedupe, day aggregates, the canonical glucose stream, DataChanged), with the Apple Health
importer's rules:

- blood glucose: one reading per sample (``external_id`` = the HealthKit UUID); ``kind``
  from the app's name or cadence (``apple_health_rollups.glucose_kind``), and "meter" for a
  value the user typed (HKMetadataKeyWasUserEntered);
- insulin delivery: one dose per sample, HKInsulinDeliveryReason 1 basal / 2 bolus;
- workouts: one activity per sample;
- carbohydrates: one meal per instant (a food app writes one sample per food: added up per
  app; of two apps at one instant the larger wins), rebuilt for every instant touched;
- steps: one "steps" activity per local hour, the app that counted the most, rebuilt for
  every hour touched;
- sleep: one session per night (``apple_health_sleep.build_nights``), rebuilt from the
  stored stage segments of every night touched.

The rebuilt rows are keyed by (source, time): they are deleted and written again from the
stored samples, so a re-send, a deletion or a newer version always ends in the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.integrations.healthkit.models import HealthKitSample
from glucolens.integrations.healthkit.samples import SLEEP_VALUES, Sample, SampleProblem
from glucolens.integrations.importers.apple_health_rollups import (
    CADENCE_SAMPLE,
    CGM_NAMES,
    glucose_kind,
    meals,
    step_hours,
)
from glucolens.integrations.importers.apple_health_sleep import (
    STAGES,
    build_nights,
    union_intervals,
)
from glucolens.integrations.importers.apple_health_sleep import Sample as SleepSegment
from glucolens.lifestyle.endpoints import RESOURCES as LIFESTYLE_RESOURCES
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.lifestyle.service import on_lifestyle_change
from glucolens.readings.endpoints import insulin_resource
from glucolens.readings.models import GlucoseReading, InsulinDose
from glucolens.readings.service import ingest_glucose_batch, on_glucose_change, on_insulin_change
from glucolens.records.service import Resource, bulk_create

SOURCE = "healthkit"
ID_CHUNK = 5_000
_MEALS = next(r for r in LIFESTYLE_RESOURCES if r.name == "meals")
_SLEEP = next(r for r in LIFESTYLE_RESOURCES if r.name == "sleep")
_ACTIVITIES = next(r for r in LIFESTYLE_RESOURCES if r.name == "activities")
# One row per sample: the type's GlucoLens table, its resource and change hook.
ONE_TO_ONE: dict[str, tuple[Any, Resource | None]] = {
    "blood_glucose": (GlucoseReading, None),
    "insulin_delivery": (InsulinDose, insulin_resource),
    "workouts": (Activity, _ACTIVITIES),
}
SLEEP_CONTEXT = dt.timedelta(hours=36)  # a night is never longer than 24 h plus 3 h gaps


def local(t: dt.datetime, offset_min: int) -> dt.datetime:
    return t.astimezone(dt.timezone(dt.timedelta(minutes=offset_min)))


def offset_of(t: dt.datetime) -> int:
    off = t.utcoffset()
    return int(off.total_seconds() // 60) if off else 0


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), ID_CHUNK):
        yield items[start : start + ID_CHUNK]


# -- one row per sample


def decide_glucose_kinds(db: Session, user: User, samples: list[Sample]) -> None:
    """Sets ``kind`` (and ``period_min``) on each glucose sample, per app: its name, else the
    cadence of its readings in this batch and its latest stored ones."""
    by_app: dict[str, list[Sample]] = {}
    for s in samples:
        by_app.setdefault(s.app, []).append(s)
    h = HealthKitSample
    for app, group in by_app.items():
        stored = db.execute(
            select(h.start)
            .where(
                h.user_id == user.id,
                h.type == "blood_glucose",
                or_(
                    h.source_bundle_id == app, and_(h.source_bundle_id == "", h.source_name == app)
                ),
                h.deleted_at.is_(None),
            )
            .order_by(h.start.desc())
            .limit(CADENCE_SAMPLE)
        ).scalars()
        names = f"{group[0].source_name} {group[0].bundle_id}"
        kind, period = glucose_kind(
            CGM_NAMES.search(names) is not None, [*stored, *(s.start for s in group)]
        )
        for s in group:
            fields = s.details["fields"]
            fields["kind"] = "meter" if fields.get("was_user_entered") else kind
            if fields["kind"] == "cgm" and period is not None:
                fields["period_min"] = period


def _item(s: Sample) -> dict[str, Any]:
    fields = s.details["fields"]
    base = {"source": SOURCE, "external_id": s.uuid}
    if s.type == "blood_glucose":
        item = {"timestamp": s.start.isoformat(), "value": s.value, "unit": "mg/dL", **base}
        item["device"] = s.source_name[:64] or None
        item["kind"] = fields["kind"]
        if "period_min" in fields:
            item["period_min"] = fields["period_min"]
        return item
    if s.type == "insulin_delivery":
        return {
            "timestamp": s.start.isoformat(),
            "units": s.value,
            "kind": fields["insulin_kind"],
        } | base
    item = {"start": s.start.isoformat(), "end": s.end.isoformat(), **base}
    item["activity_type"] = fields["activity_type"]
    if "kcal" in fields:
        item["kcal"] = fields["kcal"]
    return item


def check_row(s: Sample) -> None:
    """The row rules of insulin and workouts (InsulinIn, ActivityIn), before anything is
    written: a sample whose row would be refused is rejected as a whole."""
    resource = ONE_TO_ONE.get(s.type, (None, None))[1]
    if resource is None or (s.type == "insulin_delivery" and s.value == 0):
        return
    try:
        TypeAdapter(resource.create_schema).validate_python(_item(s))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ()))
        raise SampleProblem(f"{field}: {err.get('msg')}" if field else err.get("msg")) from None


def add_rows(db: Session, user: User, type_: str, samples: list[Sample]) -> dict[str, str]:
    """Writes the rows of new samples of a one-row-per-sample type; returns the reasons of
    those the writer refused, by UUID (none expected: they were checked before)."""
    if type_ == "insulin_delivery":
        samples = [s for s in samples if s.value]  # a zero temp basal delivered nothing
    if not samples:
        return {}
    items = [_item(s) for s in samples]
    resource = ONE_TO_ONE[type_][1]
    report = (
        ingest_glucose_batch(db, user, items)
        if resource is None
        else bulk_create(db, resource, user, items)
    )
    return {samples[r.index].uuid: r.reason for r in report.rejected}


def remove_rows(db: Session, user: User, type_: str, gone: list[tuple[str, dt.datetime]]) -> None:
    """Deletes the rows of samples that were deleted, replaced or changed ((uuid, start))."""
    if not gone:
        return
    model = ONE_TO_ONE[type_][0]
    for part in chunks([u for u, _ in gone]):
        db.execute(
            delete(model).where(
                model.user_id == user.id, model.source == SOURCE, model.external_id.in_(part)
            )
        )
    instants = [t for _, t in gone]
    if type_ == "blood_glucose":
        on_glucose_change(db, user, instants)
    elif type_ == "insulin_delivery":
        on_insulin_change(db, user, instants)
    else:
        on_lifestyle_change(db, user, instants)


# -- rows rebuilt from the stored samples


def _live(db: Session, user: User, type_: str, *where: Any) -> list[Any]:
    """The stored samples a rebuild reads, as plain columns (a year of steps is 50,000)."""
    h = HealthKitSample
    columns = (h.start, h.end, h.utc_offset_min, h.value, h.source_bundle_id, h.source_name)
    return list(
        db.execute(
            select(*columns).where(
                h.user_id == user.id, h.type == type_, h.deleted_at.is_(None), *where
            )
        )
    )


def _app(row: Any) -> str:
    return row.source_bundle_id or row.source_name or "unknown"


def rebuild_meals(db: Session, user: User, instants: set[dt.datetime]) -> list[str]:
    """One meal per instant touched, from every stored carbohydrate sample at that instant."""
    if not instants:
        return []
    by_app_instant: dict[tuple[str, dt.datetime], dict[str, Any]] = {}
    for part in chunks(sorted(instants)):
        for row in _live(db, user, "carbohydrates", HealthKitSample.start.in_(part)):
            assert row.start is not None
            key = (_app(row), row.start)
            meal = by_app_instant.setdefault(
                key, {"line": 0, "t": local(row.start, row.utc_offset_min)}
            )
            meal["carbs_g"] = meal.get("carbs_g", 0.0) + (row.value or 0.0)
        db.execute(
            delete(Meal).where(
                Meal.user_id == user.id,
                Meal.source == SOURCE,
                Meal.external_id.is_(None),
                Meal.ts.in_(part),
            )
        )
    items = [record.item for record in meals(by_app_instant, SOURCE)]
    return _write(db, user, _MEALS, items, sorted(instants))


def hour_key(t: dt.datetime) -> str:
    """The importer's key of a local hour: "2024-03-12 08 +0100"."""
    return t.strftime("%Y-%m-%d %H %z")


def _hour_start(key: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{key[:13]}:00:00{key[13:]}").astimezone(dt.UTC)


def rebuild_steps(db: Session, user: User, keys: set[str]) -> list[str]:
    """One "steps" activity per local hour touched: the app with the most steps that hour."""
    if not keys:
        return []
    starts = sorted({_hour_start(k) for k in keys})
    hours: dict[str, dict[str, float]] = {}
    h = HealthKitSample
    rows = _live(
        db, user, "steps", h.start >= starts[0], h.start < starts[-1] + dt.timedelta(hours=1)
    )
    for row in rows:
        assert row.start is not None
        key = hour_key(local(row.start, row.utc_offset_min))
        if key in keys:
            bucket = hours.setdefault(key, {})
            bucket[_app(row)] = bucket.get(_app(row), 0.0) + (row.value or 0.0)
    for part in chunks(starts):
        db.execute(
            delete(Activity).where(
                Activity.user_id == user.id,
                Activity.source == SOURCE,
                Activity.external_id.is_(None),
                Activity.activity_type == "steps",
                Activity.start.in_(part),
            )
        )
    lines = dict.fromkeys(hours, 0)
    items = [out.item for out in step_hours(hours, lines, SOURCE) if hasattr(out, "item")]
    return _write(db, user, _ACTIVITIES, items, starts)


def rebuild_sleep(
    db: Session, user: User, touched: list[tuple[dt.datetime, dt.datetime]]
) -> list[str]:
    """The nights that overlap the touched intervals, rebuilt from every stored stage
    segment around them; the old rows of those nights go."""
    if not touched:
        return []
    touched = union_intervals(touched)  # a night's segments become one interval
    lo = min(s for s, _ in touched) - SLEEP_CONTEXT
    hi = max(e for _, e in touched) + SLEEP_CONTEXT
    s_ = SleepSession
    old = db.execute(
        select(s_.id, s_.start, s_.end).where(
            s_.user_id == user.id, s_.source == SOURCE, s_.end > lo, s_.start < hi
        )
    ).all()
    # A stored night that overlaps a touched interval may now split: all of it is touched.
    spans = list(touched)
    for _id, start, end in old:
        if any(start < e and end > s for s, e in touched):
            spans.append((start, end))
    h = HealthKitSample
    segments = [
        SleepSegment(
            row.source_name or _app(row),
            local(row.start, row.utc_offset_min),
            local(row.end, row.utc_offset_min),
            STAGES[SLEEP_VALUES[int(row.value or 0)]],
            0,
        )
        for row in _live(db, user, "sleep_analysis", h.end > lo, h.start < hi)
        if row.start is not None and row.end is not None
    ]
    items = []
    for _line, item, _app_name in build_nights(segments):
        start, end = (
            dt.datetime.fromisoformat(item["start"]),
            dt.datetime.fromisoformat(item["end"]),
        )
        if any(start < e and end > s for s, e in spans):
            items.append({**item, "source": SOURCE})
            spans.append((start, end))
    stale = [i for i, start, end in old if any(start < e and end > s for s, e in spans)]
    for part in chunks(stale):
        db.execute(delete(SleepSession).where(SleepSession.id.in_(part)))
    return _write(db, user, _SLEEP, items, [t for span in spans for t in span])


def _write(
    db: Session, user: User, resource: Resource, items: list[dict[str, Any]], touched: list[Any]
) -> list[str]:
    """Writes rebuilt rows; returns why the writer refused any (a meal over 500 g, say)."""
    report = bulk_create(db, resource, user, items)
    if not report.inserted and touched:
        on_lifestyle_change(db, user, touched)  # rows were only removed
    return [
        f"{resource.name} row at {items[r.index].get('start') or items[r.index].get('timestamp')}"
        f": {r.reason}"
        for r in report.rejected
    ]

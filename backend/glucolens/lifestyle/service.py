"""Sleep, meals and activities: input rows to table rows and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.timeutil import offset_minutes
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.lifestyle.schemas import (
    ActivityIn,
    ActivityOut,
    MealIn,
    MealOut,
    SleepIn,
    SleepOut,
)
from glucolens.readings.changes import record_change

_COMMON_OUT = ("id", "source", "external_id", "utc_offset_min", "created_at")


def _common(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in _COMMON_OUT}


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


def span_to_row(body: SleepIn | ActivityIn, _user: User) -> dict[str, Any]:
    row = body.model_dump()
    row["start"] = body.start.astimezone(dt.UTC)
    row["end"] = body.end.astimezone(dt.UTC)
    row["utc_offset_min"] = offset_minutes(body.start)
    return row


def sleep_to_out(row: SleepSession, _user: User) -> SleepOut:
    return SleepOut(
        **_common(row),
        start=row.start,
        end=row.end,
        duration_min=_minutes(row.start, row.end),
        in_bed_min=row.in_bed_min,
        asleep_min=row.asleep_min,
        awake_min=row.awake_min,
        deep_min=row.deep_min,
        core_min=row.core_min,
        rem_min=row.rem_min,
    )


def meal_to_row(body: MealIn, _user: User) -> dict[str, Any]:
    row = body.model_dump(exclude={"timestamp"})
    row["ts"] = body.timestamp.astimezone(dt.UTC)
    row["utc_offset_min"] = offset_minutes(body.timestamp)
    return row


def meal_to_out(row: Meal, _user: User) -> MealOut:
    return MealOut(
        **_common(row),
        timestamp=row.ts,
        carbs_g=row.carbs_g,
        protein_g=row.protein_g,
        fat_g=row.fat_g,
        kcal=row.kcal,
        description=row.description,
        meal_type=row.meal_type,
    )


def activity_to_out(row: Activity, _user: User) -> ActivityOut:
    return ActivityOut(
        **_common(row),
        start=row.start,
        end=row.end,
        duration_min=_minutes(row.start, row.end),
        activity_type=row.activity_type,
        intensity=row.intensity,
        kcal=row.kcal,
        steps=row.steps,
        avg_hr=row.avg_hr,
    )


def on_lifestyle_change(db: Session, user: User, instants: list[dt.datetime]) -> None:
    record_change(db, user, "lifestyle", instants)

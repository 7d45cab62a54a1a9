"""Load one user's health data as the DataFrames the analytics package takes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.timeutil import READ_MIN, clamp_to_read_window
from glucolens.insights.novelty import StreamStateStore
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings.models import GlucoseReading, InsulinDose


@dataclass
class UserFrames:
    tz: str
    glucose: pd.DataFrame  # timestamp (UTC), value_mgdl
    sleep: pd.DataFrame
    meals: pd.DataFrame
    activities: pd.DataFrame
    insulin: pd.DataFrame
    # Saved streaming matrix profile (novelty of the newest readings); None: no store.
    stream_store: StreamStateStore | None = None


def _frame(db: Session, stmt, columns: list[str], time_cols: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rows = db.execute(stmt).all()
    df = pd.DataFrame(rows, columns=columns)
    for c in time_cols:
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def history_end(db: Session, user: User, now: dt.datetime) -> dt.datetime:
    """Where the analysed history ends: now, or just after the newest reading when that is
    more than a day old (an imported file), so insights cover the newest days with data."""
    _, until = clamp_to_read_window(None, None)
    newest = db.execute(
        select(func.max(GlucoseReading.ts)).where(
            GlucoseReading.user_id == user.id, GlucoseReading.ts < until
        )
    ).scalar_one_or_none()
    if newest is None or now - newest <= dt.timedelta(days=1):
        return now
    return newest + dt.timedelta(seconds=1)


def load_frames(db: Session, user: User, days: int, now: dt.datetime | None = None) -> UserFrames:
    now = now or dt.datetime.now(dt.UTC)
    # Bounded on both sides by the read window: a stored row outside it (year 1 or 9999,
    # written around the validators) would overflow pandas' nanosecond clock.
    since, until = clamp_to_read_window(now - dt.timedelta(days=days), None)
    uid = user.id
    g = GlucoseReading
    glucose = _frame(
        db,
        select(g.ts, g.value_mgdl)
        .where(g.user_id == uid, g.ts >= since, g.ts < until)
        .order_by(g.ts),
        ["timestamp", "value_mgdl"],
        ["timestamp"],
    )
    s = SleepSession
    sleep = _frame(
        db,
        select(
            s.start,
            s.end,
            s.in_bed_min,
            s.asleep_min,
            s.awake_min,
            s.deep_min,
            s.core_min,
            s.rem_min,
        )
        .where(s.user_id == uid, s.end >= since, s.start >= READ_MIN, s.end < until)
        .order_by(s.start),
        [
            "start",
            "end",
            "in_bed_min",
            "asleep_min",
            "awake_min",
            "deep_min",
            "core_min",
            "rem_min",
        ],
        ["start", "end"],
    )
    m = Meal
    meals = _frame(
        db,
        select(m.ts, m.carbs_g, m.protein_g, m.fat_g, m.kcal, m.meal_type)
        .where(m.user_id == uid, m.ts >= since, m.ts < until)
        .order_by(m.ts),
        ["timestamp", "carbs_g", "protein_g", "fat_g", "kcal", "meal_type"],
        ["timestamp"],
    )
    a = Activity
    activities = _frame(
        db,
        select(a.start, a.end, a.activity_type, a.intensity, a.kcal, a.steps, a.avg_hr)
        .where(a.user_id == uid, a.start >= since, a.end < until)
        .order_by(a.start),
        ["start", "end", "activity_type", "intensity", "kcal", "steps", "avg_hr"],
        ["start", "end"],
    )
    i = InsulinDose
    insulin = _frame(
        db,
        select(i.ts, i.units, i.kind)
        .where(i.user_id == uid, i.ts >= since, i.ts < until)
        .order_by(i.ts),
        ["timestamp", "units", "kind"],
        ["timestamp"],
    )
    store = StreamStateStore(db, uid)
    return UserFrames(user.timezone, glucose, sleep, meals, activities, insulin, store)

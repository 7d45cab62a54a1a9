"""The insights' storage: one user's health data loaded as the DataFrames the analytics take,
the streaming matrix profile kept between runs, and the upsert of results.

The analytics side (``analytics.streaming.update_novelty``) is pure: it takes the saved
streaming state as bytes and returns the next one; ``StreamStateStore`` loads and saves those
bytes, one row per user and window size, in the job's session (the job commits it together
with the results).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.events import InsightsUpdated, publish
from glucolens.core.sql import insert_for
from glucolens.core.timeutil import READ_MIN, clamp_to_read_window
from glucolens.insights.findings import PATTERN_KINDS, new_findings
from glucolens.insights.models import InsightResult, PatternStreamState
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseReading, InsulinDose


@dataclass
class StreamStateStore:
    """The saved streaming state of one user, read and written in the job's session
    (the job commits it together with the results)."""

    db: Session
    user_id: uuid.UUID

    def load(self, window_points: int) -> bytes | None:
        row = self.db.get(PatternStreamState, (self.user_id, window_points))
        return None if row is None else bytes(row.state)

    def save(self, window_points: int, state: bytes, last_ts: dt.datetime) -> None:
        """Upsert, so two jobs of the same user that race on the first save do not fail
        on the primary key (the later state wins)."""
        insert = insert_for(self.db)
        values = {
            "user_id": self.user_id,
            "window_points": window_points,
            "state": state,
            "last_ts": last_ts,
        }
        stmt = insert(PatternStreamState).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "window_points"],
            set_={
                "state": stmt.excluded.state,
                "last_ts": stmt.excluded.last_ts,
                "updated_at": utcnow(),
            },
        )
        self.db.execute(stmt)


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
            GlucoseReading.user_id == user.id, GlucoseReading.ts < until, is_canonical_cgm
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
        # The canonical CGM stream: no second source's copies, no meter readings or scans.
        select(g.ts, g.value_mgdl)
        .where(g.user_id == uid, g.ts >= since, g.ts < until, is_canonical_cgm)
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


def cache_key(user_id: uuid.UUID, kind: str) -> str:
    return f"insights:{user_id}:{kind}"


def upsert_results(
    db: Session, user_id: uuid.UUID, results: Iterable[Any], computed_at: dt.datetime
) -> list[str]:
    """Store one row per kind (the newest wins); returns the kinds written. New recurring
    patterns and anomalies go out as ``InsightsUpdated`` after the job commits."""
    kinds = []
    new: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        row = db.execute(
            select(InsightResult).where(
                InsightResult.user_id == user_id, InsightResult.kind == r.kind
            )
        ).scalar_one_or_none()
        if row is None:
            row = InsightResult(user_id=user_id, kind=r.kind)
            db.add(row)
        if r.kind in PATTERN_KINDS and r.status == "ok":
            before = row.data if row.status == "ok" else None
            new[r.kind] = new_findings(r.kind, before, r.data, computed_at)
        row.status, row.data, row.duration_s = r.status, r.data, round(r.duration_s, 3)
        # Results describe the data as it was when the job started reading it.
        row.computed_at = computed_at
        kinds.append(r.kind)
    if any(new.values()):
        found = InsightsUpdated(
            user_id,
            tuple(new.get("recurring_patterns", ())),
            tuple(new.get("anomalies", ())),
        )
        publish(db, found)
    return kinds

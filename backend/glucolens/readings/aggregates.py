"""Per-local-day glucose aggregates, recomputed from raw rows for every day a write touches.

Recomputing (rather than adding deltas) cannot drift, and a write touches few days. Days are
the user's local days, so a spring-forward day has 23 hours and an autumn day 25.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.events import ProfileChanged
from glucolens.core.sql import epoch_seconds, lock_user_writes
from glucolens.core.timeutil import READ_MAX, READ_MIN, local_day_bounds, zone
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseDaily, GlucoseReading

HIST_MIN_MGDL = 20
HIST_BINS = 581  # 20..600 mg/dL, one bin per whole mg/dL
_INTERVALS = np.array([1, 5, 15])


def fetch_values(
    db: Session, user_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    """(UTC epoch seconds, mg/dL) of the canonical CGM readings in [start, end), as arrays,
    via Core (no ORM). Copies from lower-priority sources, meter readings and scans are left
    out: every metric is computed from this one stream."""
    rows = (
        db.connection()
        .execute(
            select(epoch_seconds(db, GlucoseReading.ts), GlucoseReading.value_mgdl).where(
                GlucoseReading.user_id == user_id,
                GlucoseReading.ts >= start,
                GlucoseReading.ts < end,
                is_canonical_cgm,
            )
        )
        .fetchall()
    )
    secs = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
    values = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    return secs, values


def hist_index(values_mgdl: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values_mgdl).astype(np.int64) - HIST_MIN_MGDL, 0, HIST_BINS - 1)


def local_days(ts: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Local calendar day of each UTC instant, as numpy datetime64[D]."""
    return ts.tz_convert(tz).tz_localize(None).normalize().values.astype("datetime64[D]")


@dataclass(frozen=True)
class DayStats:
    day: dt.date
    n: int
    sum_mgdl: float
    sumsq_mgdl: float
    min_mgdl: float
    max_mgdl: float
    interval_min: int
    hist: np.ndarray


def snap_interval(minutes: float) -> int:
    """The sensor's sampling interval: 1, 5 or 15 minutes, whichever is nearest."""
    return int(_INTERVALS[np.argmin(np.abs(_INTERVALS - minutes))])


def compute_day_stats(ts: pd.DatetimeIndex, values: np.ndarray, tz: str) -> list[DayStats]:
    if len(ts) == 0:
        return []
    ts = ts.as_unit("ns")
    order = np.argsort(ts.asi8, kind="stable")
    ts = ts[order]
    values = values[order]
    days = local_days(ts, tz)
    gaps_min = np.diff(ts.asi8) / 60e9
    out: list[DayStats] = []
    uniq, starts = np.unique(days, return_index=True)
    bounds = [*starts.tolist(), len(days)]
    for i, day in enumerate(uniq):
        a, b = bounds[i], bounds[i + 1]
        v = values[a:b]
        gaps = gaps_min[a : b - 1] if b - a > 1 else np.array([])
        gaps = gaps[(gaps > 0) & (gaps <= 30)]
        interval = snap_interval(float(np.median(gaps))) if len(gaps) else 5
        out.append(
            DayStats(
                day=day.astype(dt.date),
                n=int(len(v)),
                sum_mgdl=float(v.sum()),
                sumsq_mgdl=float(np.square(v).sum()),
                min_mgdl=float(v.min()),
                max_mgdl=float(v.max()),
                interval_min=interval,
                hist=np.bincount(hist_index(v), minlength=HIST_BINS),
            )
        )
    return out


def _day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    ordered = sorted(set(days))
    runs: list[tuple[dt.date, dt.date]] = []
    for d in ordered:
        if runs and (d - runs[-1][1]).days <= 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def refresh_days(db: Session, user: User, instants: Iterable[dt.datetime]) -> None:
    """Recompute the aggregates of every local day that contains one of ``instants``, in the
    caller's transaction (which holds ``lock_user_writes``)."""
    tz = zone(user.timezone)
    days = {t.astimezone(tz).date() for t in instants}
    for first, last in _day_runs(days):
        start, _ = local_day_bounds(first, user.timezone)
        _, end = local_day_bounds(last, user.timezone)
        _recompute_range(db, user, first, last, start, end)


def add_fresh_days(db: Session, user: User, ts: list[dt.datetime], values: list[float]) -> bool:
    """Fast path for a batch that was inserted whole into days with no readings yet (a first
    import): their aggregates come from the batch itself, without reading it back.
    Returns False (and does nothing) when any day from the batch's first to its last
    already has aggregates (a live reading's day almost always has: checked first, before
    any per-row work, since that answer sends the caller to ``refresh_days``).

    Valid only for the batch's CGM rows, and only when none of them is another source's
    copy and no stored row left the canonical stream (``recanonicalize`` moved nothing)."""
    if not ts:
        return True
    tz = zone(user.timezone)
    first, last = min(ts).astimezone(tz).date(), max(ts).astimezone(tz).date()
    existing = db.execute(
        select(GlucoseDaily.day)
        .where(GlucoseDaily.user_id == user.id, GlucoseDaily.day.between(first, last))
        .limit(1)
    ).first()
    if existing is not None:
        return False
    index = pd.DatetimeIndex(pd.to_datetime(ts, utc=True))
    _insert_stats(
        db, user, compute_day_stats(index, np.asarray(values, dtype=float), user.timezone)
    )
    return True


def rebuild_all(db: Session, user: User) -> None:
    """Recompute every day, e.g. after the user's time zone changed (in the caller's
    transaction)."""
    lock_user_writes(db, user.id)
    db.execute(delete(GlucoseDaily).where(GlucoseDaily.user_id == user.id))
    # Within the read window only: one stored row outside it (year 1, written around the
    # validators) must not make every later time-zone change fail.
    readable = (
        GlucoseReading.user_id == user.id,
        GlucoseReading.ts >= READ_MIN,
        GlucoseReading.ts < READ_MAX,
        is_canonical_cgm,
    )
    first_ts = db.execute(select(func.min(GlucoseReading.ts)).where(*readable)).scalar_one_or_none()
    if first_ts is not None:
        last_ts = db.execute(select(func.max(GlucoseReading.ts)).where(*readable)).scalar_one()
        tzi = zone(user.timezone)
        first_day, last_day = first_ts.astimezone(tzi).date(), last_ts.astimezone(tzi).date()
        start, _ = local_day_bounds(first_day, user.timezone)
        _, end = local_day_bounds(last_day, user.timezone)
        _recompute_range(db, user, first_day, last_day, start, end)


def _recompute_range(
    db: Session,
    user: User,
    first: dt.date,
    last: dt.date,
    start: dt.datetime,
    end: dt.datetime,
) -> None:
    secs, values = fetch_values(db, user.id, start, end)
    db.execute(
        delete(GlucoseDaily).where(
            GlucoseDaily.user_id == user.id, GlucoseDaily.day >= first, GlucoseDaily.day <= last
        )
    )
    if not len(secs):
        return
    ts = pd.DatetimeIndex(np.rint(secs * 1e6).astype("datetime64[us]"), tz="UTC")
    _insert_stats(db, user, compute_day_stats(ts, values, user.timezone))


def _insert_stats(db: Session, user: User, stats: list[DayStats]) -> None:
    if not stats:
        return
    now = utcnow()
    payload = [
        {
            "user_id": user.id,
            "day": s.day,
            "n": s.n,
            "sum_mgdl": s.sum_mgdl,
            "sumsq_mgdl": s.sumsq_mgdl,
            "min_mgdl": s.min_mgdl,
            "max_mgdl": s.max_mgdl,
            "interval_min": s.interval_min,
            "hist": json.dumps(s.hist.tolist(), separators=(",", ":")),
            "updated_at": now,
        }
        for s in stats
    ]
    db.execute(insert(GlucoseDaily), payload)


def on_profile_changed(db: Session, evt: ProfileChanged) -> None:
    """In the profile update's transaction: a new time zone moves every local day."""
    if "timezone" not in evt.fields:
        return
    user = db.get(User, evt.user_id)
    if user is not None:
        rebuild_all(db, user)
        record_change(db, user, "glucose", [])

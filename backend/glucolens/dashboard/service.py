"""Dashboard reads. Summaries and daily statistics come from the per-day aggregates, so their
cost depends on the number of days, not readings; AGP reads one window of raw values and the
series is bucketed in SQL."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import ValidationFailed
from glucolens.core.sql import epoch_whole_seconds
from glucolens.core.timeutil import local_day_bounds, local_today, zone
from glucolens.core.units import from_mgdl
from glucolens.dashboard import schemas, stats
from glucolens.readings.aggregates import DayStats, fetch_values
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseDaily, GlucoseReading


def _conv(user: User, v: float | None) -> float | None:
    return from_mgdl(v, user.unit)


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(v, nd)


def _days(db: Session, user: User, first: dt.date, last: dt.date) -> list[DayStats]:
    rows = (
        db.connection()
        .execute(
            select(
                GlucoseDaily.day,
                GlucoseDaily.n,
                GlucoseDaily.sum_mgdl,
                GlucoseDaily.sumsq_mgdl,
                GlucoseDaily.min_mgdl,
                GlucoseDaily.max_mgdl,
                GlucoseDaily.interval_min,
                GlucoseDaily.hist,
            )
            .where(
                GlucoseDaily.user_id == user.id, GlucoseDaily.day >= first, GlucoseDaily.day <= last
            )
            .order_by(GlucoseDaily.day)
        )
        .fetchall()
    )
    return [
        DayStats(
            day=r[0],
            n=r[1],
            sum_mgdl=r[2],
            sumsq_mgdl=r[3],
            min_mgdl=r[4],
            max_mgdl=r[5],
            interval_min=r[6],
            hist=np.asarray(json.loads(r[7]), dtype=np.int64),
        )
        for r in rows
    ]


def _unit_context(user: User) -> dict[str, Any]:
    """The unit, zone and target range every dashboard answer names."""
    return {
        "unit": user.unit,
        "timezone": user.timezone,
        "target_low": _conv(user, user.target_low_mgdl) or 0.0,
        "target_high": _conv(user, user.target_high_mgdl) or 0.0,
    }


def _bands(b: dict[str, float | None]) -> schemas.Bands:
    return schemas.Bands(**{k: _r(v) for k, v in b.items()})


def last_day(user: User, end: dt.date | None, now: dt.datetime) -> dt.date:
    """The window's last local date: ``end`` (not in the future) or today."""
    today = local_today(user.timezone, now)
    if end is not None and end > today:
        raise ValidationFailed(
            f"'end' ({end.isoformat()}) is after today ({today.isoformat()}) in {user.timezone}.",
            details=[{"field": "end", "reason": "in the future"}],
        )
    return end or today


def _window_end(user: User, last: dt.date, now: dt.datetime) -> dt.datetime:
    return min(local_day_bounds(last, user.timezone)[1], now)


def summary(
    db: Session,
    user: User,
    windows: list[int],
    now: dt.datetime | None = None,
    end: dt.date | None = None,
) -> schemas.Summary:
    now = now or utcnow()
    today = local_today(user.timezone, now)
    last = last_day(user, end, now)
    longest = max(windows)
    all_days = _days(db, user, last - dt.timedelta(days=longest - 1), last)
    target = (user.target_low_mgdl, user.target_high_mgdl)
    out = []
    for n_days in sorted(set(windows)):
        first = last - dt.timedelta(days=n_days - 1)
        days = [d for d in all_days if d.day >= first]
        interval = stats.window_interval(days)
        expected = stats.expected_readings(first, last, user.timezone, interval, now)
        w = stats.combine(days, target, expected)
        # Sufficiency is judged on the window's complete days: today, still under way, can
        # neither add to nor subtract from it (docs/api.md).
        complete_last = min(last, today - dt.timedelta(days=1))
        complete = [d for d in days if d.day <= complete_last]
        complete_days = (complete_last - first).days + 1
        sufficient = w.sufficient_data
        if complete_last < last and complete_days > 0:
            judged = stats.combine(
                complete,
                target,
                stats.expected_readings(first, complete_last, user.timezone, interval, now),
            )
            # A window shorter than 14 days can never hold the consensus minimum.
            minimum = stats.MIN_DAYS_FOR_SUFFICIENCY
            required = complete_days if n_days >= minimum else minimum
            sufficient = stats.is_sufficient(judged.days_with_data, judged.wear_pct, required)
        start, _ = local_day_bounds(first, user.timezone)
        out.append(
            schemas.Window(
                days=n_days,
                start=start,
                end=_window_end(user, last, now),
                mean=_conv(user, w.mean),
                sd=_conv(user, w.sd),
                cv_pct=_r(w.cv_pct),
                gmi_pct=_r(w.gmi_pct, 2),
                min=_conv(user, w.min_mgdl),
                max=_conv(user, w.max_mgdl),
                reading_count=w.reading_count,
                expected_count=int(round(w.expected_count)),
                wear_pct=_r(w.wear_pct),
                days_with_data=w.days_with_data,
                sufficient_data=sufficient,
                bands=_bands(w.bands),
                target_pct=_r(w.target_pct),
            )
        )
    return schemas.Summary(
        **_unit_context(user),
        windows=out,
    )


def daily(
    db: Session, user: User, first: dt.date, last: dt.date, now: dt.datetime | None = None
) -> schemas.Daily:
    now = now or utcnow()
    target = (user.target_low_mgdl, user.target_high_mgdl)
    out = []
    for d in _days(db, user, first, last):
        expected = stats.expected_readings(d.day, d.day, user.timezone, d.interval_min, now)
        w = stats.combine([d], target, expected)
        below = stats.pct_between(d.hist, None, user.target_low_mgdl - 1)
        above = stats.pct_between(d.hist, user.target_high_mgdl + 1, None)
        out.append(
            schemas.Day(
                date=d.day,
                mean=_conv(user, w.mean),
                sd=_conv(user, w.sd),
                cv_pct=_r(w.cv_pct),
                min=_conv(user, d.min_mgdl),
                max=_conv(user, d.max_mgdl),
                reading_count=d.n,
                wear_pct=_r(w.wear_pct),
                in_range_pct=_r(w.target_pct),
                below_pct=_r(below),
                above_pct=_r(above),
                bands=_bands(w.bands),
            )
        )
    return schemas.Daily(
        **_unit_context(user),
        days=out,
    )


def agp(
    db: Session,
    user: User,
    n_days: int,
    now: dt.datetime | None = None,
    end: dt.date | None = None,
) -> schemas.Agp:
    now = now or utcnow()
    last = last_day(user, end, now)
    start, _ = local_day_bounds(last - dt.timedelta(days=n_days - 1), user.timezone)
    stop = _window_end(user, last, now)
    secs, values = fetch_values(db, user.id, start, stop)
    if len(secs):
        local = pd.DatetimeIndex(np.rint(secs * 1e6).astype("datetime64[us]"), tz="UTC")
        local = local.tz_convert(user.timezone)
        minute = (local.hour * 60 + local.minute).to_numpy()
        bins = stats.agp_percentiles(minute, values)
    else:
        bins = [
            {"minute": float(b * 5), **dict.fromkeys(("p5", "p25", "p50", "p75", "p95"))}
            for b in range(stats.AGP_BINS)
        ]
    conv = [
        schemas.AgpBin(
            minute=b["minute"], **{k: _conv(user, v) for k, v in b.items() if k != "minute"}
        )  # type: ignore[arg-type]
        for b in bins
    ]
    return schemas.Agp(
        unit=user.unit,
        timezone=user.timezone,
        days=n_days,
        start=start,
        end=stop,
        reading_count=len(secs),
        bins=conv,
    )


def series(
    db: Session, user: User, start: dt.datetime, end: dt.datetime, points: int
) -> schemas.Series:
    if end <= start:
        raise ValidationFailed(
            "'end' must be after 'start'.", details=[{"field": "end", "reason": "not after start"}]
        )
    base = (
        GlucoseReading.user_id == user.id,
        GlucoseReading.ts >= start,
        GlucoseReading.ts < end,
        is_canonical_cgm,
    )
    total = db.execute(select(func.count()).select_from(GlucoseReading).where(*base)).scalar_one()
    if total <= points:
        rows = db.execute(
            select(GlucoseReading.ts, GlucoseReading.value_mgdl)
            .where(*base)
            .order_by(GlucoseReading.ts)
        ).all()
        pts = [schemas.SeriesPoint(t=t, v=_conv(user, v) or 0.0) for t, v in rows]
        return schemas.Series(
            unit=user.unit,
            start=start,
            end=end,
            total=total,
            downsampled=False,
            bucket_s=None,
            points=pts,
        )
    # Min/mean/max per time bucket (an M4-style reduction done by the database): peaks and
    # nadirs survive as the bucket's min and max.
    bucket_s = max(60, math.ceil((end - start).total_seconds() / points))
    start_epoch = int(start.timestamp())
    bucket = ((epoch_whole_seconds(db, GlucoseReading.ts) - start_epoch) // bucket_s).label("b")
    buckets = db.execute(
        select(
            bucket,
            func.avg(GlucoseReading.value_mgdl),
            func.min(GlucoseReading.value_mgdl),
            func.max(GlucoseReading.value_mgdl),
        )
        .where(*base)
        .group_by(literal_column("b"))
        .order_by(literal_column("b"))
    ).all()
    pts = [
        schemas.SeriesPoint(
            t=start + dt.timedelta(seconds=(int(r[0]) + 0.5) * bucket_s),
            v=_conv(user, float(r[1])) or 0.0,
            min=_conv(user, float(r[2])),
            max=_conv(user, float(r[3])),
        )
        for r in buckets
    ]
    return schemas.Series(
        unit=user.unit,
        start=start,
        end=end,
        total=total,
        downsampled=True,
        bucket_s=bucket_s,
        points=pts,
    )


def data_range(db: Session, user: User) -> schemas.DataRange:
    """First and last reading of the canonical CGM stream, so a client can open the latest
    period that has data."""
    first, last, count = db.execute(
        select(func.min(GlucoseReading.ts), func.max(GlucoseReading.ts), func.count()).where(
            GlucoseReading.user_id == user.id, is_canonical_cgm
        )
    ).one()
    tz = zone(user.timezone)
    return schemas.DataRange(
        timezone=user.timezone,
        first_reading_at=first,
        last_reading_at=last,
        first_day=first.astimezone(tz).date() if first else None,
        last_day=last.astimezone(tz).date() if last else None,
        reading_count=int(count),
    )

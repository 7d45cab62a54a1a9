"""Per-meal glucose responses, computed on read from the canonical CGM stream and the logged
meals, sleep and activities (analytics/meal_response.py, analytics/meal_ranking.py).

A window of 30 days is a few thousand readings and about a hundred meals: cheap enough to
compute on every read, and the endpoints cache the answer until the next write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.analytics import meal_ranking as mr
from glucolens.analytics import meal_response as mresp
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import NotFound
from glucolens.core.units import MGDL_PER_MMOL, MMOL, from_mgdl
from glucolens.insights import meal_schemas as s
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings.aggregates import fetch_values

_MARGIN = dt.timedelta(minutes=mresp.OVERLAP_MIN + 1)
_BEFORE = dt.timedelta(minutes=mresp.BASELINE_MIN + 30)
_AFTER = dt.timedelta(minutes=mresp.RECOVERY_MIN + 30)
_SLEEP_LOOKBACK = dt.timedelta(hours=30)
_ACTIVITY_LOOKBACK = dt.timedelta(hours=mr.ACTIVE_BEFORE_H)


def _meals(db: Session, user: User, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    rows = db.execute(
        select(Meal.id, Meal.ts, Meal.description, Meal.meal_type, Meal.carbs_g)
        .where(Meal.user_id == user.id, Meal.ts >= start, Meal.ts <= end)
        .order_by(Meal.ts)
    ).all()
    df = pd.DataFrame(rows, columns=["id", "ts", "description", "meal_type", "carbs_g"])
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    return df


def _spans(
    db: Session, model: Any, user: User, start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    cols = [model.start, model.end]
    if model is SleepSession:
        cols.append(model.asleep_min)
    rows = db.execute(
        select(*cols).where(model.user_id == user.id, model.end >= start, model.start <= end)
    ).all()
    names = ["start", "end", "asleep_min"][: len(cols)]
    df = pd.DataFrame(rows, columns=names)
    for c in ("start", "end"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _iauc(v: float | None, unit: str) -> float | None:
    if v is None:
        return None
    return round(v / MGDL_PER_MMOL, 1) if unit == MMOL else round(v)


def _out(r: mresp.MealResponse, meal: Any, ctx: dict[str, Any], unit: str) -> s.MealResponseOut:
    return s.MealResponseOut(
        meal_id=r.meal_id,
        timestamp=r.ts,
        description=meal.description,
        food=mr.food_name(meal.description),
        meal_type=meal.meal_type,
        carbs_g=None if pd.isna(meal.carbs_g) else float(meal.carbs_g),
        baseline=from_mgdl(r.baseline_mgdl, unit),
        peak=from_mgdl(r.peak_mgdl, unit),
        peak_rise=from_mgdl(r.peak_rise_mgdl, unit),
        time_to_peak_min=r.time_to_peak_min,
        iauc=_iauc(r.iauc_mgdl_min, unit),
        back_to_baseline_min=r.back_to_baseline_min,
        coverage_pct=round(100 * r.coverage, 1),
        confidence=r.confidence,  # type: ignore[arg-type]
        reasons=list(r.reasons),  # type: ignore[arg-type]
        time_of_day=ctx["time_of_day"],
        sleep_h=ctx["sleep_h"],
        short_sleep=ctx["short_sleep"],
        active_before=ctx["active_before"],
    )


def _compute(
    db: Session, user: User, start: dt.datetime, end: dt.datetime, *, traces: bool = False
) -> tuple[list[mresp.MealResponse], pd.DataFrame, mr.MealRanking, dict[int, mresp.MealTrace]]:
    """Responses of the meals in [start, end], with the meals up to 2 h either side as
    overlap context, and their ranking."""
    meals = _meals(db, user, start - _MARGIN, end + _MARGIN)
    secs, values = fetch_values(db, user.id, start - _BEFORE, end + _AFTER)
    responses, trace_map = mresp.meal_responses(secs, values, meals, with_traces=traces)
    inside = {int(i) for i, ts in zip(meals["id"], meals["ts"], strict=True) if start <= ts <= end}
    responses = [r for r in responses if r.meal_id in inside]
    meals = meals[meals["id"].isin(inside)]
    sleep = _spans(db, SleepSession, user, start - _SLEEP_LOOKBACK, end)
    acts = _spans(db, Activity, user, start - _ACTIVITY_LOOKBACK, end)
    ranking = mr.rank_meals(responses, meals, user.timezone, sleep=sleep, activities=acts)
    return responses, meals, ranking, trace_map


def _group(g: mr.GroupStat, unit: str) -> s.GroupOut:
    return s.GroupOut(
        key=g.key,
        label=g.label,
        n=g.n,
        median_iauc=_iauc(g.median_iauc_mgdl_min, unit),
        median_peak_rise=from_mgdl(g.median_peak_rise_mgdl, unit),
    )


def meal_insights(
    db: Session, user: User, days: int, now: dt.datetime | None = None
) -> s.MealInsights:
    end = now or utcnow()
    start = end - dt.timedelta(days=days)
    responses, meals, ranking, _ = _compute(db, user, start, end)
    unit = user.unit
    info = meals.set_index("id")
    outs = [
        _out(r, info.loc[r.meal_id], ranking.meal_context[r.meal_id], unit)
        for r in sorted(responses, key=lambda r: r.ts, reverse=True)
    ]
    return s.MealInsights(
        unit=unit,  # type: ignore[arg-type]
        timezone=user.timezone,
        days=days,
        start=start,
        end=end,
        n_meals=ranking.n_meals,
        n_measured=ranking.n_measured,
        n_high_confidence=ranking.n_high_confidence,
        meals=outs,
        ranked_meal_ids=ranking.ranked_meal_ids,
        foods=[
            s.FoodOut(
                food=f.food,
                n=f.n,
                n_low_confidence=f.n_low_confidence,
                median_iauc=_iauc(f.median_iauc_mgdl_min, unit),
                median_peak_rise=from_mgdl(f.median_peak_rise_mgdl, unit),
                median_time_to_peak_min=f.median_time_to_peak_min,
            )
            for f in ranking.foods
        ],
        foods_status=ranking.foods_status,  # type: ignore[arg-type]
        comparisons=[
            s.ComparisonOut(
                dimension=c.dimension,  # type: ignore[arg-type]
                status=c.status,  # type: ignore[arg-type]
                groups=[_group(g, unit) for g in c.groups],
                p_value=c.p_value,
                higher=c.higher,
            )
            for c in ranking.comparisons
        ],
        thresholds=s.Thresholds(
            min_group=mr.MIN_GROUP,
            min_food_meals=mr.MIN_FOOD_MEALS,
            short_sleep_h=mr.SHORT_SLEEP_H,
            active_before_h=mr.ACTIVE_BEFORE_H,
            min_coverage_pct=100 * mresp.MIN_COVERAGE,
        ),
    )


def meal_response(db: Session, user: User, meal_id: int) -> s.MealResponseDetail:
    ts = db.execute(
        select(Meal.ts).where(Meal.id == meal_id, Meal.user_id == user.id)
    ).scalar_one_or_none()
    if ts is None:
        raise NotFound("No such meal.")
    ts = (
        pd.Timestamp(ts).tz_convert("UTC")
        if pd.Timestamp(ts).tzinfo
        else pd.Timestamp(ts, tz="UTC")
    )
    when = ts.to_pydatetime()
    responses, meals, ranking, traces = _compute(db, user, when, when, traces=True)
    r = next(r for r in responses if r.meal_id == meal_id)
    info = meals.set_index("id")
    unit = user.unit
    trace = traces.get(meal_id, mresp.MealTrace())
    return s.MealResponseDetail(
        unit=unit,  # type: ignore[arg-type]
        timezone=user.timezone,
        response=_out(r, info.loc[meal_id], ranking.meal_context[meal_id], unit),
        trace=[
            s.TracePoint(minute=m, value=from_mgdl(v, unit) or 0.0)
            for m, v in zip(trace.minutes, trace.mgdl, strict=True)
        ],
    )

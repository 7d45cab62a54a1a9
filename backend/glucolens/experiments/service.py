"""Experiments: create with a power plan, follow day by day, mark adherence, end, delete.

Results are computed when read, from the canonical CGM stream (readings/canonical), so a
late upload or an import of the experiment's days changes the result without any job.
The maths is in analytics/experiments.py; this module turns requests into its inputs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from glucolens.analytics import experiments as ex
from glucolens.analytics.experiment_outcomes import (
    OutcomeSpec,
    daily_outcomes,
    day_span,
)
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound, ValidationFailed
from glucolens.core.sql import epoch_seconds
from glucolens.core.timeutil import local_today
from glucolens.core.units import MGDL_PER_MMOL, MMOL
from glucolens.experiments.models import Experiment, ExperimentDay
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseReading

HISTORY_DAYS = 90  # history the power plan fits the day-to-day variation on
MAX_DAYS = 240
MAX_START_AHEAD_DAYS = 60
# One experiment at a time: two running together would share days, and each one's
# intervention would be noise (or a confounder) in the other's comparison.
MAX_ACTIVE = 1


def _clock_to_min(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def min_to_clock(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def outcome_spec(outcome: str, window_start: str | None, window_end: str | None) -> OutcomeSpec:
    if outcome in ("day_mean", "day_tir"):
        return OutcomeSpec(outcome)
    missing = "window_start" if window_start is None else "window_end"
    if window_start is None or window_end is None:
        raise ValidationFailed(
            f"'{outcome}' measures a daily clock window: give window_start and window_end "
            "(local HH:MM, e.g. 19:00 and 23:00).",
            details=[{"field": missing, "reason": "missing"}],
        )
    first, last = _clock_to_min(window_start), _clock_to_min(window_end)
    if not first < last or first == 1440:
        raise ValidationFailed(
            f"The window must start before it ends on the same day; got {window_start} to "
            f"{window_end}.",
            details=[{"field": "window_end", "reason": "not after window_start"}],
        )
    if last - first < 60:
        raise ValidationFailed(
            "The window must be at least an hour long, so that a day's value is not a few "
            "readings.",
            details=[{"field": "window_end", "reason": "window shorter than 1 hour"}],
        )
    return OutcomeSpec(outcome, first, last)


def outcome_unit(spec: OutcomeSpec, user: User) -> str:
    return user.unit if spec.is_glucose else "%"


def to_mgdl(value: float, spec: OutcomeSpec, unit: str | None, user: User) -> float:
    """An effect or difference the user gave, in the outcome's stored unit (mg/dL or %)."""
    unit = unit or user.unit
    return value * MGDL_PER_MMOL if spec.is_glucose and unit == MMOL else value


def shown(value: float | None, spec: OutcomeSpec, user: User) -> float | None:
    """A stored value (mg/dL or %) in the user's unit, rounded once (core/units' rule)."""
    if value is None:
        return None
    if spec.is_glucose and user.unit == MMOL:
        return round(value / MGDL_PER_MMOL, 2)
    return round(value, 1)


def load_trace(
    db: Session, user_id: uuid.UUID, tz: str, first: dt.date, last: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """The canonical CGM readings of local days first..last: epoch seconds, mg/dL."""
    start = day_span(first, tz, OutcomeSpec("day_mean"))[0]
    end = day_span(last, tz, OutcomeSpec("day_mean"))[1]
    rows = (
        db.connection()
        .execute(
            select(epoch_seconds(db, GlucoseReading.ts), GlucoseReading.value_mgdl)
            .where(
                GlucoseReading.user_id == user_id,
                GlucoseReading.ts >= dt.datetime.fromtimestamp(start, dt.UTC),
                GlucoseReading.ts < dt.datetime.fromtimestamp(end, dt.UTC),
                is_canonical_cgm,
            )
            .order_by(GlucoseReading.ts)
        )
        .fetchall()
    )
    ts = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
    values = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    return ts, values


def days_from(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(n)]


def make_plan(
    db: Session,
    user: User,
    spec: OutcomeSpec,
    effect: float,
    block_days: int,
    before: dt.date,
) -> dict[str, Any]:
    """The power plan (JSON-ready, stored units) from the HISTORY_DAYS local days before
    ``before``."""
    history = days_from(before - dt.timedelta(days=HISTORY_DAYS), HISTORY_DAYS)
    ts, values = load_trace(db, user.id, user.timezone, history[0], history[-1])
    outcomes = daily_outcomes(ts, values, history, user.timezone, spec)
    # Only the span since the first measured day says how often the sensor misses a day.
    measured = np.flatnonzero(~np.isnan(outcomes))
    outcomes = outcomes[measured[0] :] if measured.size else outcomes[:0]
    noise = ex.estimate_day_noise(outcomes, spec)
    plan = ex.plan_power(effect, noise, block_days, max_pairs=MAX_DAYS // (2 * block_days))
    curve = []
    for pairs in range(ex.MIN_PAIRS, MAX_DAYS // (2 * block_days) + 1, 2):
        usable = int(pairs * noise.usable_fraction)
        curve.append(
            {
                "days": 2 * block_days * pairs,
                "power": round(ex.power_at(effect, noise, block_days, usable), 3),
            }
        )
    return {
        "effect": effect,
        "block_days": block_days,
        "days_needed": plan.days_needed,
        "pairs_needed": plan.pairs_needed,
        "sd": noise.sd,
        "rho": noise.rho,
        "usable_fraction": noise.usable_fraction,
        "history_days": noise.n_days,
        "from_history": noise.from_history,
        "curve": curve,
    }


def active_count(db: Session, user_id: uuid.UUID) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Experiment)
            .where(Experiment.user_id == user_id, Experiment.status == "active")
        )
        or 0
    )


def create(db: Session, user: User, body: Any, now: dt.datetime | None = None) -> Experiment:
    spec = outcome_spec(body.outcome, body.window_start, body.window_end)
    today = local_today(user.timezone, now)
    start = body.start_date or today
    if start < today:
        raise ValidationFailed(
            f"An experiment cannot start in the past: start_date {start.isoformat()} is "
            f"before today ({today.isoformat()}, {user.timezone}).",
            details=[{"field": "start_date", "reason": "in the past"}],
        )
    if (start - today).days > MAX_START_AHEAD_DAYS:
        raise ValidationFailed(
            f"start_date must be within {MAX_START_AHEAD_DAYS} days from today.",
            details=[{"field": "start_date", "reason": "too far ahead"}],
        )
    if active_count(db, user.id) >= MAX_ACTIVE:
        raise Conflict(
            "You already have an experiment running; stop or delete it first. Two at once "
            "would share days and blur each other's result.",
            details=[{"field": None, "reason": "experiment running"}],
        )
    effect = to_mgdl(body.target_effect, spec, body.unit, user)
    plan = make_plan(db, user, spec, effect, body.block_days, today)
    days = body.planned_days or plan["days_needed"]
    if days is None:
        raise ValidationFailed(
            f"An effect of {body.target_effect:g} would need more than {MAX_DAYS} days to "
            "show reliably; choose a larger effect or give planned_days.",
            details=[{"field": "target_effect", "reason": "needs more than 240 days"}],
        )
    pairs = ex.pairs_for_days(days, body.block_days)
    if pairs < ex.MIN_PAIRS or 2 * body.block_days * pairs > MAX_DAYS:
        least = 2 * body.block_days * ex.MIN_PAIRS
        raise ValidationFailed(
            f"With {body.block_days}-day blocks an experiment runs {least} to {MAX_DAYS} days "
            f"(at least {ex.MIN_PAIRS} pairs of blocks, the fewest that can show an effect).",
            details=[{"field": "planned_days", "reason": "out of range"}],
        )
    seed = secrets.randbits(53)
    exp = Experiment(
        user_id=user.id,
        title=body.title,
        intervention=body.intervention,
        outcome=spec.kind,
        window_start_min=spec.start_min,
        window_end_min=spec.end_min,
        target_effect=effect,
        timezone=user.timezone,
        start_date=start,
        planned_days=2 * body.block_days * pairs,
        block_days=body.block_days,
        seed=seed,
        schedule=ex.make_schedule(pairs, body.block_days, seed),
        plan=plan,
        status="active",
    )
    db.add(exp)
    db.flush()
    return exp


def list_for(db: Session, user: User) -> list[Experiment]:
    return list(
        db.scalars(
            select(Experiment)
            .where(Experiment.user_id == user.id)
            .order_by(Experiment.created_at.desc())
        )
    )


def get_for(db: Session, user: User, experiment_id: uuid.UUID) -> Experiment:
    exp = db.get(Experiment, experiment_id)
    if exp is None or exp.user_id != user.id:
        raise NotFound("No such experiment.")
    return exp


def last_counted_day(exp: Experiment, today: dt.date) -> dt.date:
    """The last local day whose outcome counts: yesterday while running, the end once
    ended, never past the planned days."""
    end = exp.start_date + dt.timedelta(days=exp.planned_days - 1)
    last = exp.ended_on if exp.ended_on is not None else today - dt.timedelta(days=1)
    return min(last, end)


def mark_day(
    db: Session, user: User, experiment_id: uuid.UUID, day: dt.date, followed: bool | None
) -> Experiment:
    exp = get_for(db, user, experiment_id)
    today = local_today(exp.timezone)
    end = exp.start_date + dt.timedelta(days=exp.planned_days - 1)
    if exp.ended_on is not None:
        end = min(end, exp.ended_on)
    if not exp.start_date <= day <= end:
        raise ValidationFailed(
            f"{day.isoformat()} is not a day of this experiment ({exp.start_date.isoformat()} "
            f"to {end.isoformat()}).",
            details=[{"field": "day", "reason": "outside the experiment"}],
        )
    if day > today:
        raise ValidationFailed(
            f"{day.isoformat()} has not come yet ({exp.timezone}); mark a day on it or after.",
            details=[{"field": "day", "reason": "in the future"}],
        )
    row = db.scalar(
        select(ExperimentDay).where(ExperimentDay.experiment_id == exp.id, ExperimentDay.day == day)
    )
    if followed is None:
        if row is not None:
            db.delete(row)
    elif row is None:
        db.add(ExperimentDay(experiment_id=exp.id, day=day, followed=followed))
    else:
        row.followed, row.updated_at = followed, utcnow()
    db.flush()
    return exp


def stop(db: Session, user: User, experiment_id: uuid.UUID) -> Experiment:
    exp = get_for(db, user, experiment_id)
    if exp.status != "active":
        raise Conflict(
            "This experiment has already ended.", details=[{"field": None, "reason": "ended"}]
        )
    today = local_today(exp.timezone)
    exp.status = "ended"
    exp.ended_on = last_counted_day(exp, today)
    exp.ended_at = utcnow()
    db.flush()
    return exp


def remove(db: Session, user: User, experiment_id: uuid.UUID) -> None:
    exp = get_for(db, user, experiment_id)
    db.execute(delete(ExperimentDay).where(ExperimentDay.experiment_id == exp.id))
    db.delete(exp)
    db.flush()


def marks(db: Session, exp: Experiment) -> dict[dt.date, bool]:
    rows = db.execute(
        select(ExperimentDay.day, ExperimentDay.followed).where(
            ExperimentDay.experiment_id == exp.id
        )
    ).all()
    return {day: followed for day, followed in rows}

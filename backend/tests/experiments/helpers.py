"""Shared steps of the experiment API tests.

The glucose data is synthetic and written as the canonical CGM stream (kind 'cgm', no
copies): one reading every 5 minutes at a flat 140 mg/dL, plus a per-pair offset (the same
for both blocks of a pair, drawn from a seeded normal with SD 15, so days vary but a pair's
two blocks only differ by what is planted), plus an optional per-day offset (SD
``day_sd``), plus a sine over the day, minus the planted effect inside the outcome window
on intervention days.
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from glucolens.analytics.experiment_outcomes import OutcomeSpec, day_span
from glucolens.analytics.experiments import make_schedule
from glucolens.auth.models import User
from glucolens.experiments.models import Experiment
from glucolens.readings.models import GlucoseReading


def backdate(
    db: Session, experiment_id: str, days_ago: int, seed: int = 11
) -> tuple[dt.date, list[str]]:
    """Moves the experiment's start ``days_ago`` days back (as if it had been running) and
    redraws its coin flips from a fixed ``seed``, so a test's estimate does not depend on
    the server's random draw (the interval covers the truth 95% of the time, so a random
    draw would fail one run in twenty; coverage itself is measured in bench/experiments.py).
    Returns the new start and schedule."""
    exp = db.get(Experiment, uuid.UUID(experiment_id))
    assert exp is not None
    start = exp.start_date - dt.timedelta(days=days_ago)
    n_pairs = len(exp.schedule) // (2 * exp.block_days)
    schedule = make_schedule(n_pairs, exp.block_days, seed)
    values = {"start_date": start, "seed": seed, "schedule": schedule}
    db.execute(update(Experiment).where(Experiment.id == exp.id).values(**values))
    db.commit()
    return start, schedule


def write_trace(
    db: Session,
    user: User,
    start: dt.date,
    schedule: list[str],
    block_days: int,
    effect_mgdl: float,
    window: tuple[int, int] = (19 * 60, 23 * 60),
    seed: int = 5,
    day_sd: float = 0.0,
) -> None:
    rng = np.random.default_rng(seed)
    pair_offsets = rng.normal(0, 15, len(schedule) // (2 * block_days) + 1)
    day_offsets = rng.normal(0, day_sd, len(schedule)) if day_sd else np.zeros(len(schedule))
    spec = OutcomeSpec("window_mean", *window)
    rows = []
    for i, label in enumerate(schedule):
        day = start + dt.timedelta(days=i)
        first, last = day_span(day, user.timezone, OutcomeSpec("day_mean"))
        w0, w1 = day_span(day, user.timezone, spec)
        for t in np.arange(first, last, 300.0):
            value = 140 + pair_offsets[i // (2 * block_days)] + day_offsets[i]
            value += 20 * np.sin(t / 86400 * 2 * np.pi)
            if label == "intervention" and w0 <= t < w1:
                value -= effect_mgdl
            rows.append(
                {
                    "user_id": user.id,
                    "ts": dt.datetime.fromtimestamp(float(t), dt.UTC),
                    "value_mgdl": float(value),
                    "kind": "cgm",
                    "source": "test",
                    "utc_offset_min": 0,
                }
            )
    db.execute(insert(GlucoseReading), rows)
    db.commit()

"""Glycaemic variability for a window of local days: the iglu-compatible indices of
``analytics.metrics`` with, for each, a one-line meaning, a reference range with its
source, and an honest "not enough data" state (docs/analytics.md)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from glucolens.analytics.metrics import Variability, variability
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.timeutil import local_day_bounds
from glucolens.core.units import MGDL_PER_MMOL, MMOL, from_mgdl
from glucolens.dashboard import schemas
from glucolens.dashboard.service import last_day
from glucolens.readings.aggregates import fetch_values

HILL_2011 = "adults without diabetes, mean ± 2 SD (Hill et al., Diabetes Technol Ther 2011;13:921)"
RISK_MIDPOINT = {"mg/dL": "112.5 mg/dL", "mmol/L": "6.2 mmol/L"}
WHOLE_DAY = "a local day with sensor data for at least 70% of it"


@dataclass(frozen=True)
class MetricInfo:
    key: str
    label: str
    kind: str  # "glucose" (mg/dL or mmol/L), "rate" (per hour) or "index" (no unit)
    meaning: str  # "{mid}" stands for the risk scale's midpoint in the user's unit
    ref_low: float | None  # in mmol/L for glucose and rate metrics, as published
    ref_high: float | None
    min_whole_days: int
    needs_pairs: bool = False


CATALOGUE = (
    MetricInfo(
        "mage", "MAGE", "glucose",
        "Average size of the big swings: rises and falls larger than one SD, peak to nadir.",
        0.0, 2.8, 1,
    ),
    MetricInfo(
        "conga_1h", "CONGA-1", "glucose",
        "How much glucose typically changes within an hour (SD of 1-hour differences).",
        None, None, 1,
    ),
    MetricInfo(
        "modd", "MODD", "glucose",
        "How much glucose differs at the same time of day on consecutive days.",
        0.0, 3.5, 2, needs_pairs=True,
    ),
    MetricInfo(
        "mag", "MAG", "rate",
        "How fast glucose moves: total absolute change per hour.",
        0.5, 2.2, 1,
    ),
    MetricInfo(
        "lbgi", "LBGI", "index",
        "Risk of lows: how often and how far readings fall below {mid}.",
        0.0, 6.9, 1,
    ),
    MetricInfo(
        "hbgi", "HBGI", "index",
        "Risk of highs: how often and how far readings rise above {mid}.",
        0.0, 7.7, 1,
    ),
    MetricInfo(
        "adrr", "ADRR", "index",
        "Average daily risk range: each day's worst low risk plus worst high risk, averaged.",
        0.0, 8.7, 14,
    ),
    MetricInfo(
        "j_index", "J-index", "index",
        "Mean and SD combined in one number; higher means higher and more variable glucose.",
        4.7, 23.6, 1,
    ),
    MetricInfo(
        "grade", "GRADE", "index",
        "Average risk score of the readings: lowest near {low}, rising towards lows and highs.",
        0.0, 4.7, 1,
    ),
)  # fmt: skip


def _unit(kind: str, unit: str) -> str | None:
    return {"glucose": unit, "rate": f"{unit}/h"}.get(kind)


def _reference(info: MetricInfo, low: float | None, high: float | None, unit: str) -> str:
    if low is None or high is None:
        return "No comparable reference range: published ranges used another CONGA formula."
    shown = _unit(info.kind, unit)
    span = f"{low:g}–{high:g}" + (f" {shown}" if shown else "")
    return f"{span} in {HILL_2011}"


def _in_unit(info: MetricInfo, value_mmol: float | None, unit: str) -> float | None:
    """A published (mmol/L) bound in the user's unit: whole mg/dL or one decimal mmol/L."""
    if value_mmol is None:
        return None
    if info.kind == "index":
        return value_mmol
    return value_mmol if unit == MMOL else float(round(value_mmol * MGDL_PER_MMOL))


def _metric(info: MetricInfo, result: Variability, unit: str) -> schemas.VariabilityMetric:
    raw = float(getattr(result, info.key))
    if info.needs_pairs:
        enough = result.whole_day_pairs >= info.min_whole_days - 1
        need = f"needs two consecutive whole days ({WHOLE_DAY})"
    else:
        enough = result.whole_days >= info.min_whole_days
        days = "1 whole day" if info.min_whole_days == 1 else f"{info.min_whole_days} whole days"
        need = f"needs {days} ({WHOLE_DAY}); this window has {result.whole_days}"
    low, high = _in_unit(info, info.ref_low, unit), _in_unit(info, info.ref_high, unit)
    reason = None
    if not enough:
        reason = need
    elif math.isnan(raw):
        reason = "not computable on these readings (too few, or no swing larger than one SD)"
    value: float | None = None
    if reason is None:
        value = round(raw, 2) if info.kind == "index" else from_mgdl(raw, unit)
    return schemas.VariabilityMetric(
        key=info.key,
        label=info.label,
        value=value,
        unit=_unit(info.kind, unit),
        meaning=info.meaning.format(
            mid=RISK_MIDPOINT.get(unit, "112.5 mg/dL"),
            low="90 mg/dL" if unit != MMOL else "5 mmol/L",
        ),
        reference=_reference(info, low, high, unit),
        reference_low=low,
        reference_high=high,
        status="ok" if reason is None else "insufficient",
        reason=reason,
        min_whole_days=info.min_whole_days,
    )


def compute(
    db: Session, user: User, n_days: int, end: dt.date | None = None, now: dt.datetime | None = None
) -> schemas.Variability:
    """Variability over the local days ``end - n_days + 1 .. end`` (default today, up to now)."""
    now = now or utcnow()
    end = last_day(user, end, now)
    first = end - dt.timedelta(days=n_days - 1)
    start, _ = local_day_bounds(first, user.timezone)
    stop = min(local_day_bounds(end, user.timezone)[1], now)
    secs, values = fetch_values(db, user.id, start, stop)
    times = pd.DatetimeIndex(np.rint(secs * 1e6).astype("datetime64[us]"), tz="UTC")
    result = variability(times, values, tz=user.timezone)
    return schemas.Variability(
        unit=user.unit,
        timezone=user.timezone,
        days=n_days,
        start=start,
        end=stop,
        reading_count=result.reading_count,
        whole_days=result.whole_days,
        interval_min=result.interval_min,
        metrics=[_metric(info, result, user.unit) for info in CATALOGUE],
    )

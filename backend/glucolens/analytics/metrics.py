"""Glycaemic variability indices that agree with iglu 4.3.0 (Broll et al., PLoS ONE 2021;
R package irinagain/iglu), the field's reference implementation, to within 0.1% on its
example data (tests/analytics/test_iglu_reference.py; docs/analytics.md has the table).

- Indices of the readings as measured: LBGI, HBGI (Kovatchev; iglu's rounded constant
  22.77 = 10 × 1.509²), ADRR (per local day), J-index, GRADE.
- Indices on iglu's day-by-day grid (:mod:`variability_grid`; gaps over 45 minutes are
  never bridged): CONGA(n) (SD of differences n hours apart), MODD (mean absolute
  difference between the same grid point on consecutive days), MAG (iglu's ``mag()``,
  whose 4.3.0 default step is the CGM interval).
- MAGE: :mod:`variability_mage` (iglu's default moving-average algorithm).

The consensus metrics (mean, SD, CV, GMI, bands) live in :mod:`consensus`, shared with the
dashboard. ``regular_grid`` is the nearest-point grid the pattern features use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable
from glucolens.analytics.variability_grid import (
    DayGrid,
    consecutive_whole_day_pairs,
    day_by_day,
    whole_days,
)
from glucolens.analytics.variability_mage import mage

MAX_GAP_MIN = 15
RISK_SCALE = 22.77  # iglu's constant: 10 × 1.509² = 22.7708, rounded


def clean_json(obj: Any, ndigits: int = 3) -> Any:
    """``to_jsonable`` with floats rounded to ``ndigits`` (the metrics' default)."""
    return to_jsonable(obj, ndigits)


def _as_series(times: pd.DatetimeIndex, values: np.ndarray) -> pd.Series:
    series = pd.Series(np.asarray(values, dtype=float), index=pd.DatetimeIndex(times))
    series = series[np.isfinite(series.to_numpy())]
    return series.groupby(level=0).mean().sort_index()


def regular_grid(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    interval_min: int = 5,
    max_gap_min: int = MAX_GAP_MIN,
) -> pd.Series:
    """Readings snapped to a regular ``interval_min`` grid (duplicates averaged); points
    inside gaps of at most ``max_gap_min`` minutes are interpolated, longer gaps stay NaN.
    Used by the pattern features; the iglu indices use :func:`day_by_day` instead."""
    series = _as_series(times, values_mgdl)
    if series.empty:
        return series
    freq = pd.Timedelta(minutes=interval_min)
    snapped = series.groupby(series.index.round(freq)).mean()
    grid = pd.date_range(snapped.index[0], snapped.index[-1], freq=freq)
    on_grid = snapped.reindex(grid)
    filled = on_grid.interpolate(method="time", limit_area="inside")
    known_time = pd.Series(np.where(on_grid.notna(), grid.as_unit("ns").asi8, np.nan), index=grid)
    gap_ns = known_time.bfill() - known_time.ffill()
    too_long = gap_ns > pd.Timedelta(minutes=max_gap_min).value
    filled[too_long.to_numpy() & on_grid.isna().to_numpy()] = np.nan
    return filled


def _finite(values_mgdl: np.ndarray) -> np.ndarray:
    arr = np.asarray(values_mgdl, dtype=float)
    return arr[np.isfinite(arr) & (arr > 0)]


def _bg_risk_f(values_mgdl: np.ndarray) -> np.ndarray:
    """Kovatchev's symmetrised scale without its 1.509 factor: ln(BG)^1.084 − 5.381."""
    return np.log(values_mgdl) ** 1.084 - 5.381


def lbgi(values_mgdl: np.ndarray) -> float:
    """Low Blood Glucose Index (Kovatchev et al. 1998): mean low-side risk."""
    v = _finite(values_mgdl)
    if v.size == 0:
        return math.nan
    f = np.minimum(_bg_risk_f(v), 0.0)
    return float(RISK_SCALE * np.sum(np.where(v < 112.5, f, 0.0) ** 2) / v.size)


def hbgi(values_mgdl: np.ndarray) -> float:
    """High Blood Glucose Index: mean high-side risk."""
    v = _finite(values_mgdl)
    if v.size == 0:
        return math.nan
    f = np.maximum(_bg_risk_f(v), 0.0)
    return float(RISK_SCALE * np.sum(np.where(v >= 112.5, f, 0.0) ** 2) / v.size)


def adrr(times: pd.DatetimeIndex, values_mgdl: np.ndarray, *, tz: str = "UTC") -> float:
    """Average Daily Risk Range (Kovatchev et al. 2006): mean over local days of the day's
    highest low-side risk plus its highest high-side risk."""
    t = pd.DatetimeIndex(times)
    v = np.asarray(values_mgdl, dtype=float)
    keep = np.isfinite(v) & (v > 0)
    if not keep.any():
        return math.nan
    f = _bg_risk_f(v[keep])
    days = t[keep].tz_convert(tz).tz_localize(None).normalize()
    frame = pd.DataFrame({"f": f, "day": days}).groupby("day")["f"]
    high = RISK_SCALE * np.maximum(frame.max().to_numpy(), 0.0) ** 2
    low = RISK_SCALE * np.minimum(frame.min().to_numpy(), 0.0) ** 2
    return float(np.mean(high + low))


def j_index(values_mgdl: np.ndarray) -> float:
    """J-index = 0.001 (mean + SD)² in mg/dL (Wojcicki 1995); SD with n − 1."""
    v = _finite(values_mgdl)
    if v.size < 2:
        return math.nan
    return float(0.001 * (v.mean() + v.std(ddof=1)) ** 2)


def grade(values_mgdl: np.ndarray) -> float:
    """GRADE (Hill et al. 2007): mean of 425 (log10(log10(BG mmol/L)) + 0.16)², each
    reading's score capped at 50; BG mmol/L = mg/dL / 18, readings at or below 18 mg/dL
    (where the formula has no value) left out, as iglu does."""
    v = _finite(values_mgdl)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = 425.0 * (np.log10(np.log10(v / 18.0)) + 0.16) ** 2
    score = np.minimum(score, 50.0)
    score = score[np.isfinite(score)]
    return float(score.mean()) if score.size else math.nan


def conga(grid: DayGrid | None, *, hours: int = 1) -> float:
    """CONGA(n) (McDonnell et al. 2005): SD (n − 1) of the differences between grid values
    ``hours`` apart; pairs with a missing member are left out."""
    if grid is None:
        return math.nan
    lag = round(60 / grid.interval_min) * hours
    flat = grid.flat
    if flat.size <= lag:
        return math.nan
    diffs = flat[lag:] - flat[:-lag]
    diffs = diffs[np.isfinite(diffs)]
    return float(np.std(diffs, ddof=1)) if diffs.size >= 2 else math.nan


def modd(grid: DayGrid | None) -> float:
    """MODD (Molnar et al. 1972): mean |g(day d, time t) − g(day d − 1, time t)|."""
    if grid is None or grid.days < 2:
        return math.nan
    diffs = np.abs(np.diff(grid.values, axis=0))
    diffs = diffs[np.isfinite(diffs)]
    return float(diffs.mean()) if diffs.size else math.nan


def mag_step_min(grid: DayGrid, n_min: int | None = None) -> int:
    """The sampling step iglu's ``mag()`` uses: the CGM interval by default (iglu 4.3.0),
    never below it, and otherwise a multiple of it."""
    dt0 = grid.interval_min
    if n_min is None or n_min < dt0:
        return dt0
    if n_min % dt0:
        return int(np.round(n_min / dt0)) * dt0
    return n_min


def mag(grid: DayGrid | None, *, n_min: int | None = None) -> float:
    """Mean Absolute Glucose change, mg/dL per hour (Hermanides et al. 2010; iglu
    ``mag()``): every ``n``-minute grid value is compared with the one before; the sum of
    the absolute changes is divided by the hours the non-missing changes span."""
    if grid is None:
        return math.nan
    n = mag_step_min(grid, n_min)
    sampled = grid.flat[:: n // grid.interval_min]
    diffs = np.diff(sampled)
    diffs = diffs[np.isfinite(diffs)]
    if diffs.size == 0:
        return math.nan
    return float(np.abs(diffs).sum() / (diffs.size * n / 60))


@dataclass(frozen=True)
class Variability:
    """The indices for one trace (mg/dL where they have a glucose unit) and the support
    each needs: whole days (≥ 70% of the day's grid) and consecutive whole-day pairs."""

    mage: float
    conga_1h: float
    modd: float
    mag: float
    lbgi: float
    hbgi: float
    adrr: float
    j_index: float
    grade: float
    reading_count: int
    whole_days: int
    whole_day_pairs: int
    interval_min: int | None


def variability(
    times: pd.DatetimeIndex, values_mgdl: np.ndarray, *, tz: str = "UTC"
) -> Variability:
    """Every offered index for one trace; ``times`` must be tz-aware."""
    index = pd.DatetimeIndex(times)
    if index.tz is None:
        raise ValueError("times must be timezone-aware (UTC)")
    v = np.asarray(values_mgdl, dtype=float)
    grid = day_by_day(index, v, tz=tz)
    return Variability(
        mage=mage(index, v, tz=tz),
        conga_1h=conga(grid, hours=1),
        modd=modd(grid),
        mag=mag(grid),
        lbgi=lbgi(v),
        hbgi=hbgi(v),
        adrr=adrr(index, v, tz=tz),
        j_index=j_index(v),
        grade=grade(v),
        reading_count=int(_finite(v).size),
        whole_days=whole_days(grid),
        whole_day_pairs=consecutive_whole_day_pairs(grid),
        interval_min=None if grid is None else grid.interval_min,
    )

"""Forecast baselines and shared pieces: the damped-trend path the alert engine uses on
live readings, persistence and linear extrapolation (the benchmarks' baselines), the
slope on the 5-minute grid, and the Clarke error grid.

Split from ``forecast.py`` (the per-user model); plain numpy and the standard library.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

INTERVAL_MIN = 5
CLAMP_MGDL = (40.0, 400.0)
FALLBACK_PHI = 0.85  # damping of the trend per 5-minute step


def linear_slope(values: np.ndarray, lookback_min: int = 30) -> np.ndarray:
    """Least-squares slope (mg/dL per minute) over the last ``lookback_min`` at every
    grid index; NaN where a reading in that span is missing."""
    v = np.asarray(values, dtype=float)
    k = lookback_min // INTERVAL_MIN + 1
    out = np.full(len(v), np.nan)
    if len(v) < k:
        return out
    x = np.arange(k) * INTERVAL_MIN
    x = x - x.mean()
    windows = np.lib.stride_tricks.sliding_window_view(v, k)
    out[k - 1 :] = windows @ x / (x @ x)
    return out


def persistence(values: np.ndarray, horizon_min: int) -> np.ndarray:
    """Baseline: the glucose in ``horizon_min`` equals the current glucose."""
    return np.asarray(values, dtype=float).copy()


def linear_extrapolation(
    values: np.ndarray, horizon_min: int, lookback_min: int = 30
) -> np.ndarray:
    """Baseline: the current value plus the last ``lookback_min`` slope times the horizon."""
    v = np.asarray(values, dtype=float)
    return np.clip(v + linear_slope(v, lookback_min) * horizon_min, *CLAMP_MGDL)


def _damped_delta(slope_per_min: np.ndarray | float, horizon_min: int) -> Any:
    steps = horizon_min // INTERVAL_MIN
    gain = sum(FALLBACK_PHI**k for k in range(1, steps + 1)) * INTERVAL_MIN
    return np.nan_to_num(slope_per_min, nan=0.0) * gain


def reading_slope(
    times: list[dt.datetime], values: list[float], lookback_min: float = 30.0
) -> float | None:
    """Least-squares slope (mg/dL per minute) of irregularly spaced readings over the last
    ``lookback_min`` before the newest; None when fewer than 3 readings span 10 minutes.
    Plain Python: the alert engine calls it on every live reading (a budget of ~2 ms)."""
    if len(times) < 3:
        return None
    end = times[-1]
    pts = [
        ((t - end).total_seconds() / 60.0, float(v))
        for t, v in zip(times, values, strict=True)
        if (end - t).total_seconds() <= lookback_min * 60.0
    ]
    if len(pts) < 3 or -pts[0][0] < 10.0:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx > 0 else None


def damped_trend_path(
    times: list[dt.datetime], values: list[float], horizon_min: int, lookback_min: float = 30.0
) -> list[tuple[int, float]]:
    """The damped-trend model's path (the fallback of ``forecast``) from raw readings:
    ``[(minutes ahead, mg/dL), ...]`` every 5 min up to ``horizon_min``; empty without a
    slope (see ``reading_slope``)."""
    slope = reading_slope(times, values, lookback_min)
    if slope is None:
        return []
    last = float(values[-1])
    lo, hi = CLAMP_MGDL
    out, gain = [], 0.0
    for k, h in enumerate(range(INTERVAL_MIN, horizon_min + 1, INTERVAL_MIN), start=1):
        gain += FALLBACK_PHI**k * INTERVAL_MIN  # as _damped_delta, without numpy per call
        out.append((h, min(max(last + slope * gain, lo), hi)))
    return out


def clarke_zones(reference: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Clarke error grid zone ('A'–'E') of each (reference, predicted) pair in mg/dL
    (Clarke et al., Diabetes Care 1987). Zone A: within 20 % or both below 70; E:
    opposite extremes; C: overcorrection; D: failure to detect; B: the rest."""
    x = np.asarray(reference, dtype=float)
    y = np.asarray(predicted, dtype=float)
    zone_a = ((y >= 0.8 * x) & (y <= 1.2 * x)) | ((x < 70) & (y < 70))
    zone_e = ((x >= 180) & (y <= 70)) | ((x <= 70) & (y >= 180))
    zone_c = ((x >= 70) & (x <= 290) & (y >= x + 110)) | (
        (x >= 130) & (x <= 180) & (y <= 1.4 * x - 182)
    )
    zone_d = (
        ((x >= 240) & (y >= 70) & (y <= 180))
        | ((x <= 175 / 3) & (y >= 70) & (y <= 180))
        | ((x >= 175 / 3) & (x <= 70) & (y >= 1.2 * x))
    )
    return np.select([zone_a, zone_e, zone_c, zone_d], ["A", "E", "C", "D"], default="B")

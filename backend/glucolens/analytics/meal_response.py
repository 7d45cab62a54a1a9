"""What did that meal do? The glucose response to each logged meal.

Pure functions: arrays of readings and a table of meals in, dataclasses out. Definitions
(docs/meal-responses.md holds the same text for users):

- **Smoothed trace.** Each reading is replaced by the mean of the readings within
  ±``SMOOTH_HALF_MIN`` minutes of it (a centred moving average in time, not points, so
  1-, 5- and 15-minute sensors are treated alike). Peaks of a raw CGM trace are biased up
  by sensor noise (the maximum of noisy values); the average takes most of that out.
- **Baseline.** The median of the *raw* readings in the 30 minutes up to and including the
  meal time. It needs readings covering at least half of those 30 minutes; otherwise the
  meal has no baseline and no measures (reason ``no_baseline``).
- **Peak rise.** The highest smoothed value in the 2 hours after the meal, minus the
  baseline (mg/dL; negative when glucose only fell). **Time to peak** is when it occurs,
  in minutes after the meal.
- **iAUC (2 h).** The incremental area under the smoothed curve above the baseline over
  0–120 minutes, ignoring area below the baseline: trapezoids on a 1-minute grid, and a
  segment that crosses the baseline counts only its triangle above it. This is the
  geometric iAUC of Wolever (FAO/WHO 1998) used for the glycaemic index (Brouns et al.
  2005, Nutr Res Rev 18:145-171). Unit: mg/dL·min.
- **Back to baseline.** The first minute at or after the peak at which the smoothed trace
  is at or below the baseline, searched up to 3 hours after the meal; ``None`` when it
  has not come back by then (or the trace ends first).
- **Confidence.** ``high`` unless one of these reasons applies (then ``low``):
  ``gappy`` (readings cover under ``MIN_COVERAGE`` of the window from 30 minutes before
  to 2 hours after, or a gap over ``MAX_GAP_MIN`` minutes inside the 2 hours),
  ``meal_before`` (another meal in the 2 hours before: the baseline is not at rest),
  ``meal_after`` (another meal in the 2 hours after: its rise mixes in),
  ``trace_ends`` (the readings stop before 2 hours after the meal), ``no_baseline`` and
  ``no_trace`` (no measures at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BASELINE_MIN = 30
WINDOW_MIN = 120
RECOVERY_MIN = 180
SMOOTH_HALF_MIN = 7.5
MIN_COVERAGE = 0.7
MAX_GAP_MIN = 30.0
BASELINE_MIN_COVERAGE = 0.5
OVERLAP_MIN = 120
_INTERVALS = np.array([1.0, 5.0, 15.0])

REASONS = ("no_trace", "no_baseline", "gappy", "meal_before", "meal_after", "trace_ends")


@dataclass(frozen=True)
class MealResponse:
    meal_id: int
    ts: dt.datetime
    baseline_mgdl: float | None = None
    peak_mgdl: float | None = None
    peak_rise_mgdl: float | None = None
    time_to_peak_min: float | None = None
    iauc_mgdl_min: float | None = None
    back_to_baseline_min: float | None = None
    coverage: float = 0.0
    reasons: tuple[str, ...] = ()

    @property
    def measured(self) -> bool:
        return self.peak_rise_mgdl is not None

    @property
    def confidence(self) -> str:
        return "high" if self.measured and not self.reasons else "low"


@dataclass(frozen=True)
class MealTrace:
    """Minutes from the meal and smoothed mg/dL, from 30 minutes before to 3 hours after."""

    minutes: list[float] = field(default_factory=list)
    mgdl: list[float] = field(default_factory=list)


def sampling_interval_min(secs: np.ndarray) -> float:
    """The sensor's cadence (1, 5 or 15 minutes) from the median spacing of the readings."""
    if len(secs) < 2:
        return 5.0
    med = float(np.median(np.diff(np.sort(secs)))) / 60.0
    return float(_INTERVALS[np.argmin(np.abs(_INTERVALS - med))])


def smooth(
    minutes: np.ndarray, values: np.ndarray, half_min: float = SMOOTH_HALF_MIN
) -> np.ndarray:
    """Centred moving average in time: each reading becomes the mean of those within
    ±half_min minutes of it (sorted input)."""
    if len(values) == 0 or half_min <= 0:
        return values.astype(float)
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    lo = np.searchsorted(minutes, minutes - half_min, side="left")
    hi = np.searchsorted(minutes, minutes + half_min, side="right")
    return (csum[hi] - csum[lo]) / (hi - lo)


def positive_area(x: np.ndarray, y: np.ndarray) -> float:
    """Area of max(y, 0) under the piecewise-linear curve through (x, y): a segment that
    crosses zero contributes only its triangle above zero (Brouns et al. 2005)."""
    if len(x) < 2:
        return 0.0
    y0, y1, dx = y[:-1], y[1:], np.diff(x)
    both = (y0 >= 0) & (y1 >= 0)
    area = np.where(both, (y0 + y1) / 2 * dx, 0.0)
    cross = (y0 > 0) != (y1 > 0)
    cross &= ~both
    pos = np.maximum(y0, y1)
    denom = np.abs(y0) + np.abs(y1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tri = np.where(cross & (denom > 0), pos * pos / denom * dx / 2, 0.0)
    return float(np.sum(area) + np.sum(tri))


def _coverage(minutes: np.ndarray, lo: float, hi: float, interval: float) -> float:
    n = int(np.count_nonzero((minutes >= lo) & (minutes < hi)))
    return min(1.0, n / ((hi - lo) / interval))


def _max_gap(minutes: np.ndarray, lo: float, hi: float) -> float:
    inside = minutes[(minutes >= lo) & (minutes <= hi)]
    if len(inside) == 0:
        return hi - lo
    edges = np.concatenate([[lo], inside, [hi]])
    return float(np.max(np.diff(edges)))


def measure_meal(
    meal_id: int,
    meal_ts: dt.datetime,
    minutes: np.ndarray,
    mgdl: np.ndarray,
    interval_min: float,
    other_meal_minutes: np.ndarray | None = None,
    *,
    smooth_half_min: float = SMOOTH_HALF_MIN,
) -> tuple[MealResponse, MealTrace]:
    """One meal's response from readings given as minutes relative to the meal (sorted).

    ``other_meal_minutes``: the other meals' times relative to this one, for the overlap
    reasons."""
    others = np.asarray([] if other_meal_minutes is None else other_meal_minutes, float)
    reasons: list[str] = []
    if np.any((others < 0) & (others >= -OVERLAP_MIN)):
        reasons.append("meal_before")
    if np.any((others > 0) & (others <= OVERLAP_MIN)):
        reasons.append("meal_after")
    keep = (minutes >= -BASELINE_MIN - smooth_half_min) & (
        minutes <= RECOVERY_MIN + smooth_half_min
    )
    m, v = minutes[keep], mgdl[keep].astype(float)
    coverage = _coverage(m, -BASELINE_MIN, WINDOW_MIN, interval_min)
    after = m[(m > 0) & (m <= RECOVERY_MIN)]
    if len(after) == 0:
        return MealResponse(
            meal_id, meal_ts, coverage=coverage, reasons=("no_trace", *reasons)
        ), MealTrace()
    pre = (m >= -BASELINE_MIN) & (m <= 0)
    base_needed = max(1, int(np.ceil(BASELINE_MIN_COVERAGE * BASELINE_MIN / interval_min)))
    s = smooth(m, v, smooth_half_min)
    shown = (m >= -BASELINE_MIN) & (m <= RECOVERY_MIN)
    trace = MealTrace(
        [round(float(x), 1) for x in m[shown]], [round(float(x), 1) for x in s[shown]]
    )
    if np.count_nonzero(pre) < base_needed:
        return MealResponse(
            meal_id, meal_ts, coverage=coverage, reasons=("no_baseline", *reasons)
        ), trace
    baseline = float(np.median(v[pre]))
    if coverage < MIN_COVERAGE or _max_gap(m, 0.0, min(WINDOW_MIN, float(m[-1]))) > MAX_GAP_MIN:
        reasons.append("gappy")
    if m[-1] < WINDOW_MIN - interval_min:
        reasons.append("trace_ends")

    # A 1-minute grid from the meal to the end of the readings (at most 3 h), linear
    # between readings; area and peak are read off it.
    end = min(float(RECOVERY_MIN), float(np.floor(m[-1])))
    grid = np.arange(0.0, end + 1.0, 1.0)
    curve = np.interp(grid, m, s)
    win = grid <= WINDOW_MIN
    peak_i = int(np.argmax(curve[win]))
    peak = float(curve[win][peak_i])
    iauc = positive_area(grid[win], curve[win] - baseline)
    back = None
    below = np.flatnonzero(curve[peak_i:] <= baseline)
    if len(below):
        back = float(grid[peak_i + below[0]])
    return (
        MealResponse(
            meal_id=meal_id,
            ts=meal_ts,
            baseline_mgdl=round(baseline, 1),
            peak_mgdl=round(peak, 1),
            peak_rise_mgdl=round(peak - baseline, 1),
            time_to_peak_min=float(grid[win][peak_i]),
            iauc_mgdl_min=round(iauc, 0),
            back_to_baseline_min=back,
            coverage=round(coverage, 3),
            reasons=tuple(reasons),
        ),
        trace,
    )


def naive_response(minutes: np.ndarray, mgdl: np.ndarray) -> tuple[float, float, float] | None:
    """The naive estimator the benchmark compares against: the reading nearest the meal as
    baseline, the highest raw reading in 2 h as peak, trapezoids of the raw readings
    above that baseline (clipped at zero point by point). (rise, time to peak, iAUC)."""
    if len(minutes) == 0:
        return None
    b = float(mgdl[np.argmin(np.abs(minutes))])
    win = (minutes >= 0) & (minutes <= WINDOW_MIN)
    if not np.any(win):
        return None
    m, v = minutes[win], mgdl[win].astype(float)
    i = int(np.argmax(v))
    inc = np.maximum(v - b, 0.0)
    return float(v[i] - b), float(m[i]), float(np.trapezoid(inc, m))


def meal_responses(
    secs: np.ndarray,
    mgdl: np.ndarray,
    meals: pd.DataFrame,
    *,
    smooth_half_min: float = SMOOTH_HALF_MIN,
    with_traces: bool = False,
) -> tuple[list[MealResponse], dict[int, MealTrace]]:
    """Responses of every meal in ``meals`` (columns ``id`` and ``ts``, tz-aware UTC) from
    readings at UTC epoch seconds ``secs``. The meals are each other's overlap context: pass
    the meals up to 2 hours either side of the range of interest too, and drop theirs."""
    order = np.argsort(secs)
    secs, mgdl = np.asarray(secs, float)[order], np.asarray(mgdl, float)[order]
    interval = sampling_interval_min(secs)
    meal_secs = np.array([pd.Timestamp(t).timestamp() for t in meals["ts"]], dtype=float)
    out: list[MealResponse] = []
    traces: dict[int, MealTrace] = {}
    for i, (meal_id, ts) in enumerate(zip(meals["id"], meals["ts"], strict=True)):
        t0 = meal_secs[i]
        lo = np.searchsorted(secs, t0 - (BASELINE_MIN + 2 * smooth_half_min) * 60, "left")
        hi = np.searchsorted(secs, t0 + (RECOVERY_MIN + 2 * smooth_half_min) * 60, "right")
        others = np.delete(meal_secs, i)
        others = (others - t0) / 60.0
        # Meals logged at the very same minute are one meal in two rows: not an overlap.
        others = others[np.abs(others) >= 1.0]
        resp, trace = measure_meal(
            int(meal_id),
            pd.Timestamp(ts).to_pydatetime(warn=False),
            (secs[lo:hi] - t0) / 60.0,
            mgdl[lo:hi],
            interval,
            others,
            smooth_half_min=smooth_half_min,
        )
        out.append(resp)
        if with_traces:
            traces[int(meal_id)] = trace
    return out, traces

"""The day-by-day glucose grid behind CONGA, MODD, MAG and MAGE, as iglu builds it.

iglu (Broll et al. 2021; R package irinagain/iglu, 4.3.0, ``CGMS2DayByDay``) places a
subject's readings on a regular grid before computing any index that compares values a
fixed time apart. Matching iglu's numbers means matching that grid, so this module
reproduces its rules (written from the documented behaviour, not copied):

- readings with no value are dropped; readings are sorted; of readings with the same
  time stamp the last one is kept;
- the grid step ``dt0`` is the median gap between readings, rounded to whole minutes,
  unless given; a step that does not divide a day is moved to a multiple of 5 min (or
  20 min above 20 min); a step longer than ``inter_gap`` is refused;
- the grid has one row per local day from the first reading's day, ``ceil(span + 1)``
  days, and each row holds the points 00:00 + ``dt0``, + 2 ``dt0``, ... , 24:00 (the
  first point of a day is ``dt0`` after midnight, the last is the next midnight);
- values are linear interpolations between the two readings around each point, and
  missing outside the first and last reading; points strictly inside a gap longer than
  ``inter_gap`` minutes (45 by default) stay missing.

Days are fixed 24-hour blocks from the first local midnight; in a zone with daylight
saving time the clock time of a column drifts by an hour after a change (iglu works in
one fixed offset per series as well).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

INTER_GAP_MIN = 45
_NS_PER_MIN = 60_000_000_000


@dataclass(frozen=True)
class DayGrid:
    """Glucose (mg/dL) on the day-by-day grid: ``values[d, k]`` is day ``d`` at
    ``start + (d * points_per_day + k + 1) * interval_min`` minutes; NaN where missing."""

    values: np.ndarray
    start: pd.Timestamp
    interval_min: int

    @property
    def flat(self) -> np.ndarray:
        return self.values.reshape(-1)

    @property
    def days(self) -> int:
        return int(self.values.shape[0])


def clean_readings(
    times: pd.DatetimeIndex, values_mgdl: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Epoch nanoseconds and values: finite values only, sorted (stably) by time, and of
    readings sharing a time stamp the last one in input order."""
    t = pd.DatetimeIndex(times)
    if t.tz is None:
        raise ValueError("times must be timezone-aware")
    ns = t.as_unit("ns").asi8
    v = np.asarray(values_mgdl, dtype=float)
    keep = np.isfinite(v)
    ns, v = ns[keep], v[keep]
    order = np.argsort(ns, kind="stable")
    ns, v = ns[order], v[order]
    if ns.size > 1:
        last_of_time = np.append(ns[1:] != ns[:-1], True)
        ns, v = ns[last_of_time], v[last_of_time]
    return ns, v


def reading_interval(ns: np.ndarray) -> int:
    """The median gap between readings in whole minutes (R rounds halves to even, as
    numpy does)."""
    gaps_min = np.diff(ns) / _NS_PER_MIN
    return max(1, int(np.round(np.median(gaps_min)))) if gaps_min.size else 5


def grid_step(dt0: int) -> int:
    """iglu's grid step: ``dt0`` moved to divide a day (to a multiple of 5 min, or to
    20 min above 20 min) when it does not."""
    if 1440 % dt0 != 0:
        if dt0 > 20:
            dt0 = 20
        else:
            remainder = dt0 % 5
            dt0 = dt0 + 5 - remainder if remainder > 2 else dt0 - remainder
    return dt0


def day_by_day(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    tz: str = "UTC",
    dt0: int | None = None,
    inter_gap_min: int = INTER_GAP_MIN,
) -> DayGrid | None:
    """The grid described in the module docstring, or None with fewer than two readings
    or a reading interval longer than ``inter_gap_min`` (too sparse to interpolate)."""
    ns, v = clean_readings(times, values_mgdl)
    if ns.size < 2:
        return None
    raw_step = reading_interval(ns) if dt0 is None else dt0
    if raw_step > inter_gap_min:
        return None
    step = grid_step(raw_step)
    first_local = pd.Timestamp(ns[0], unit="ns", tz="UTC").tz_convert(tz)
    # The start of the local day: where midnight is skipped or repeated by a clock change
    # (e.g. America/Havana), the first instant of the day.
    midnight = first_local.tz_localize(None).normalize()
    start = midnight.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
    span_days = (ns[-1] - ns[0]) / (_NS_PER_MIN * 1440)
    n_days = math.ceil(span_days + 1)
    per_day = 1440 // step
    # Minutes from the first midnight, as floats: exact for whole-second time stamps.
    t_min = (ns - start.value) / _NS_PER_MIN
    grid_min = step * np.arange(1, n_days * per_day + 1, dtype=float)
    out = np.interp(grid_min, t_min, v, left=np.nan, right=np.nan)
    # Points strictly inside a gap longer than inter_gap stay missing.
    long_gap = np.diff(t_min) > inter_gap_min
    if long_gap.any():
        left = np.searchsorted(t_min, grid_min, side="right") - 1
        inside = (left >= 0) & (left < t_min.size - 1)
        on_reading = np.zeros_like(inside)
        on_reading[inside] = t_min[left[inside]] == grid_min[inside]
        gap_of_left = np.zeros_like(inside)
        gap_of_left[inside] = long_gap[left[inside]]
        out[inside & ~on_reading & gap_of_left] = np.nan
    return DayGrid(values=out.reshape(n_days, per_day), start=start, interval_min=step)


def whole_days(grid: DayGrid | None, *, min_coverage: float = 0.7) -> int:
    """Days of the grid with at least ``min_coverage`` of their points present."""
    if grid is None:
        return 0
    coverage = np.isfinite(grid.values).mean(axis=1)
    return int((coverage >= min_coverage).sum())


def consecutive_whole_day_pairs(grid: DayGrid | None, *, min_coverage: float = 0.7) -> int:
    """Pairs of neighbouring grid days that are both whole (what MODD compares)."""
    if grid is None or grid.days < 2:
        return 0
    whole = np.isfinite(grid.values).mean(axis=1) >= min_coverage
    return int((whole[1:] & whole[:-1]).sum())

"""The outcome of one day of a personal experiment, computed from the CGM trace.

Outcomes are ones a user reads without help, one number per local day:

* ``window_mean``: mean glucose in a daily clock window (e.g. 19:00-23:00, "after dinner");
* ``window_peak``: highest glucose in that window (the post-dinner peak);
* ``day_mean``: mean glucose over the whole local day;
* ``day_tir``: time in range 70-180 mg/dL over the whole day, in percent.

Days are the user's local days: the window is local wall-clock time, so on a DST day
19:00-23:00 is still 19:00-23:00 local (the whole day is 23 or 25 hours long). Readings
are first averaged into 5-minute bins, so a 1-minute uploader and a 5-minute sensor weigh
the same, and a day counts only when at least ``MIN_COVERAGE`` of its bins hold a reading:
a day with the sensor off is missing, not a day of whatever was left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glucolens.core.timeutil import zone

BIN_S = 300
MIN_COVERAGE = 0.7
TIR_LOW_MGDL = 70.0
TIR_HIGH_MGDL = 180.0

WINDOW_OUTCOMES = ("window_mean", "window_peak")
DAY_OUTCOMES = ("day_mean", "day_tir")
OUTCOMES = WINDOW_OUTCOMES + DAY_OUTCOMES


@dataclass(frozen=True)
class OutcomeSpec:
    """What is measured each day. Window bounds are minutes after local midnight
    (``end_min`` up to 1440); only the window outcomes use them."""

    kind: str
    start_min: int = 0
    end_min: int = 1440

    def __post_init__(self) -> None:
        if self.kind not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.kind!r}; one of {', '.join(OUTCOMES)}")
        if self.kind in WINDOW_OUTCOMES and not 0 <= self.start_min < self.end_min <= 1440:
            raise ValueError("the window must start before it ends, within one local day")

    @property
    def lower_is_better(self) -> bool:
        return self.kind != "day_tir"

    @property
    def is_glucose(self) -> bool:
        """True when the outcome is a glucose value (mg/dL), False for a percentage."""
        return self.kind != "day_tir"

    def label(self) -> str:
        """A plain name: 'mean glucose 19:00-23:00', 'time in range (70-180 mg/dL)'."""
        if self.kind == "day_mean":
            return "mean glucose over the day"
        if self.kind == "day_tir":
            return "time in range (70-180 mg/dL) over the day"
        what = "mean glucose" if self.kind == "window_mean" else "peak glucose"
        return f"{what} {_clock(self.start_min)}-{_clock(self.end_min)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local_instant(day: dt.date, minutes: int, tz: str) -> float:
    """UTC epoch seconds of local wall-clock ``minutes`` after midnight of ``day``. A time
    skipped by a DST change (02:30 on a spring-forward day) maps to the instant after the
    gap; a repeated time (autumn) to its first occurrence."""
    base = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)
    local = base.replace(tzinfo=zone(tz), fold=0)
    back = local.astimezone(dt.UTC).astimezone(zone(tz)).replace(tzinfo=None)
    if back != base:  # nonexistent wall time: fold=0 gives the pre-gap offset
        local = base.replace(tzinfo=zone(tz), fold=1)
    return local.astimezone(dt.UTC).timestamp()


def day_span(day: dt.date, tz: str, spec: OutcomeSpec) -> tuple[float, float]:
    """[start, end) in UTC epoch seconds of what ``spec`` measures on local ``day``."""
    first, last = (0, 1440) if spec.kind in DAY_OUTCOMES else (spec.start_min, spec.end_min)
    return _local_instant(day, first, tz), _local_instant(day, last, tz)


def _binned(ts: np.ndarray, values: np.ndarray, start: float, end: float) -> np.ndarray:
    """Mean value of each 5-minute bin of [start, end), NaN where no reading fell."""
    n_bins = max(1, int(round((end - start) / BIN_S)))
    idx = ((ts - start) // BIN_S).astype(np.int64)
    keep = (idx >= 0) & (idx < n_bins)
    sums = np.bincount(idx[keep], weights=values[keep], minlength=n_bins)
    counts = np.bincount(idx[keep], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def daily_outcomes(
    ts_s: np.ndarray,
    values_mgdl: np.ndarray,
    days: Sequence[dt.date],
    tz: str,
    spec: OutcomeSpec,
) -> np.ndarray:
    """One value per local day in ``days`` (NaN when the sensor covered less than
    ``MIN_COVERAGE`` of what the day measures). ``ts_s`` are UTC epoch seconds, sorted."""
    ts = np.asarray(ts_s, dtype=float)
    vals = np.asarray(values_mgdl, dtype=float)
    out = np.full(len(days), np.nan)
    for i, day in enumerate(days):
        start, end = day_span(day, tz, spec)
        lo, hi = np.searchsorted(ts, [start, end])
        if hi <= lo:
            continue
        bins = _binned(ts[lo:hi], vals[lo:hi], start, end)
        seen = bins[~np.isnan(bins)]
        if seen.size < MIN_COVERAGE * bins.size:
            continue
        if spec.kind in ("window_mean", "day_mean"):
            out[i] = float(seen.mean())
        elif spec.kind == "window_peak":
            out[i] = float(seen.max())
        else:
            in_range = (seen >= TIR_LOW_MGDL) & (seen <= TIR_HIGH_MGDL)
            out[i] = 100.0 * float(in_range.mean())
    return out

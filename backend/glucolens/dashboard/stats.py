"""Pure calculations behind the dashboard (no database): combining per-day aggregates into
consensus metrics, AGP percentiles, and expected-reading counts. The formulas and band
edges are ``analytics.consensus``'s, applied to the per-day sums and histograms."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glucolens.analytics import consensus
from glucolens.core.timeutil import local_day_bounds
from glucolens.readings.aggregates import HIST_BINS, HIST_MIN_MGDL, DayStats

MIN_DAYS_FOR_SUFFICIENCY = 14
MIN_WEAR_PCT = 70.0


def pct_between(hist: np.ndarray, lo_mgdl: float | None, hi_mgdl: float | None) -> float | None:
    """Share (%) of readings with lo ≤ round(value) ≤ hi (None = unbounded)."""
    return consensus.pct_between_from_hist(hist, HIST_MIN_MGDL, lo_mgdl, hi_mgdl)


def window_interval(days: Sequence[DayStats]) -> int:
    """The sensor interval most readings in the window were taken at."""
    if not days:
        return 5
    weights: Counter[int] = Counter()
    for d in days:
        weights[d.interval_min] += d.n
    return weights.most_common(1)[0][0]


def expected_readings(
    first: dt.date, last: dt.date, tz: str, interval_min: int, now: dt.datetime
) -> float:
    """Readings a sensor would give over the local days first..last (up to ``now``)."""
    start, _ = local_day_bounds(first, tz)
    _, end = local_day_bounds(last, tz)
    end = min(end, now)
    minutes = max(0.0, (end - start).total_seconds() / 60)
    return minutes / interval_min


@dataclass(frozen=True)
class WindowStats:
    reading_count: int
    mean: float | None
    sd: float | None
    cv_pct: float | None
    gmi_pct: float | None
    bands: dict[str, float | None]
    target_pct: float | None
    days_with_data: int
    expected_count: float
    wear_pct: float | None
    sufficient_data: bool
    min_mgdl: float | None
    max_mgdl: float | None


def combine(
    days: Sequence[DayStats], target: tuple[float, float], expected_count: float
) -> WindowStats:
    n = sum(d.n for d in days)
    hist = np.zeros(HIST_BINS, dtype=np.int64)
    for d in days:
        hist += d.hist
    mean, sd = consensus.mean_sd_from_sums(
        n, sum(d.sum_mgdl for d in days), sum(d.sumsq_mgdl for d in days)
    )
    wear = None if expected_count <= 0 else min(100.0, 100.0 * n / expected_count)
    with_data = sum(1 for d in days if d.n > 0)
    return WindowStats(
        reading_count=n,
        mean=mean,
        sd=sd,
        cv_pct=consensus.cv_pct(mean, sd),
        gmi_pct=None if mean is None else consensus.gmi_pct(mean),
        bands=consensus.band_percentages_from_hist(hist, HIST_MIN_MGDL),
        target_pct=pct_between(hist, target[0], target[1]),
        days_with_data=with_data,
        expected_count=expected_count,
        wear_pct=wear,
        sufficient_data=is_sufficient(with_data, wear, MIN_DAYS_FOR_SUFFICIENCY),
        min_mgdl=min((d.min_mgdl for d in days if d.n), default=None),
        max_mgdl=max((d.max_mgdl for d in days if d.n), default=None),
    )


def is_sufficient(days_with_data: int, wear_pct: float | None, days_required: int) -> bool:
    """Enough data for the consensus metrics: data on ``days_required`` days (at most 14) and
    at least 70% sensor wear over them."""
    need = min(days_required, MIN_DAYS_FOR_SUFFICIENCY)
    return days_with_data >= need and wear_pct is not None and wear_pct >= MIN_WEAR_PCT


AGP_BINS = 288
AGP_POOL_BINS = 3  # pool readings within ±15 min of each 5-minute bin
AGP_MIN_READINGS = 5
AGP_PERCENTILES = (5, 25, 50, 75, 95)


def agp_percentiles(minute_of_day: np.ndarray, values: np.ndarray) -> list[dict[str, float | None]]:
    """AGP: percentiles for 288 five-minute bins of the day.

    Each bin pools the readings within ±15 minutes (wrapping at midnight), then the five
    percentile curves are smoothed with a circular [1, 2, 1] / 4 kernel, as the AGP's
    smoothed percentile bands. Bins with fewer than 5 pooled readings are null.
    """
    bins = (minute_of_day // 5).astype(np.int64) % AGP_BINS
    counts = np.bincount(bins, minlength=AGP_BINS)
    width = int(counts.max()) if len(bins) else 0
    raw = np.full((AGP_BINS, len(AGP_PERCENTILES)), np.nan)
    if width:
        # One row per bin, NaN-padded; pooling = stacking the row's ±3 neighbours side by side.
        order = np.argsort(bins, kind="stable")
        sorted_bins = bins[order]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        col = np.arange(len(bins)) - starts[sorted_bins]
        grid = np.full((AGP_BINS, width), np.nan)
        grid[sorted_bins, col] = values[order]
        pooled = np.concatenate(
            [np.roll(grid, -k, axis=0) for k in range(-AGP_POOL_BINS, AGP_POOL_BINS + 1)], axis=1
        )
        n = (~np.isnan(pooled)).sum(axis=1)
        ordered = np.sort(np.where(np.isnan(pooled), np.inf, pooled), axis=1)
        # Linear interpolation between order statistics (numpy's default percentile method).
        for j, q in enumerate(AGP_PERCENTILES):
            pos = q / 100 * np.maximum(n - 1, 0)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
            frac = pos - lo
            a = np.take_along_axis(ordered, lo[:, None], axis=1)[:, 0]
            b = np.take_along_axis(ordered, hi[:, None], axis=1)[:, 0]
            raw[:, j] = np.where(n >= AGP_MIN_READINGS, a + (b - a) * frac, np.nan)
    smooth = 0.25 * np.roll(raw, 1, axis=0) + 0.5 * raw + 0.25 * np.roll(raw, -1, axis=0)
    # Where a neighbour is missing, keep the bin's own value rather than losing it.
    smooth = np.where(np.isnan(smooth), raw, smooth)
    out = []
    for i in range(AGP_BINS):
        row: dict[str, float | None] = {"minute": float(i * 5)}
        for j, p in enumerate(AGP_PERCENTILES):
            v = smooth[i, j]
            row[f"p{p}"] = None if np.isnan(v) else float(v)
        out.append(row)
    return out

"""The consensus CGM metrics, defined once (Battelino et al., Diabetes Care 2019;
Bergenstal et al., Diabetes Care 2018), for raw readings and for the per-day histograms
the dashboard keeps.

The bands and their edges are iglu's (``below_percent``, ``in_range_percent``,
``above_percent``): below 54, 54 to under 70, 70 to 180 inclusive, over 180 to 250
inclusive, over 250 mg/dL. On whole mg/dL values, as CGMs report them and as the
histograms hold them, these are the consensus report's 54–69, 70–180, 181–250.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

BAND_KEYS = ("very_low_pct", "low_pct", "in_range_pct", "high_pct", "very_high_pct")
VERY_LOW_BELOW = 54.0
LOW_BELOW = 70.0
HIGH_ABOVE = 180.0
VERY_HIGH_ABOVE = 250.0

_BANDS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "very_low_pct": lambda v: v < VERY_LOW_BELOW,
    "low_pct": lambda v: (v >= VERY_LOW_BELOW) & (v < LOW_BELOW),
    "in_range_pct": lambda v: (v >= LOW_BELOW) & (v <= HIGH_ABOVE),
    "high_pct": lambda v: (v > HIGH_ABOVE) & (v <= VERY_HIGH_ABOVE),
    "very_high_pct": lambda v: v > VERY_HIGH_ABOVE,
}


def gmi_pct(mean_mgdl: float) -> float:
    """Glucose Management Indicator, % (Bergenstal et al. 2018): 3.31 + 0.02392 × mean."""
    return 3.31 + 0.02392 * mean_mgdl


def ea1c_pct(mean_mgdl: float) -> float:
    """Estimated A1C, % (Nathan et al. 2008): (46.7 + mean) / 28.7."""
    return (46.7 + mean_mgdl) / 28.7


def cv_pct(mean_mgdl: float | None, sd_mgdl: float | None) -> float | None:
    """Coefficient of variation, %: 100 × SD / mean (target ≤ 36%)."""
    if mean_mgdl is None or sd_mgdl is None or not mean_mgdl:
        return None
    return 100.0 * sd_mgdl / mean_mgdl


def mean_sd_from_sums(n: int, total: float, sum_sq: float) -> tuple[float | None, float | None]:
    """Mean and sample SD (n − 1, as iglu and Clarity) from count, sum and sum of squares."""
    if n == 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    var = max(0.0, (sum_sq - n * mean * mean) / (n - 1))
    return mean, math.sqrt(var)


def mean_sd(values_mgdl: np.ndarray) -> tuple[float | None, float | None]:
    v = _finite(values_mgdl)
    if v.size == 0:
        return None, None
    return float(v.mean()), (float(v.std(ddof=1)) if v.size >= 2 else None)


def _finite(values_mgdl: np.ndarray) -> np.ndarray:
    arr = np.asarray(values_mgdl, dtype=float)
    return arr[np.isfinite(arr)]


def _weighted_pct(mask: np.ndarray, weights: np.ndarray) -> float | None:
    total = float(weights.sum())
    if total <= 0:
        return None
    return 100.0 * float(weights[mask].sum()) / total


def band_percentages(values_mgdl: np.ndarray) -> dict[str, float | None]:
    """Percent of readings in each consensus band."""
    v = _finite(values_mgdl)
    ones = np.ones(v.size)
    return {k: _weighted_pct(rule(v), ones) for k, rule in _BANDS.items()}


@lru_cache(maxsize=8)
def _band_matrix(size: int, min_mgdl: int) -> np.ndarray:
    """One row per band: which whole-mg/dL bins it holds (the same rules as for readings)."""
    values = min_mgdl + np.arange(size, dtype=float)
    matrix = np.stack([rule(values) for rule in _BANDS.values()]).astype(np.int64)
    matrix.flags.writeable = False
    return matrix


def band_percentages_from_hist(hist: np.ndarray, min_mgdl: int) -> dict[str, float | None]:
    """The same bands from a histogram with one bin per whole mg/dL from ``min_mgdl``."""
    total = int(hist.sum())
    if total <= 0:
        return dict.fromkeys(_BANDS)
    counts = _band_matrix(hist.size, min_mgdl) @ np.asarray(hist, dtype=np.int64)
    return {k: 100.0 * int(c) / total for k, c in zip(_BANDS, counts, strict=True)}


def pct_between(values_mgdl: np.ndarray, lo: float | None, hi: float | None) -> float | None:
    """Percent of readings with lo ≤ value ≤ hi (None = unbounded), e.g. a target range."""
    v = _finite(values_mgdl)
    mask = np.ones(v.size, dtype=bool)
    if lo is not None:
        mask &= v >= lo
    if hi is not None:
        mask &= v <= hi
    return _weighted_pct(mask, np.ones(v.size))


def pct_between_from_hist(
    hist: np.ndarray, min_mgdl: int, lo: float | None, hi: float | None
) -> float | None:
    """:func:`pct_between` on a whole-mg/dL histogram; the bounds are rounded to whole
    mg/dL too, so a target entered in mmol/L (3.9 → 70.27) means the bin it names (70)."""
    total = int(hist.sum())
    if total <= 0:
        return None
    first = 0 if lo is None else max(0, round(lo) - min_mgdl)
    last = hist.size - 1 if hi is None else min(hist.size - 1, round(hi) - min_mgdl)
    return 0.0 if last < first else 100.0 * int(hist[first : last + 1].sum()) / total

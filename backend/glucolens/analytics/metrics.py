"""Consensus CGM metrics and iglu-compatible glycaemic variability indices.

Gap policy (applies to every function that works on a time grid: MAGE, CONGA, MODD,
MAG, AUC): readings are placed on a regular grid of ``interval_min`` minutes and
linearly interpolated only across gaps of at most ``max_gap_min`` (15) minutes. Larger
gaps stay missing and are never bridged; a statistic that needs a pair of points skips
pairs with a missing member. Summary statistics (mean, SD, CV, bands, LBGI, HBGI,
ADRR, GRADE, J-index) use the readings as measured, without interpolation.

Formulas follow the consensus report (Battelino et al., Diabetes Care 2019) and the
iglu R package (Broll et al., PLoS ONE 2021; https://irinagain.github.io/iglu/).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable

MAX_GAP_MIN = 15


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
    """Readings on a regular ``interval_min`` grid.

    Each reading is snapped to the nearest grid point (duplicates are averaged). Grid
    points inside a gap of at most ``max_gap_min`` minutes between two readings are
    linearly interpolated; points inside longer gaps are NaN, never filled.
    """
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


def _risk(values_mgdl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kovatchev low/high risk per reading: f = 1.509 (ln(BG)^1.084 - 5.381), risk 10 f^2."""
    bg = np.clip(np.asarray(values_mgdl, dtype=float), 1.0, None)
    f = 1.509 * (np.log(bg) ** 1.084 - 5.381)
    risk = 10.0 * f**2
    return np.where(f < 0, risk, 0.0), np.where(f > 0, risk, 0.0)


def _finite(values_mgdl: np.ndarray) -> np.ndarray:
    arr = np.asarray(values_mgdl, dtype=float)
    return arr[np.isfinite(arr)]


def lbgi(values_mgdl: np.ndarray) -> float:
    """Low Blood Glucose Index: mean low-risk over all readings (Kovatchev 2006)."""
    v = _finite(values_mgdl)
    return float(np.mean(_risk(v)[0])) if v.size else math.nan


def hbgi(values_mgdl: np.ndarray) -> float:
    """High Blood Glucose Index: mean high-risk over all readings."""
    v = _finite(values_mgdl)
    return float(np.mean(_risk(v)[1])) if v.size else math.nan


def _local_days(times: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(times).tz_convert(tz).tz_localize(None).normalize()


def adrr(times: pd.DatetimeIndex, values_mgdl: np.ndarray, *, tz: str = "UTC") -> float:
    """Average Daily Risk Range: mean over local days of (max low-risk + max high-risk)."""
    series = _as_series(times, values_mgdl)
    if series.empty:
        return math.nan
    low, high = _risk(series.to_numpy())
    days = _local_days(series.index, tz)
    frame = pd.DataFrame({"low": low, "high": high, "day": days})
    daily = frame.groupby("day").max()
    return float((daily["low"] + daily["high"]).mean())


def j_index(values_mgdl: np.ndarray) -> float:
    """J-index = 0.001 (mean + SD)^2 in mg/dL (Wojcicki 1995); SD with n - 1."""
    v = _finite(values_mgdl)
    if v.size < 2:
        return math.nan
    return float(0.001 * (v.mean() + v.std(ddof=1)) ** 2)


def grade(values_mgdl: np.ndarray) -> float:
    """GRADE = mean of 425 (log10(log10(BG_mmol)) + 0.16)^2, each term capped at 50
    (Hill 2007, as in iglu ``grade``); BG_mmol = mg/dL / 18."""
    v = _finite(values_mgdl)
    if v.size == 0:
        return math.nan
    mmol = np.clip(v / 18.0, 1.0 + 1e-9, None)
    score = 425.0 * (np.log10(np.log10(mmol)) + 0.16) ** 2
    return float(np.mean(np.minimum(score, 50.0)))


def conga(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    hours: float = 1.0,
    interval_min: int = 5,
) -> float:
    """CONGA(n): SD (n - 1) of the differences between each grid value and the value
    ``hours`` earlier (McDonnell 2005). Pairs touching an uninterpolated gap are skipped."""
    grid = regular_grid(times, values_mgdl, interval_min=interval_min)
    steps = round(hours * 60 / interval_min)
    if len(grid) <= steps:
        return math.nan
    diffs = grid.diff(steps).dropna().to_numpy()
    return float(np.std(diffs, ddof=1)) if diffs.size >= 2 else math.nan


def modd(times: pd.DatetimeIndex, values_mgdl: np.ndarray, *, interval_min: int = 5) -> float:
    """Mean Of Daily Differences: mean |g(t) - g(t - 24 h)| over grid pairs (Molnar 1972)."""
    grid = regular_grid(times, values_mgdl, interval_min=interval_min)
    steps = round(24 * 60 / interval_min)
    if len(grid) <= steps:
        return math.nan
    diffs = grid.diff(steps).dropna().to_numpy()
    return float(np.mean(np.abs(diffs))) if diffs.size else math.nan


def mag(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    n_min: int = 60,
    interval_min: int = 5,
) -> float:
    """Mean Absolute Glucose change per hour (Hermanides 2010; iglu ``mag``, n = 60):
    the grid is sampled every ``n_min`` minutes and the sum of |changes| is divided by
    the hours those changes span. Pairs across a missing point are skipped."""
    grid = regular_grid(times, values_mgdl, interval_min=interval_min)
    if grid.empty:
        return math.nan
    origin = grid.index[0]
    sampled = grid[((grid.index - origin) % pd.Timedelta(minutes=n_min)) == pd.Timedelta(0)]
    diffs = sampled.diff().dropna().to_numpy()
    if diffs.size == 0:
        return math.nan
    return float(np.sum(np.abs(diffs)) / (diffs.size * n_min / 60.0))


def auc_daily(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    tz: str = "UTC",
    interval_min: int = 5,
) -> dict[str, float]:
    """Hourly-average AUC per local day (iglu ``auc``): trapezoid area over the grid
    pairs of the day divided by the hours they cover, in mg/dL."""
    grid = regular_grid(times, values_mgdl, interval_min=interval_min)
    if len(grid) < 2:
        return {}
    values = grid.to_numpy()
    area = (values[1:] + values[:-1]) / 2.0 * (interval_min / 60.0)
    valid = np.isfinite(area)
    days = _local_days(grid.index[:-1], tz)
    frame = pd.DataFrame({"area": np.where(valid, area, 0.0), "hours": valid * interval_min / 60})
    per_day = frame.groupby(days).sum()
    per_day = per_day[per_day["hours"] > 0]
    return {d.date().isoformat(): float(a / h) for d, a, h in per_day.itertuples()}


def auc(
    times: pd.DatetimeIndex, values_mgdl: np.ndarray, *, tz: str = "UTC", interval_min: int = 5
) -> float:
    """Mean over days of :func:`auc_daily`."""
    per_day = auc_daily(times, values_mgdl, tz=tz, interval_min=interval_min)
    return float(np.mean(list(per_day.values()))) if per_day else math.nan


def _mage_segment(values: np.ndarray, sd: float, short_ma: int, long_ma: int) -> list[tuple]:
    """Excursions (amplitude, is_rise) in one gap-free run of grid values."""
    series = pd.Series(values)
    delta = (
        series.rolling(short_ma, min_periods=1).mean()
        - series.rolling(long_ma, min_periods=1).mean()
    ).to_numpy()
    sign = np.sign(delta)
    # Ties (delta == 0) keep the previous side so that they do not count as crossings.
    sign = pd.Series(np.where(sign == 0, np.nan, sign)).ffill().bfill().fillna(1).to_numpy()
    crossings = np.flatnonzero(np.diff(sign) != 0) + 1
    bounds = np.concatenate(([0], crossings, [len(values)]))
    turning: list[float] = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        chunk = values[start:stop]
        turning.append(float(chunk.max() if sign[start] > 0 else chunk.min()))
    excursions = []
    for a, b in zip(turning[:-1], turning[1:], strict=True):
        if abs(b - a) > sd:
            excursions.append((abs(b - a), b > a))
    return excursions


def mage(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    short_ma: int = 5,
    long_ma: int = 32,
    direction: str = "avg",
    interval_min: int = 5,
) -> float:
    """Mean Amplitude of Glycaemic Excursions, moving-average algorithm (Fernandes et
    al. 2022, iglu ``mage(method="ma")``), simplified as documented in docs/analytics.md.

    On each gap-free run of the grid, the crossings of the short (5-point) and long
    (32-point) trailing moving averages split the trace into intervals; each interval
    contributes its maximum (short MA above long MA) or minimum (below). Differences
    between consecutive turning points larger than one SD of all readings are
    excursions. ``direction``: "plus" (rises), "minus" (falls) or "avg" (mean of both).
    Runs are weighted by their length. Original Service (1970) MAGE is not used.
    """
    raw = _finite(values_mgdl)
    if raw.size < long_ma:
        return math.nan
    sd = float(np.std(raw, ddof=1))
    grid = regular_grid(times, values_mgdl, interval_min=interval_min)
    values = grid.to_numpy()
    run_id = np.cumsum(np.isnan(values))
    results: list[tuple[float, int]] = []
    for _, idx in pd.Series(np.arange(len(values))[~np.isnan(values)]).groupby(
        run_id[~np.isnan(values)]
    ):
        run = values[idx.to_numpy()]
        if run.size < long_ma:
            continue
        excursions = _mage_segment(run, sd, short_ma, long_ma)
        rises = [a for a, up in excursions if up]
        falls = [a for a, up in excursions if not up]
        if direction == "plus":
            picked = [float(np.mean(rises))] if rises else []
        elif direction == "minus":
            picked = [float(np.mean(falls))] if falls else []
        else:
            picked = [float(np.mean(x)) for x in (rises, falls) if x]
        if picked:
            results.append((float(np.mean(picked)), run.size))
    if not results:
        return math.nan
    weights = np.array([w for _, w in results], dtype=float)
    return float(np.average([m for m, _ in results], weights=weights))


@dataclass
class GlucoseMetrics:
    reading_count: int
    mean: float
    sd: float
    cv_pct: float
    gmi_pct: float
    wear_pct: float
    target_pct: float
    bands: dict[str, float]
    variability: dict[str, float]
    auc_per_day: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return clean_json(asdict(self), ndigits=2)


def band_percentages(values_mgdl: np.ndarray) -> dict[str, float]:
    """Percent of readings in the consensus bands (<54, 54-69, 70-180, 181-250, >250)."""
    v = _finite(values_mgdl)
    if v.size == 0:
        return {k: math.nan for k in ("below_54", "54_69", "70_180", "181_250", "above_250")}
    edges = {
        "below_54": v < 54,
        "54_69": (v >= 54) & (v < 70),
        "70_180": (v >= 70) & (v <= 180),
        "181_250": (v > 180) & (v <= 250),
        "above_250": v > 250,
    }
    return {k: float(100.0 * m.mean()) for k, m in edges.items()}


def compute_metrics(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    interval_min: int = 5,
    target_low: float = 70,
    target_high: float = 180,
    tz: str = "UTC",
) -> GlucoseMetrics:
    """All summary and variability metrics for one glucose trace.

    ``times`` must be tz-aware. Grid-based indices interpolate only across gaps of at
    most 15 minutes, never across longer ones (see the module docstring).
    """
    index = pd.DatetimeIndex(times)
    if index.tz is None:
        raise ValueError("times must be timezone-aware (UTC)")
    series = _as_series(index, values_mgdl)
    v = series.to_numpy()
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    sd = float(v.std(ddof=1)) if n >= 2 else math.nan
    if n >= 2:
        span_min = (series.index[-1] - series.index[0]).total_seconds() / 60
        expected = span_min / interval_min + 1
        wear = min(100.0, 100.0 * n / expected)
    else:
        wear = 100.0 if n == 1 else math.nan
    t, vals = series.index, v
    variability = {
        "mage": mage(t, vals, interval_min=interval_min),
        "conga_1h": conga(t, vals, hours=1, interval_min=interval_min),
        "modd": modd(t, vals, interval_min=interval_min),
        "lbgi": lbgi(vals),
        "hbgi": hbgi(vals),
        "adrr": adrr(t, vals, tz=tz),
        "j_index": j_index(vals),
        "grade": grade(vals),
        "mag": mag(t, vals, interval_min=interval_min),
        "auc_hourly": auc(t, vals, tz=tz, interval_min=interval_min),
    }
    in_target = float(100 * np.mean((v >= target_low) & (v <= target_high))) if n else math.nan
    return GlucoseMetrics(
        reading_count=n,
        mean=mean,
        sd=sd,
        cv_pct=100.0 * sd / mean if n >= 2 and mean else math.nan,
        gmi_pct=3.31 + 0.02392 * mean,
        wear_pct=wear,
        target_pct=in_target,
        bands=band_percentages(v),
        variability=variability,
        auc_per_day=auc_daily(t, vals, tz=tz, interval_min=interval_min),
    )

"""Recurring glucose patterns (motifs) and anomalies (discords) with the matrix profile.

The series is first put on a 5-minute grid (gaps of up to 15 minutes interpolated,
longer gaps left NaN). STUMPY treats every subsequence that contains a NaN as
non-matchable: its matrix-profile value is ``inf`` and it is never anyone's nearest
neighbour, so a gap can never be reported as a motif or a discord.

STUMPY (and numba) are imported lazily so that importing this module stays cheap, and
numba's on-disk cache is switched on for STUMPY's compiled functions: the first call in a
fresh install compiles for tens of seconds, later processes load the machine code in
well under a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import math
import threading
import warnings
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from glucolens.analytics.metrics import regular_grid

if TYPE_CHECKING:
    from glucolens.analytics.streaming import IncrementalProfile

__all__ = [
    "Anomaly",
    "IncrementalProfile",
    "Motif",
    "PatternReport",
    "WindowPatterns",
    "circular_mean_hour",
    "find_discords",
    "find_motifs",
    "label_shape",
    "pattern_report",
    "regularize",
    "to_jsonable",
]

INTERVAL_MIN = 5
MAX_INTERP_GAP_MIN = 15
WINDOW_3H = 36
WINDOW_24H = 288
MIN_DAYS_FOR_24H = 3
MIN_MOTIF_SD_MGDL = 10.0
# Windows quieter than this are "flat": z-normalising them would magnify sensor noise
# into unique-looking shapes (false discords). STUMPY matches flat windows to each
# other at distance 0 and to any other window at sqrt(m).
FLAT_SD_MGDL = 8.0
# An occurrence of a motif must have an SD within this factor of the seed's: glucose
# amplitude matters clinically, and z-normalised matching alone would list a 15 mg/dL
# wobble as an occurrence of a 100 mg/dL post-meal spike.
AMPLITUDE_RATIO = 1.5


# Guards STUMPY's global exclusion-zone setting (see ``_stump_non_overlapping``); every
# other STUMPY call that reads it (``stump`` and ``stumpi`` set-up) takes the lock too.
_CONFIG_LOCK = threading.RLock()


@functools.cache
def _stumpy() -> Any:
    import stumpy
    from stumpy import cache

    for module, name in cache.get_njit_funcs():
        func = getattr(importlib.import_module(f"stumpy.{module}"), name, None)
        if func is not None and hasattr(func, "enable_caching"):
            func.enable_caching()
    return stumpy


def to_jsonable(obj: Any) -> Any:
    """``obj`` with NaN/inf as ``None``, numpy scalars as Python ones and datetimes as
    ISO-8601 UTC strings ending in ``Z``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dt.datetime):
        ts = pd.Timestamp(obj)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    return obj


def regularize(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    interval_min: int = INTERVAL_MIN,
    max_interp_gap_min: int = MAX_INTERP_GAP_MIN,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Readings on a regular UTC grid; only gaps of ``max_interp_gap_min`` or less are
    interpolated (the gap policy shared with ``metrics.regular_grid``)."""
    idx = pd.DatetimeIndex(times)
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    grid = regular_grid(
        idx,
        np.asarray(values, dtype=float),
        interval_min=interval_min,
        max_gap_min=max_interp_gap_min,
    )
    return pd.DatetimeIndex(grid.index), grid.to_numpy(dtype=float)


@dataclass
class Motif:
    id: int
    window_minutes: int
    occurrences: list[dt.datetime]
    mean_shape: list[float]
    typical_hour: float
    label: str
    distance: float
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class Anomaly:
    start: dt.datetime
    end: dt.datetime
    window_minutes: int
    score: float
    z_score: float
    shape: list[float]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class WindowPatterns:
    window_minutes: int
    status: str
    reason: str | None = None
    motifs: list[Motif] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class PatternReport:
    status: str
    reason: str | None
    tz: str
    windows: list[WindowPatterns]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class _Profile:
    grid: pd.DatetimeIndex
    series: np.ndarray
    window: int
    mp: np.ndarray  # z-normalised matrix profile, inf where the window holds a NaN
    neighbours: np.ndarray  # nearest-neighbour index, -1 where none
    amp_mp: np.ndarray  # non-normalised (mg/dL Euclidean) matrix profile, inf at NaN


def _compute_profile(times: pd.DatetimeIndex, values: np.ndarray, window: int) -> _Profile:
    grid, series = regularize(times, values)
    if _matchable_windows(series, window) < 2:
        raise ValueError("fewer than two complete windows of data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 1/σ of NaN windows
        with _CONFIG_LOCK:
            out = _stumpy().stump(series, window, T_A_subseq_isconstant=_is_flat)
        amp = _stump_non_overlapping(series, window)
    mp = out[:, 0].astype(float)
    amp_mp = amp[:, 0].astype(float)
    amp_mp[~np.isfinite(mp)] = np.inf
    return _Profile(grid, series, window, mp, out[:, 1].astype(np.int64), amp_mp)


def _stump_non_overlapping(series: np.ndarray, window: int) -> np.ndarray:
    """Non-normalised matrix profile whose neighbours never overlap the window (the
    discord definition of Keogh et al. 2005). With STUMPY's default exclusion zone of
    ``window / 4``, a window inside a long flat low matches itself shifted by a quarter
    window and is never reported. STUMPY reads the exclusion zone from its global
    config at call time, so the change is made under a lock and undone at once."""
    stumpy = _stumpy()
    with _CONFIG_LOCK:
        saved = stumpy.config.STUMPY_EXCL_ZONE_DENOM
        stumpy.config.STUMPY_EXCL_ZONE_DENOM = 1
        try:
            # An integer p makes numba compile ``x ** 2`` as a multiply: 3x faster
            # than STUMPY's default float p=2.0, same distances.
            return np.asarray(stumpy.stump(series, window, normalize=False, p=2))
        finally:
            stumpy.config.STUMPY_EXCL_ZONE_DENOM = saved


def _is_flat(a: np.ndarray, w: int) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(a, dtype=float), w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = windows.std(axis=1)
    return np.isfinite(sd) & (sd < FLAT_SD_MGDL)


def _matchable_windows(series: np.ndarray, window: int) -> int:
    """Number of non-overlapping windows without a NaN (an upper bound on occurrences)."""
    if len(series) < window:
        return 0
    finite = np.isfinite(series).astype(np.int64)
    full = np.convolve(finite, np.ones(window, dtype=np.int64), "valid") == window
    count, i = 0, 0
    while i < len(full):
        if full[i]:
            count += 1
            i += window
        else:
            i += 1
    return count


def _local_hours(starts: pd.DatetimeIndex, tz: str) -> np.ndarray:
    local = starts.tz_convert(tz)
    return np.asarray(local.hour + local.minute / 60.0, dtype=float)


def circular_mean_hour(hours: np.ndarray) -> float:
    """Mean clock hour on the 24-hour circle (23:00 and 01:00 average to 00:00)."""
    angles = np.asarray(hours, dtype=float) * 2 * np.pi / 24
    mean = math.atan2(np.sin(angles).mean(), np.cos(angles).mean())
    return round((mean * 24 / (2 * np.pi)) % 24, 2)


def _is_spike(shape: np.ndarray, rise_mgdl: float = 50.0, within_points: int = 24) -> bool:
    """A rise of ``rise_mgdl`` within ``within_points`` (2 h) followed by a fall of at
    least half of that rise."""
    n = len(shape)
    for i in range(n):
        stop = min(n, i + within_points + 1)
        j = i + int(np.argmax(shape[i:stop]))
        rise = shape[j] - shape[i]
        if rise >= rise_mgdl and j < n - 1 and shape[j] - shape[j + 1 :].min() >= rise / 2:
            return True
    return False


def label_shape(shape: np.ndarray, start_hour_local: float, interval_min: int = 5) -> str:
    """Rule-based label of a mean motif shape (mg/dL) starting at a local clock hour."""
    shape = np.asarray(shape, dtype=float)
    clock = (start_hour_local + np.arange(len(shape)) * interval_min / 60.0) % 24
    night = clock < 6
    if np.any(night & (shape < 70)):
        return "nocturnal low"
    if _is_spike(shape):
        return "post-meal spike"
    dawn = (clock >= 3) & (clock <= 8)
    if dawn.sum() >= 2:
        seg = shape[dawn]
        if np.max(seg - np.minimum.accumulate(seg)) >= 20:
            return "dawn phenomenon"
    return "recurring pattern"


def _occurrences(
    profile: _Profile, seed: int, max_occurrences: int, spread: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows within STUMPY's default match radius of ``seed`` whose
    SD is within a factor ``AMPLITUDE_RATIO`` of the seed's, closest first (the seed
    itself included), and the mask of every window within the radius (the shape family,
    whatever its amplitude)."""
    m, series = profile.window, profile.series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dist = _stumpy().mass(
            series[seed : seed + m], series, T_subseq_isconstant=_is_flat(series, m)
        )
    dist = np.asarray(dist, dtype=float)
    dist[~np.isfinite(profile.mp)] = np.inf
    finite = dist[np.isfinite(dist)]
    radius = max(float(finite.mean() - 2 * finite.std()), float(profile.mp[seed])) + 1e-8
    family = dist <= radius
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = spread / spread[seed]
    alike = family & (ratio >= 1 / AMPLITUDE_RATIO) & (ratio <= AMPLITUDE_RATIO)
    alike[seed] = True
    chosen: list[int] = []
    for j in np.argsort(np.where(alike, dist, np.inf), kind="stable"):
        if not alike[j] or len(chosen) == max_occurrences:
            break
        if all(abs(int(j) - c) >= m for c in chosen):
            chosen.append(int(j))
    return np.sort(np.asarray(chosen, dtype=np.int64)), family


def _motifs_from(profile: _Profile, k: int, tz: str, max_occurrences: int) -> list[Motif]:
    """Greedy top-k: the window with the smallest matrix-profile value seeds a motif,
    its matches of similar amplitude are collected, and every window overlapping the
    seed's shape family (all windows within the match radius) is excluded from seeding
    later motifs, so that motifs are distinct shapes rather than copies of one."""
    m = profile.window
    candidates = profile.mp.copy()
    # z-normalisation makes a 5 mg/dL wobble look like a 100 mg/dL spike; a seed must
    # have a shape one can see on a chart.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanstd(np.lib.stride_tricks.sliding_window_view(profile.series, m), axis=1)
    candidates[~(spread >= MIN_MOTIF_SD_MGDL)] = np.inf
    max_dist = 2 * math.sqrt(m)  # largest z-normalised Euclidean distance
    motifs: list[Motif] = []
    while len(motifs) < k:
        seed = int(np.argmin(candidates))
        if not np.isfinite(candidates[seed]):
            break
        starts, family = _occurrences(profile, seed, max_occurrences, spread)
        # The whole shape family leaves the seed pool, not just the reported
        # occurrences: otherwise 90 meals in 30 days come back as nine copies of one
        # "post-meal" motif of 10 occurrences each and crowd out every other shape.
        excluded = np.convolve(family.astype(np.int64), np.ones(2 * m - 1, np.int64), "same") > 0
        candidates[excluded[: len(candidates)]] = np.inf
        for s in (seed, *starts):
            candidates[max(0, s - m + 1) : s + m] = np.inf
        if len(starts) < 2:
            continue
        shapes = np.stack([profile.series[s : s + m] for s in starts])
        mean_shape = shapes.mean(axis=0)
        start_times = profile.grid[starts]
        hour = circular_mean_hour(_local_hours(start_times, tz))
        nn_dist = float(profile.mp[seed])
        motifs.append(
            Motif(
                id=len(motifs) + 1,
                window_minutes=m * INTERVAL_MIN,
                occurrences=[t.to_pydatetime() for t in start_times],
                mean_shape=[round(float(v), 1) for v in mean_shape],
                typical_hour=hour,
                label=label_shape(mean_shape, hour),
                distance=round(nn_dist, 4),
                similarity=round(max(0.0, 1 - nn_dist / max_dist), 4),
            )
        )
    return motifs


def _anomaly_scores(profile: _Profile) -> np.ndarray:
    """Per window, the larger of its z-normalised and its non-normalised (mg/dL)
    nearest-neighbour distance, each in units of that profile's median (1 = as unusual
    as the typical window). The shape view finds odd shapes such as sensor oscillation;
    the mg/dL view finds windows whose level or size nothing else matches, such as a
    flat compression low at 40-50 mg/dL, which z-normalisation declares "flat" and
    matches to every quiet night."""
    scores = []
    for mp in (profile.mp, profile.amp_mp):
        finite = np.isfinite(mp)
        median = float(np.median(mp[finite])) if finite.any() else 0.0
        scores.append(mp / median if median > 0 else np.where(finite, 0.0, np.inf))
    out = np.maximum(scores[0], scores[1])
    out[~(np.isfinite(profile.mp) & np.isfinite(profile.amp_mp))] = np.inf
    return out


def _discords_from(profile: _Profile, k: int) -> list[Anomaly]:
    m = profile.window
    mp = _anomaly_scores(profile)
    finite = np.isfinite(mp)
    if not finite.any():
        return []
    mean, sd = float(mp[finite].mean()), float(mp[finite].std())
    mp[~finite] = -np.inf
    out: list[Anomaly] = []
    while len(out) < k:
        i = int(np.argmax(mp))
        if not np.isfinite(mp[i]):
            break
        start = profile.grid[i]
        out.append(
            Anomaly(
                start=start.to_pydatetime(),
                end=(start + pd.Timedelta(minutes=m * INTERVAL_MIN)).to_pydatetime(),
                window_minutes=m * INTERVAL_MIN,
                score=round(float(mp[i]), 4),
                z_score=round((float(mp[i]) - mean) / sd, 3) if sd > 0 else 0.0,
                shape=[round(float(v), 1) for v in profile.series[i : i + m]],
            )
        )
        # Discords do not overlap each other.
        mp[max(0, i - m + 1) : i + m] = -np.inf
    return out


def find_motifs(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    window_points: int,
    k: int = 3,
    tz: str = "UTC",
    max_occurrences: int = 10,
) -> list[Motif]:
    """Top ``k`` recurring shapes of ``window_points`` 5-minute points (z-normalised
    matching), each with up to ``max_occurrences`` non-overlapping occurrences.

    A match is a window within ``max(mean - 2·sd of the seed's distance profile, the
    seed's nearest-neighbour distance)``, the default radius of ``stumpy.motifs``."""
    return _motifs_from(_compute_profile(times, values, window_points), k, tz, max_occurrences)


def find_discords(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    window_points: int,
    k: int = 5,
    tz: str = "UTC",
) -> list[Anomaly]:
    """The ``k`` windows least like any other window: largest of the z-normalised and
    the non-normalised (mg/dL, non-overlapping neighbour) profile, each in units of its
    median. ``score`` is that unitless ratio, ``z_score`` its z against all windows.

    ``tz`` is accepted for symmetry with ``find_motifs``; anomalies are reported in UTC.
    """
    return _discords_from(_compute_profile(times, values, window_points), k)


def _min_points(window: int) -> int:
    if window >= WINDOW_24H:
        return MIN_DAYS_FOR_24H * 24 * 60 // INTERVAL_MIN
    return 2 * window


def pattern_report(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    tz: str = "UTC",
    windows: tuple[int, ...] = (WINDOW_3H, WINDOW_24H),
    k_motifs: int = 3,
    k_anomalies: int = 5,
) -> PatternReport:
    """Motifs and anomalies at each window (3 h and 24 h by default).

    A window without enough data (fewer than 3 days of readings for 24 h, fewer than
    two complete windows otherwise) gets ``status='insufficient_data'`` and a reason;
    nothing raises for short or gappy input.
    """
    grid, series = regularize(times, values) if len(times) else (pd.DatetimeIndex([]), [])
    series = np.asarray(series, dtype=float)
    n_finite = int(np.isfinite(series).sum())
    results: list[WindowPatterns] = []
    for w in windows:
        minutes = w * INTERVAL_MIN
        need = _min_points(w)
        if n_finite < need or _matchable_windows(series, w) < 2:
            reason = (
                f"{minutes}-minute patterns need at least {need} readings on the 5-minute"
                f" grid and two complete windows; got {n_finite} readings"
            )
            results.append(WindowPatterns(minutes, "insufficient_data", reason))
            continue
        profile = _compute_profile(grid, series, w)
        results.append(
            WindowPatterns(
                minutes,
                "ok",
                None,
                _motifs_from(profile, k_motifs, tz, 10),
                _discords_from(profile, k_anomalies),
            )
        )
    n_ok = sum(r.status == "ok" for r in results)
    if n_ok == len(results):
        return PatternReport("ok", None, tz, results)
    if n_ok == 0:
        return PatternReport("insufficient_data", "not enough data for any window", tz, results)
    return PatternReport("partial", "not enough data for some windows", tz, results)


def __getattr__(name: str) -> Any:
    # ``IncrementalProfile`` lives in ``streaming.py`` and is re-exported lazily, because
    # ``streaming`` imports this module.
    if name == "IncrementalProfile":
        from glucolens.analytics.streaming import IncrementalProfile

        return IncrementalProfile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

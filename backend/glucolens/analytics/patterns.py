"""Recurring glucose patterns (motifs) and anomalies (discords) with the matrix profile.

The public entry points live here; the work is split by responsibility:

- ``profile.py``: the 5-minute grid, the flat-window rule and the batch profiles;
- ``motifs.py``: motif families and their ranking (``motif_events.py``: event-aligned
  candidates; ``motif_score.py``: clinical reading and score parts; ``motif_labels.py``:
  labels by shape and local time of day);
- this module: discords (anomalies) and ``pattern_report``;
- ``streaming.py``: ``IncrementalProfile`` over ``stumpy.stumpi`` and its novelty score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable
from glucolens.analytics.motif_labels import circular_mean_hour, label_shape
from glucolens.analytics.motifs import (
    AMPLITUDE_RATIO,
    MAX_CANDIDATES,
    MIN_MOTIF_SD_MGDL,
    Motif,
    _motifs_from,
    find_motifs,
)
from glucolens.analytics.profile import (
    _CONFIG_LOCK,
    FLAT_SD_MGDL,
    INTERVAL_MIN,
    MAX_INTERP_GAP_MIN,
    MIN_DAYS_FOR_24H,
    WINDOW_3H,
    WINDOW_24H,
    _compute_profile,
    _is_flat,
    _matchable_windows,
    _Profile,
    _stump_non_overlapping,
    _stumpy,
    regularize,
)
from glucolens.analytics.streaming import IncrementalProfile

__all__ = [
    "AMPLITUDE_RATIO",
    "FLAT_SD_MGDL",
    "INTERVAL_MIN",
    "MAX_CANDIDATES",
    "MAX_INTERP_GAP_MIN",
    "MIN_DAYS_FOR_24H",
    "MIN_MOTIF_SD_MGDL",
    "WINDOW_24H",
    "WINDOW_3H",
    "_CONFIG_LOCK",
    "Anomaly",
    "IncrementalProfile",
    "Motif",
    "PatternReport",
    "WindowPatterns",
    "_compute_profile",
    "_is_flat",
    "_stump_non_overlapping",
    "_stumpy",
    "circular_mean_hour",
    "find_discords",
    "find_motifs",
    "label_shape",
    "pattern_report",
    "regularize",
    "to_jsonable",
]


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


def warm_up(days: int = 4) -> float:
    """Compile (or load from numba's cache) every STUMPY function the insight job calls,
    on a small synthetic trace with the job's array types: both batch profiles, the motif
    distance profiles, ``stumpi`` set-up and its update. Returns the seconds it took.

    numba compiles once per argument-type signature, so any float64 series of this shape
    leaves the real calls nothing to compile."""
    import time

    from glucolens.analytics.streaming import update_novelty

    started = time.perf_counter()
    n = days * 24 * 60 // INTERVAL_MIN
    t = np.arange(n)
    rng = np.random.default_rng(0)
    values = 140 + 40 * np.sin(2 * np.pi * t / WINDOW_24H) + rng.normal(0, 10, n)
    times = pd.date_range("2024-01-01", periods=n, freq=f"{INTERVAL_MIN}min", tz="UTC")
    pattern_report(times, values)
    _, state = update_novelty(None, times[:-2], values[:-2], history_points=n)
    update_novelty(state, times, values, history_points=n)
    return time.perf_counter() - started

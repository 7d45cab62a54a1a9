"""The matrix-profile core shared by motifs, discords and streaming: the 5-minute grid,
the flat-window rule, STUMPY's lazy import and the two batch profiles.

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

import functools
import importlib
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.metrics import regular_grid

INTERVAL_MIN = 5
MAX_INTERP_GAP_MIN = 15
WINDOW_3H = 36
WINDOW_24H = 288
MIN_DAYS_FOR_24H = 3
# Windows quieter than this are "flat": z-normalising them would magnify sensor noise
# into unique-looking shapes (false discords). STUMPY matches flat windows to each
# other at distance 0 and to any other window at sqrt(m).
FLAT_SD_MGDL = 8.0

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

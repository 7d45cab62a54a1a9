"""Streaming matrix profile: ``IncrementalProfile`` over ``stumpy.stumpi``.

Re-exported from ``glucolens.analytics.patterns``; shares its grid, gap policy and
flat-window rule.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from glucolens.analytics.patterns import (
    _CONFIG_LOCK,
    INTERVAL_MIN,
    MAX_INTERP_GAP_MIN,
    WINDOW_3H,
    _is_flat,
    _stumpy,
    regularize,
)


class IncrementalProfile:
    """Streaming matrix profile over a sliding history (``stumpy.stumpi``, egress=True).

    Feed one reading per 5-minute slot with ``update(value)``; ``None``/NaN marks a
    missing reading, and every window containing it stays non-matchable (inf). With
    ``update(value, at=timestamp)`` missed slots are filled by the same gap policy as
    ``regularize``: linearly interpolated for gaps of up to 15 minutes, NaN beyond.

    The history keeps its length ``n`` (the oldest point leaves as a new one arrives).
    A window's best match is searched among all windows that were held together with it
    (at most ``n - window`` slots apart), so a match that has since left still counts;
    this is the batch matrix profile with that horizon, and the tests check it against
    a brute-force recomputation. ``left_profile[-1]`` (distance of the newest window to
    its best earlier match) is the real-time novelty score.
    """

    def __init__(
        self,
        times: pd.DatetimeIndex,
        values: np.ndarray,
        window_points: int = WINDOW_3H,
    ) -> None:
        grid, series = regularize(times, values)
        if len(series) <= window_points:
            raise ValueError("history must be longer than one window")
        self.window = window_points
        self.last_time: pd.Timestamp = grid[-1]
        self._last_value = float(series[-1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with _CONFIG_LOCK:
                self._stream = _stumpy().stumpi(
                    series, window_points, egress=True, T_subseq_isconstant_func=_is_flat
                )

    def update(self, value: float | None, at: dt.datetime | None = None) -> None:
        value = np.nan if value is None else float(value)
        step = pd.Timedelta(minutes=INTERVAL_MIN)
        missed = 0
        if at is not None:
            ts = pd.Timestamp(at)
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            slots = round((ts - self.last_time) / step)
            if slots < 1:
                return  # a duplicate or late reading: the profile only moves forward
            missed = slots - 1
        if missed:
            gap_min = (missed + 1) * INTERVAL_MIN
            bridge = gap_min <= MAX_INTERP_GAP_MIN and np.isfinite([value, self._last_value]).all()
            for j in range(1, missed + 1):
                fill = self._last_value + (value - self._last_value) * j / (missed + 1)
                self._push(fill if bridge else np.nan)
        self._push(value)
        self.last_time = self.last_time + step * (missed + 1)
        self._last_value = value

    def _push(self, value: float) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self._stream.update(value)

    @property
    def profile(self) -> np.ndarray:
        return np.asarray(self._stream.P_, dtype=float)

    @property
    def indices(self) -> np.ndarray:
        return np.asarray(self._stream.I_)

    @property
    def left_profile(self) -> np.ndarray:
        return np.asarray(self._stream.left_P_, dtype=float)

    @property
    def series(self) -> np.ndarray:
        return np.asarray(self._stream.T_, dtype=float)

"""Streaming matrix profile: ``IncrementalProfile`` over ``stumpy.stumpi``.

Re-exported from ``glucolens.analytics.patterns``; shares the grid, gap policy and
flat-window rule of ``profile.py``. ``update_novelty`` keeps the streaming state
between insight runs (as bytes the caller stores) so that new readings only cost
``update`` calls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable
from glucolens.analytics.profile import (
    _CONFIG_LOCK,
    INTERVAL_MIN,
    MAX_INTERP_GAP_MIN,
    WINDOW_3H,
    _is_flat,
    _stumpy,
    regularize,
)

STATE_FORMAT = "glucolens-stumpi-1"
# Novelty is judged against the last 30 days; a state more than a day behind the newest
# reading is rebuilt (a 30-day ``stumpi`` set-up costs about as much as a day of updates).
NOVELTY_HISTORY_POINTS = 30 * 24 * 60 // INTERVAL_MIN
MAX_CATCHUP_POINTS = 24 * 60 // INTERVAL_MIN
NOVELTY_PERCENTILE = 99.0


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """Run numba's parallel loops on this thread alone for one ``stumpi`` update.

    An update standardises a single new window, yet STUMPY does it with a
    ``parallel=True`` loop: every update wakes all of numba's worker threads and waits for
    the slowest. On busy cores that wait dominates (p50 12-19 ms with two threads against
    0.8 ms with one, measured by ``bench/stumpi_latency.py``). ``set_num_threads`` is
    per thread, so the batch profiles of other threads keep every core."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


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
        with warnings.catch_warnings(), _single_thread():
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

    @property
    def _series_with_gaps(self) -> np.ndarray:
        # STUMPY stores a missing slot as 0 beside a finite mask; put the NaN back.
        return np.where(self._stream._T_isfinite, self._stream._T, np.nan)

    def to_bytes(self) -> bytes:
        """The streaming state as an ``.npz`` blob (arrays and numbers only, no pickle):
        every array and scalar attribute of the ``stumpi`` object, plus the version of
        STUMPY that wrote it (a state is only reloaded by the same version)."""
        arrays: dict[str, np.ndarray] = {
            "_format": np.array(STATE_FORMAT),
            "_stumpy_version": np.array(_stumpy().__version__),
            "_window": np.array(self.window),
            "_last_time_ns": np.array(self.last_time.value, dtype=np.int64),
            "_last_value": np.array(self._last_value),
        }
        for name, value in vars(self._stream).items():
            if isinstance(value, np.ndarray | int | float | bool | np.number | np.bool_):
                arrays["s" + name] = np.asarray(value)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> IncrementalProfile:
        """The profile saved by ``to_bytes``; ``ValueError`` if the blob is unreadable or
        was written by another format or STUMPY version."""
        stumpy = _stumpy()
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except Exception as exc:  # noqa: BLE001 - any unreadable blob is "no state"
            raise ValueError(f"unreadable state: {exc}") from exc
        if str(data.get("_format")) != STATE_FORMAT:
            raise ValueError("state format differs")
        if str(data.get("_stumpy_version")) != stumpy.__version__:
            raise ValueError("state written by another STUMPY version")
        # ``stumpy.stumpi`` is a wrapped class (a function with the class underneath).
        stumpi_class = getattr(stumpy.stumpi, "__wrapped__", stumpy.stumpi)
        stream = object.__new__(stumpi_class)
        for key, value in data.items():
            if key.startswith("s_"):
                setattr(stream, key[1:], value.item() if value.ndim == 0 else value.copy())
        stream._T_subseq_isconstant_func = _is_flat
        inc = object.__new__(cls)
        inc.window = int(data["_window"])
        inc.last_time = pd.Timestamp(int(data["_last_time_ns"]), tz="UTC")
        inc._last_value = float(data["_last_value"])
        inc._stream = stream
        return inc


@dataclass
class Novelty:
    """How unlike anything earlier the newest window is, from the streaming profile."""

    window_minutes: int
    start: dt.datetime
    end: dt.datetime
    distance: float  # z-normalised distance to the best earlier match (left profile)
    score: float  # distance / median of the profile (1 = as unusual as a typical window)
    percentile: float  # % of earlier, non-overlapping windows with a smaller profile value
    flagged: bool  # more unusual than NOVELTY_PERCENTILE % of the history's windows
    mode: str  # "incremental" (state reused) or "recomputed"
    recompute_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def _check_state(
    inc: IncrementalProfile,
    grid: pd.DatetimeIndex,
    series: np.ndarray,
    window: int,
    history_points: int,
) -> tuple[str | None, int]:
    """Why the state cannot be continued on this data (``None`` if it can), and the grid
    index of the first reading it has not seen."""
    step = pd.Timedelta(minutes=INTERVAL_MIN)
    held = inc._series_with_gaps
    first = inc.last_time - step * (len(held) - 1)
    if inc.window != window:
        return "window size changed", 0
    if len(grid) == 0 or grid[-1] < inc.last_time:
        return "readings were deleted", 0
    if first < grid[0]:
        return "the stored history reaches before the loaded readings", 0
    i0 = int(round((first - grid[0]) / step))
    current = series[i0 : i0 + len(held)]
    if len(current) != len(held) or not np.allclose(current, held, equal_nan=True, atol=1e-9):
        return "readings in the stored history were edited, added or deleted", 0
    new_from = i0 + len(held)
    if len(held) < history_points and len(series) >= 2 * len(held):
        # The state keeps the length it was built with; a young user's history is
        # rebuilt each time the readings double (so a handful of rebuilds in all).
        return "twice the history the state holds is now available", 0
    if len(grid) - new_from > MAX_CATCHUP_POINTS:
        return "the stored state is too old", 0
    return None, new_from


def update_novelty(
    state: bytes | None,
    times: pd.DatetimeIndex,
    values: np.ndarray,
    window_points: int = WINDOW_3H,
    history_points: int = NOVELTY_HISTORY_POINTS,
) -> tuple[Novelty | None, bytes | None]:
    """Novelty of the newest window, continuing the saved streaming ``state`` when it is
    still valid for these readings (only the new slots go through ``update``), and a
    full ``stumpi`` set-up on the last ``history_points`` grid points otherwise. Returns
    the novelty (``None`` with too little data) and the state to save for next time."""
    if len(times) == 0:
        return None, None
    grid, series = regularize(times, values)
    inc: IncrementalProfile | None = None
    reason: str | None = "no stored state"
    new_from = 0
    if state is not None:
        try:
            inc = IncrementalProfile.from_bytes(state)
            reason, new_from = _check_state(inc, grid, series, window_points, history_points)
        except ValueError as exc:
            reason = str(exc)
        if reason is not None:
            inc = None
    if inc is not None:
        # ``series`` is already on the grid with the gap policy applied: one slot each.
        for v in series[new_from:]:
            inc.update(float(v))
    else:
        start = max(0, len(series) - history_points)
        if np.isfinite(series[start:]).sum() < 2 * window_points:
            return None, None
        inc = IncrementalProfile(grid[start:], series[start:], window_points)
    profile, left = inc.profile, inc.left_profile
    finite = profile[np.isfinite(profile)]
    distance = float(left[-1])
    median = float(np.median(finite)) if finite.size else 0.0
    # Windows overlapping the newest one share its readings (and its oddness): the
    # percentile is taken over the earlier, non-overlapping windows only.
    earlier = profile[:-window_points] if len(profile) > window_points else profile[:0]
    earlier = earlier[np.isfinite(earlier)]
    pct = 100.0 * float((earlier < distance).mean()) if earlier.size else 0.0
    window_start = inc.last_time - pd.Timedelta(minutes=INTERVAL_MIN * (window_points - 1))
    novelty = Novelty(
        window_minutes=window_points * INTERVAL_MIN,
        start=window_start.to_pydatetime(),
        end=(inc.last_time + pd.Timedelta(minutes=INTERVAL_MIN)).to_pydatetime(),
        distance=round(distance, 4),
        score=round(distance / median, 4) if median > 0 else 0.0,
        percentile=round(pct, 2),
        flagged=bool(np.isfinite(distance) and pct >= NOVELTY_PERCENTILE),
        mode="incremental" if reason is None else "recomputed",
        recompute_reason=reason,
    )
    return novelty, inc.to_bytes()

"""MAGE by iglu's default moving-average algorithm (Fernandes et al., J Diabetes Sci
Technol 2022; iglu 4.3.0 ``mage(version = "ma")``), reimplemented from its description
and documented behaviour so that the numbers agree with iglu's.

Steps, in the order iglu takes them:

1. The readings go on the 5-minute day-by-day grid (:mod:`variability_grid`, gaps over
   45 min left missing), trimmed to the first and last present point. The moving-average
   windows are lengths of time: 5 and 32 points of 5 minutes (25 and 160 min).
2. Runs of missing points longer than ``max_gap_min`` (180) split the trace into
   segments; each segment gets its own MAGE, and segments are averaged weighted by their
   duration (first to last point, shorter gaps included).
3. In a segment, the trailing short and long moving averages (missing points ignored;
   the first window's value stands for the points before it) cross where glucose turns.
   Between crossings the lowest (or highest) measured value is a nadir (or peak).
4. Peak-nadir sequences are reduced so that only swings of at least one SD of the
   segment count; MAGE+ is the mean rise, MAGE- the mean fall, and ``direction`` picks
   "avg" (both rows of every segment), "plus", "minus", "max" or "service" (the
   direction of the first counted excursion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from glucolens.analytics.variability_grid import day_by_day

SHORT_MA_POINTS = 5
LONG_MA_POINTS = 32
MAX_GAP_MIN = 180
GRID_MIN = 5
DIRECTIONS = ("avg", "plus", "minus", "max", "service")


@dataclass(frozen=True)
class _Row:
    """One direction's MAGE on one segment (iglu returns two rows per segment)."""

    segment: int
    minutes: float
    mage: float
    direction: str | None  # "plus", "minus", or None when the segment has no excursion
    first: bool | None


def _trailing_mean(gl: np.ndarray, width: int) -> np.ndarray:
    """Right-aligned mean over ``width`` points, missing points ignored; the first full
    window's value stands for the points before it."""
    out = np.full(gl.size, np.nan)
    present = np.isfinite(gl)
    sums = sliding_window_view(np.where(present, gl, 0.0), width).sum(axis=1)
    counts = np.convolve(present.astype(np.int64), np.ones(width, dtype=np.int64), "valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        out[width - 1 :] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    out[:width] = out[width - 1]
    return out


def _crossings(gl: np.ndarray, delta: np.ndarray) -> tuple[list[int], list[bool]]:
    """Indices where the short MA crosses the long MA, with True for a peak interval
    (short above long after the crossing) and the segment's two ends added.

    A crossing is a sign change between two neighbouring points (both present), or, after
    a run of zero deltas or a gap, a point whose sign is opposite to the last crossing's.
    The loop visits crossings only: the candidates of each kind are found up front."""
    ok = np.isfinite(gl) & np.isfinite(delta)
    pair = np.zeros(gl.size, dtype=bool)
    pair[1:] = ok[1:] & ok[:-1]
    sign = np.sign(np.where(ok, delta, 0.0))
    prod = np.zeros(gl.size)
    prod[1:] = sign[1:] * sign[:-1]
    flips = np.flatnonzero(pair & (prod < 0))
    others = pair & ~(prod < 0)
    after_tie = {
        1.0: np.flatnonzero(others & (sign > 0)),
        -1.0: np.flatnonzero(others & (sign < 0)),
    }
    ids = [0]
    is_max = [bool(delta[0] > 0)]
    last_sign = float(np.sign(delta[0])) if np.isfinite(delta[0]) else 0.0
    pos = 0
    while True:
        a = np.searchsorted(flips, pos, side="right")
        nxt = int(flips[a]) if a < flips.size else gl.size
        if last_sign != 0.0:
            cand = after_tie[-last_sign]
            b = np.searchsorted(cand, pos, side="right")
            if b < cand.size and cand[b] < nxt:
                nxt = int(cand[b])
        if nxt >= gl.size:
            break
        prev = delta[nxt - 1] if nxt in flips[a : a + 1] else delta[ids[-1]]
        ids.append(nxt)
        is_max.append(not delta[nxt] < prev)
        last_sign = float(sign[nxt])
        pos = nxt
    ids.append(gl.size - 1)
    is_max.append(bool(delta[-1] > 0))
    return ids, is_max


def _turning_points(gl: np.ndarray, ids: list[int], is_max: list[bool]) -> np.ndarray:
    """The extreme measured value between each crossing and the next (the first one when
    tied); the search for the next one starts at the previous extreme."""
    for_max = np.where(np.isfinite(gl), gl, -np.inf)
    for_min = np.where(np.isfinite(gl), gl, np.inf)
    n = len(ids) - 1
    values = np.empty(n)
    where = ids[0]
    for i in range(n):
        lo = ids[0] if i == 0 else where
        hi = ids[i + 1]
        where = lo + int(
            np.argmax(for_max[lo : hi + 1]) if is_max[i] else np.argmin(for_min[lo : hi + 1])
        )
        values[i] = gl[where]
    return values


def _rises(tp: np.ndarray, sd: float) -> tuple[list[float], list[tuple[int, int]]]:
    heights: list[float] = []
    pairs: list[tuple[int, int]] = []
    n = tp.size
    j = prev_j = 0
    while j < n:
        delta = tp[j] - tp[prev_j : j + 1]
        i = int(np.argmax(delta)) + prev_j
        if delta.max() >= sd:
            for k in range(j, n):
                if tp[k] > tp[j]:
                    j = k
                if tp[k] - tp[j] < -sd or k == n - 1:
                    heights.append(float(tp[j] - tp[i]))
                    pairs.append((i, j))
                    prev_j = k
                    j = k
                    break
        else:
            j += 1
    return heights, pairs


def _falls(tp: np.ndarray, sd: float) -> tuple[list[float], list[tuple[int, int]]]:
    heights: list[float] = []
    pairs: list[tuple[int, int]] = []
    n = tp.size
    j = prev_j = 0
    while j < n:
        delta = tp[j] - tp[prev_j : j + 1]
        i = int(np.argmin(delta)) + prev_j
        if delta.min() <= -sd:
            for k in range(j, n):
                if tp[k] < tp[j]:
                    j = k
                if tp[k] - tp[j] > sd or k == n - 1:
                    heights.append(float(tp[j] - tp[i]))
                    pairs.append((i, j))
                    # The next fall is searched from this nadir, not from k.
                    prev_j = j
                    j = k
                    break
        else:
            j += 1
    return heights, pairs


def _segment_rows(gl: np.ndarray, segment: int, short_ma: int, long_ma: int) -> list[_Row]:
    minutes = GRID_MIN * (gl.size - 1)
    empty = [_Row(segment, minutes, math.nan, None, None)]
    present = gl[np.isfinite(gl)]
    if present.size < 2 or gl.size < 7 or gl.size < long_ma:
        return empty
    sd = float(np.std(present, ddof=1))
    if sd < 1:
        return empty
    delta = _trailing_mean(gl, short_ma) - _trailing_mean(gl, long_ma)
    ids, is_max = _crossings(gl, delta)
    tp = _turning_points(gl, ids, is_max)
    up, up_pairs = _rises(tp, sd)
    down, down_pairs = _falls(tp, sd)
    if not up and not down:
        return empty
    plus_first = bool(up) and (not down or up_pairs[0][1] <= down_pairs[0][0])
    return [
        _Row(segment, minutes, float(np.mean(up)) if up else math.nan, "plus", plus_first),
        _Row(
            segment,
            minutes,
            abs(float(np.mean(down))) if down else math.nan,
            "minus",
            not plus_first,
        ),
    ]


def _segments(gl: np.ndarray, max_gap_points: int) -> list[np.ndarray]:
    """Pieces of the trimmed grid between runs of more than ``max_gap_points`` missing
    points (the long runs themselves yield no MAGE)."""
    missing = ~np.isfinite(gl)
    change = np.flatnonzero(np.diff(missing.astype(np.int8))) + 1
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [gl.size]))
    pieces: list[np.ndarray] = []
    begin = 0
    for a, b in zip(starts, stops, strict=True):
        if missing[a] and (b - a) > max_gap_points:
            if a > begin:
                pieces.append(gl[begin:a])
            begin = b
    if begin < gl.size:
        pieces.append(gl[begin:])
    return pieces


def _combine(rows: list[_Row], direction: str) -> float:
    if direction == "avg":
        picked = [r for r in rows if not math.isnan(r.mage)]
    elif direction in ("plus", "minus"):
        # iglu keeps a segment's row even when that direction found nothing, so one such
        # segment makes the whole answer missing.
        picked = [r for r in rows if r.direction == direction]
    elif direction == "max":
        picked = []
        for seg in sorted({r.segment for r in rows}):
            own = [r for r in rows if r.segment == seg and r.direction is not None]
            if own and not any(math.isnan(r.mage) for r in own):
                top = max(r.mage for r in own)
                picked += [r for r in own if r.mage == top]
    elif direction == "service":
        picked = [r for r in rows if r.first]
    else:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if not picked:
        return math.nan
    total = sum(r.minutes for r in picked)
    if total <= 0:
        return math.nan
    return float(sum(r.mage * r.minutes / total for r in picked))


def mage(
    times: pd.DatetimeIndex,
    values_mgdl: np.ndarray,
    *,
    direction: str = "avg",
    short_ma: int = SHORT_MA_POINTS,
    long_ma: int = LONG_MA_POINTS,
    max_gap_min: int = MAX_GAP_MIN,
    tz: str = "UTC",
) -> float:
    """MAGE in mg/dL (NaN when the trace is too short or flat); see the module docstring."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if short_ma >= long_ma:
        short_ma, long_ma = long_ma, short_ma
    grid = day_by_day(times, values_mgdl, tz=tz, dt0=GRID_MIN)
    if grid is None:
        return math.nan
    gl = grid.flat
    present = np.flatnonzero(np.isfinite(gl))
    if present.size == 0:
        return math.nan
    gl = gl[present[0] : present[-1] + 1]
    if gl.size < 7 or gl.size < long_ma:
        return math.nan
    rows: list[_Row] = []
    for n, piece in enumerate(_segments(gl, max_gap_min // GRID_MIN)):
        rows += _segment_rows(piece, n, short_ma, long_ma)
    return _combine(rows, direction)

"""Motifs: recurring glucose shapes from the z-normalised matrix profile, ranked by how
far each family stands apart from everything else in the series.

Candidates are found greedily (lowest profile value seeds a family; the family's windows
leave the seed pool), then ranked by *total margin*: the sum over the members of
log(distance from the seed to its nearest non-member / the member's distance to the
seed). Ranking by nearest-neighbour distance alone (the
first version) prefers any pair of near-twins: 90 post-meal curves a month always hold
closer pairs than a rarer shape does, even when that rarer shape recurs 8 times and
nothing else in the series looks like it. A family that is a slice of a continuum (the
11th meal is as close as the 10th) has a margin near 0 and ranks low; a family with a
clear gap around it ranks high. Nothing here knows about any particular shape.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable
from glucolens.analytics.profile import (
    INTERVAL_MIN,
    _compute_profile,
    _is_flat,
    _Profile,
    _stumpy,
)

MIN_MOTIF_SD_MGDL = 10.0
# An occurrence of a motif must have an SD within this factor of the seed's: glucose
# amplitude matters clinically, and z-normalised matching alone would list a 15 mg/dL
# wobble as an occurrence of a 100 mg/dL post-meal spike.
AMPLITUDE_RATIO = 1.5
# Candidate families examined before ranking (per window size). Each costs one MASS
# distance profile (an FFT over the series).
MAX_CANDIDATES = 40
# A fall of at least this much from an earlier peak inside one window gets a label.
FALL_MGDL = 60.0


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
    separation: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class _Family:
    seed: int
    starts: np.ndarray  # occurrence starts, sorted, the seed included
    separation: float  # nearest non-member distance / geometric mean member distance
    score: float


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
    # Drop from the earlier peak at each point: insulin stacking or over-correction shows
    # as a recurring steep fall, the most useful thing to flag after lows themselves.
    drop = np.maximum.accumulate(shape) - shape
    low = shape < 70
    if np.any(low):
        return "fall into a low" if np.max(drop[low]) >= FALL_MGDL else "daytime low"
    if shape.size and np.max(drop) >= FALL_MGDL:
        return "steep fall"
    return "recurring pattern"


def _distance_profile(profile: _Profile, seed: int) -> np.ndarray:
    m, series = profile.window, profile.series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dist = _stumpy().mass(
            series[seed : seed + m], series, T_subseq_isconstant=_is_flat(series, m)
        )
    dist = np.asarray(dist, dtype=float)
    dist[~np.isfinite(profile.mp)] = np.inf
    return dist


def _occurrences(
    profile: _Profile, seed: int, max_occurrences: int, spread: np.ndarray, dist: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows within STUMPY's default match radius of ``seed`` whose
    SD is within a factor ``AMPLITUDE_RATIO`` of the seed's, closest first (the seed
    itself included), and the mask of every window within the radius (the shape family,
    whatever its amplitude)."""
    m = profile.window
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


def _covered(starts: np.ndarray, m: int, n: int) -> np.ndarray:
    """Mask of windows that overlap any of ``starts``."""
    mask = np.zeros(n, dtype=bool)
    for s in starts:
        mask[max(0, int(s) - m + 1) : int(s) + m] = True
    return mask


def _separation(dist: np.ndarray, seed: int, starts: np.ndarray, m: int) -> float:
    """Distance from the seed to its nearest non-member (a window overlapping no
    occurrence) over the geometric mean of the members' distances to the seed. Above 1:
    a gap surrounds the family; about 1: the family is a slice of a continuum of similar
    windows (the 11th meal curve is as close as the 10th)."""
    # A floor of 1 % of the largest z-normalised distance keeps exact copies finite.
    members = np.maximum(dist[starts[starts != seed]], 0.02 * math.sqrt(m))
    outside = dist[~_covered(starts, m, len(dist)) & np.isfinite(dist)]
    d_out = float(outside.min()) if outside.size else 2 * math.sqrt(m)
    return d_out / math.exp(float(np.log(members).mean()))


def _candidate_families(profile: _Profile, max_occurrences: int) -> list[_Family]:
    """Greedy candidates: the window with the smallest matrix-profile value seeds a
    family, its matches of similar amplitude are collected, and every window overlapping
    the seed's shape family (all windows within the match radius) leaves the seed pool,
    so that candidates are distinct shapes rather than copies of one."""
    m = profile.window
    candidates = profile.mp.copy()
    # z-normalisation makes a 5 mg/dL wobble look like a 100 mg/dL spike; a seed must
    # have a shape one can see on a chart.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanstd(np.lib.stride_tricks.sliding_window_view(profile.series, m), axis=1)
    candidates[~(spread >= MIN_MOTIF_SD_MGDL)] = np.inf
    out: list[_Family] = []
    for _ in range(MAX_CANDIDATES):
        seed = int(np.argmin(candidates))
        if not np.isfinite(candidates[seed]):
            break
        dist = _distance_profile(profile, seed)
        starts, family = _occurrences(profile, seed, max_occurrences, spread, dist)
        # The whole shape family leaves the seed pool, not just the reported
        # occurrences: otherwise 90 meals in 30 days come back as many copies of one
        # "post-meal" motif of 10 occurrences each.
        excluded = np.convolve(family.astype(np.int64), np.ones(2 * m - 1, np.int64), "same") > 0
        candidates[excluded[: len(candidates)]] = np.inf
        candidates[_covered(np.r_[seed, starts], m, len(candidates))] = np.inf
        if len(starts) < 2:
            continue
        sep = _separation(dist, seed, starts, m)
        # The score is the sum over the members (the seed aside) of log(d_out / d_i): each
        # member adds the margin by which it is closer to the seed than any non-member,
        # so tightness, the gap around the family and its size all count.
        out.append(_Family(seed, starts, sep, (len(starts) - 1) * math.log(sep)))
    return out


def _rank(families: list[_Family], k: int, m: int, n: int) -> list[_Family]:
    """The ``k`` families with the largest total margin. A family that mostly re-lists
    the occurrences of one already chosen is skipped (so the top k are k different
    shapes, not one meal curve found from k seeds), and occurrences already reported
    by a better family are dropped from the later one."""
    chosen: list[_Family] = []
    taken = np.zeros(n, dtype=bool)
    for fam in sorted(families, key=lambda f: -f.score):
        if len(chosen) == k:
            break
        shared = taken[fam.starts]
        if shared.sum() * 2 > len(fam.starts) or (~shared).sum() < 2:
            continue
        fam = replace(fam, starts=fam.starts[~shared])
        chosen.append(fam)
        taken |= _covered(fam.starts, m, n)
    return chosen


def _motifs_from(profile: _Profile, k: int, tz: str, max_occurrences: int) -> list[Motif]:
    m = profile.window
    max_dist = 2 * math.sqrt(m)  # largest z-normalised Euclidean distance
    families = _candidate_families(profile, max_occurrences)
    motifs: list[Motif] = []
    for fam in _rank(families, k, m, len(profile.mp)):
        shapes = np.stack([profile.series[s : s + m] for s in fam.starts])
        mean_shape = shapes.mean(axis=0)
        start_times = profile.grid[fam.starts]
        hour = circular_mean_hour(_local_hours(start_times, tz))
        nn_dist = float(profile.mp[fam.seed])
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
                separation=round(fam.separation, 3),
            )
        )
    return motifs


def find_motifs(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    window_points: int,
    k: int = 3,
    tz: str = "UTC",
    max_occurrences: int = 10,
) -> list[Motif]:
    """Top ``k`` recurring shapes of ``window_points`` 5-minute points (z-normalised
    matching), each with up to ``max_occurrences`` non-overlapping occurrences, best
    separated first.

    A match is a window within ``max(mean - 2·sd of the seed's distance profile, the
    seed's nearest-neighbour distance)``, the default radius of ``stumpy.motifs``."""
    return _motifs_from(_compute_profile(times, values, window_points), k, tz, max_occurrences)

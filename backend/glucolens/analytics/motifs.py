"""Motifs: recurring glucose shapes, ranked so that a shape a person would recognise (a
low on many nights at the same hour, a large spike after the same meal) comes first.

Candidates come from two sources: a greedy pass on the z-normalised matrix profile
(lowest profile value seeds a family; the family's windows leave the seed pool) and
windows aligned on clinical events (``motif_events``: lows and spikes grouped by local
time of day), which finds recurring lows that sensor noise hides from the profile. An
event shown by an event family with a positive score stays with that family
(``_assign_shown_events``): a matrix-profile family loses the occurrences that hold it,
or, if most of its occurrences do, is the same pattern and lends the event family its
separation.

Each family's score is the sum of two explainable parts (both stored on the ``Motif``
in ``score_components``):

- *margin*: max(0, (n - 1) * log(separation)), the sum over the members of log(distance
  from the seed to its nearest non-member / the member's distance to the seed). A slice
  of a continuum (the 11th meal curve is as close as the 10th) has a margin near 0; a
  family with a gap around it has a large one. This alone was the first ranking
  (``ranking="separation"``, kept for the benchmark's baseline), which does not know
  what a low is. Clipped at 0: under real sensor noise it is often negative and then
  says nothing.
- *clinical*: recurrence * burden * timing, for the clinical kinds only
  (``motif_labels.CLINICAL_KINDS``). Recurrence = log2(local days on which an
  occurrence shows the event), 0 for a one-off. Burden = median weighted hours outside
  range per such occurrence (``motif_labels.burden_hours``, weights from the consensus
  targets). Timing = max(0, 1 - chance / p), where p is the lower end (Wilson, z = 2) of
  the share of *all* the series' events of that kind within ``HOUR_BAND`` hours of the
  family's hour, and chance = 1/6 that share for events at random hours. Lows that only
  come at night score high; spikes after every meal, or lows at any hour, score 0.

Nothing here was fitted to the benchmark seeds (see ``bench/patterns.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.jsonable import to_jsonable
from glucolens.analytics.motif_events import EVENT_OFFSET, event_families
from glucolens.analytics.motif_labels import describe
from glucolens.analytics.motif_score import read_family, score_parts, share_at_hour_of
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
    # What it is and why it ranks where it does (see the module docstring).
    kind: str = "pattern"  # low | spike | high | dawn | fall | pattern
    days: int = 0  # distinct local days with an occurrence
    event_days: int = 0  # distinct local days whose occurrence shows the clinical event
    history_days: int = 0  # days spanned by the analysed readings
    extreme_mgdl: float | None = None  # lowest reading of a low, highest of a spike/high
    rise_mgdl: float | None = None  # median rise of a spike's occurrences
    score: float = 0.0
    score_components: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


@dataclass
class _Family:
    seed: int
    starts: np.ndarray  # occurrence starts, sorted, the seed included
    separation: float  # nearest non-member distance / geometric mean member distance
    score: float  # the ranking key (margin, plus the clinical part when ranked so)
    kind: str = "pattern"  # the event kind an event family was built from
    # Every member of an event family (``starts`` holds the ones shown); None: starts.
    members: np.ndarray | None = None


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


def _rank(families: list[_Family], k: int, m: int, n: int) -> list[tuple[_Family, np.ndarray]]:
    """The ``k`` families with the largest score, each with the occurrences it keeps. A
    family that mostly re-lists the occurrences of one already chosen is skipped (so the
    top k are k different shapes, not one meal curve found from k seeds), and
    occurrences already reported by a better family are dropped from the later one.
    Ties keep candidate order (deterministic)."""
    chosen: list[tuple[_Family, np.ndarray]] = []
    taken = np.zeros(n, dtype=bool)
    for fam in sorted(families, key=lambda f: -f.score):
        if len(chosen) == k:
            break
        shared = taken[fam.starts]
        if shared.sum() * 2 > len(fam.starts) or (~shared).sum() < 2:
            continue
        kept = fam.starts[~shared]
        chosen.append((fam, kept))
        taken |= _covered(kept, m, n)
    return chosen


def _event_candidates(profile: _Profile, max_occurrences: int, tz: str) -> list[_Family]:
    def local(idx: np.ndarray) -> pd.DatetimeIndex:
        return profile.grid[idx].tz_convert(tz)

    out = []
    for fam in event_families(profile, max_occurrences, local):
        dist = _distance_profile(profile, fam.seed)
        sep = _separation(dist, fam.seed, fam.shown, profile.window)
        margin = (len(fam.shown) - 1) * math.log(sep)
        out.append(_Family(fam.seed, fam.shown, sep, margin, fam.kind, fam.members))
    return out


def _held(fam: _Family, event: _Family, m: int) -> np.ndarray:
    """Mask of ``fam``'s occurrences whose window holds the event (nadir, peak) of an
    occurrence that the event family ``event`` shows."""
    points = np.sort(event.starts + int(EVENT_OFFSET[event.kind] * m))
    at = np.searchsorted(points, fam.starts)  # the first event point at or after a start
    nxt = points[np.minimum(at, len(points) - 1)]
    return (at < len(points)) & (nxt >= fam.starts) & (nxt < fam.starts + m)


def _assign_shown_events(
    families: list[_Family], events: list[_Family], m: int
) -> tuple[list[_Family], list[_Family]]:
    """Give each event that an event family shows to that family, not to a matrix-profile
    family that happens to hold its window (``families``, e.g. a family of afternoon
    curves that also holds three of the spikes after breakfast, where they would be
    neither labelled nor timed as what they are):

    - a matrix-profile family most of whose occurrences hold the shown events of one
      event family is the same pattern found by shape: it is dropped and the event
      family takes its separation if larger (so its margin counts);
    - any other matrix-profile family loses the occurrences that hold shown events, and
      is dropped if fewer than two are left.

    Returns (matrix-profile families, event families)."""
    events = list(events)
    out = []
    for fam in families:
        held = [_held(fam, ev, m) for ev in events]
        same = [i for i, h in enumerate(held) if h.sum() * 2 > len(fam.starts)]
        if same:
            i = same[0]
            if fam.separation > events[i].separation:
                events[i] = replace(events[i], separation=fam.separation)
            continue
        keep = ~np.logical_or.reduce(held) if held else np.ones(len(fam.starts), bool)
        if keep.sum() >= 2:
            out.append(fam if keep.all() else replace(fam, starts=fam.starts[keep]))
    return out, events


def _motifs_from(
    profile: _Profile,
    k: int,
    tz: str,
    max_occurrences: int,
    ranking: str = "recognisable",
) -> list[Motif]:
    """Top ``k`` motifs. ``ranking="separation"`` is the first ranking (matrix-profile
    candidates by margin alone), kept for the benchmark's side-by-side baseline."""
    if ranking not in ("recognisable", "separation"):
        raise ValueError(f"unknown ranking {ranking!r}")
    m, n = profile.window, len(profile.mp)
    max_dist = 2 * math.sqrt(m)  # largest z-normalised Euclidean distance
    share = share_at_hour_of(profile, tz)
    families = _candidate_families(profile, max_occurrences)
    if ranking == "recognisable":

        def scored(fams: list[_Family]) -> list[_Family]:
            out = []
            for f in fams:
                reading = read_family(profile, f.starts, tz, _hint(f), f.members)
                total = score_parts(len(f.starts), f.separation, reading, share)["total"]
                out.append(replace(f, score=total))
            return out

        events = scored(_event_candidates(profile, max_occurrences, tz))
        # The events shown by an event family the ranking reads as a pattern (a positive
        # score) stay with it; the matrix-profile families are scored without them.
        by_shape, patterned = _assign_shown_events(families, [f for f in events if f.score > 0], m)
        rescored = iter(scored(patterned))
        families = scored(by_shape) + [next(rescored) if f.score > 0 else f for f in events]
    span = profile.grid[-1] - profile.grid[0] if len(profile.grid) else pd.Timedelta(0)
    history_days = int(round(span / pd.Timedelta(days=1)))
    motifs: list[Motif] = []
    for fam, kept in _rank(families, k, m, n):
        members = None
        if fam.members is not None:
            dropped = np.setdiff1d(fam.starts, kept)
            members = np.setdiff1d(fam.members, dropped)
        reading = read_family(profile, kept, tz, _hint(fam), members)
        parts = score_parts(len(kept), fam.separation, reading, share)
        shapes = np.stack([profile.series[s : s + m] for s in kept])
        nn_dist = float(profile.mp[fam.seed])
        motifs.append(
            Motif(
                id=len(motifs) + 1,
                window_minutes=m * INTERVAL_MIN,
                occurrences=[t.to_pydatetime() for t in profile.grid[kept]],
                mean_shape=[round(float(v), 1) for v in shapes.mean(axis=0)],
                typical_hour=reading.event_hour,
                label=describe(reading.kind, reading.event_hour, reading.rise_hour, reading.steep),
                distance=round(nn_dist, 4),
                similarity=round(max(0.0, 1 - nn_dist / max_dist), 4),
                separation=round(fam.separation, 3),
                kind=reading.kind,
                days=reading.days,
                event_days=reading.event_days,
                history_days=history_days,
                extreme_mgdl=reading.extreme,
                rise_mgdl=reading.rise,
                score=fam.score,
                score_components=parts,
            )
        )
    return motifs


def _hint(fam: _Family) -> str | None:
    return None if fam.kind == "pattern" else fam.kind


def find_motifs(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    window_points: int,
    k: int = 3,
    tz: str = "UTC",
    max_occurrences: int = 10,
    ranking: str = "recognisable",
) -> list[Motif]:
    """Top ``k`` recurring shapes of ``window_points`` 5-minute points, each with up to
    ``max_occurrences`` non-overlapping occurrences, highest score first (see the module
    docstring); labels and hours are in the local time of ``tz``.

    A matrix-profile match is a window within ``max(mean - 2·sd of the seed's distance
    profile, the seed's nearest-neighbour distance)``, the default radius of
    ``stumpy.motifs``."""
    profile = _compute_profile(times, values, window_points)
    return _motifs_from(profile, k, tz, max_occurrences, ranking)

"""Event-anchored motif candidates: windows aligned on clinical events (the nadir of a
low, the peak of a spike), grouped by the local time of day they happen at.

The matrix-profile candidates (``motifs._candidate_families``) seed families at the
closest z-normalised pairs. On real sensor noise (about 12 mg/dL, autocorrelated over
15 minutes) the copies of a recurring nocturnal low are not the closest pairs in 90
days of meal curves, and the greedy pass spends its candidates elsewhere: a family
holding most of the planted lows was among its 40 candidates in 1 of 4 development runs
of ``bench/patterns.py`` at realistic noise. Anchoring windows on
the events themselves finds them whatever the noise does to z-normalised distances, and
grouping them by clock hour gives the families people recognise ("a low around 03:00",
"a spike after breakfast"). Whether such a family is a pattern or chance is for the
ranking to say (``motifs._score``: how many more events of the kind fall at that hour
than at others).

Events are read on a 25-minute moving average (so one noisy reading is not a low), one
per episode: the lowest point below 70 mg/dL, or the highest peak at least 50 mg/dL
above the lowest point of the 2 hours before it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from glucolens.analytics.motif_labels import LOW_MGDL, SPIKE_RISE_MGDL, SPIKE_RISE_POINTS
from glucolens.analytics.profile import _Profile

SMOOTH_POINTS = 5
# Where the event sits in its window: a low in the middle (the fall and the recovery),
# a spike's peak at 40 % (the rise from the meal and most of the fall).
EVENT_OFFSET = {"low": 0.5, "spike": 0.4}
# A family's events are within this many hours of the seed's local clock hour.
HOUR_BAND = 2.0


def smooth(series: np.ndarray, points: int = SMOOTH_POINTS) -> np.ndarray:
    """Centred moving average that ignores NaN (NaN where the whole span is NaN)."""
    finite = np.isfinite(series)
    kernel = np.ones(points)
    total = np.convolve(np.where(finite, series, 0.0), kernel, "same")
    count = np.convolve(finite.astype(float), kernel, "same")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    out[count == 0] = np.nan
    return out


def _greedy(order: np.ndarray, m: int) -> list[int]:
    """Indices in ``order``, skipping any within ``m`` of one already kept."""
    kept: list[int] = []
    blocked: set[int] = set()
    for i in order:
        i = int(i)
        if i in blocked:
            continue
        kept.append(i)
        blocked.update(range(i - m + 1, i + m))
    return kept


def find_events(series: np.ndarray, m: int, kind: str) -> list[int]:
    """Indices of the ``kind`` ("low" or "spike") events, most extreme first, at least
    one window apart."""
    s = smooth(np.asarray(series, dtype=float))
    if kind == "low":
        idx = np.flatnonzero(np.isfinite(s) & (s < LOW_MGDL))
        return _greedy(idx[np.argsort(s[idx], kind="stable")], m)
    pad = np.r_[np.full(SPIKE_RISE_POINTS, np.nan), s]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN spans
        before = np.nanmin(
            np.lib.stride_tricks.sliding_window_view(pad, SPIKE_RISE_POINTS)[: len(s)], axis=1
        )
    rise = s - before
    peak = np.r_[False, (s[1:-1] >= s[:-2]) & (s[1:-1] >= s[2:]), False]
    idx = np.flatnonzero(peak & np.isfinite(rise) & (rise >= SPIKE_RISE_MGDL))
    return _greedy(idx[np.argsort(-rise[idx], kind="stable")], m)


@dataclass(frozen=True)
class EventFamily:
    kind: str
    seed: int  # window start of the seed event
    members: np.ndarray  # window starts of every event in the family (one per day)
    shown: np.ndarray  # the ``max_occurrences`` most extreme of them, sorted


def hour_gap(a: np.ndarray, b: float) -> np.ndarray:
    """Distance on the 24-hour clock between hours ``a`` and hour ``b``."""
    d = np.abs(np.asarray(a, dtype=float) - b) % 24
    return np.minimum(d, 24 - d)


def kind_events(profile: _Profile, kind: str) -> np.ndarray:
    """Window starts of the ``kind`` events whose aligned window is complete, most
    extreme first."""
    m = profile.window
    usable = np.isfinite(profile.mp)
    starts = np.asarray(
        [e - int(EVENT_OFFSET[kind] * m) for e in find_events(profile.series, m, kind)],
        dtype=np.int64,
    )
    starts = starts[(starts >= 0) & (starts < len(usable))]
    return starts[usable[starts]]


def event_families(
    profile: _Profile, max_occurrences: int, local: Callable[[np.ndarray], pd.DatetimeIndex]
) -> list[EventFamily]:
    """Families of events of one kind at one time of day: the event whose ``HOUR_BAND``
    either side (local clock, ``local`` maps grid indices to local times) holds events
    on the most days seeds a family of all of them, the most extreme one per day; they
    leave the pool; repeat. Families on fewer than two days are dropped."""
    m = profile.window
    out: list[EventFamily] = []
    for kind, offset in EVENT_OFFSET.items():
        starts = kind_events(profile, kind)
        if len(starts) < 2:
            continue
        when = local(starts + int(offset * m))
        hours = np.asarray(when.hour + when.minute / 60.0, dtype=float)
        dates = np.asarray(when.date)
        pool = np.ones(len(starts), dtype=bool)
        while pool.sum() >= 2:
            days = [
                len(set(dates[pool & (hour_gap(hours, h) <= HOUR_BAND)].tolist())) if pool[i] else 0
                for i, h in enumerate(hours)
            ]
            seed = int(np.argmax(days))  # ties: the more extreme event (listed first)
            band = np.flatnonzero(pool & (hour_gap(hours, hours[seed]) <= HOUR_BAND))
            pool[band] = False
            seen: set[object] = set()
            members = []
            for i in band:  # most extreme first: keep each day's most extreme event
                if dates[i] not in seen:
                    seen.add(dates[i])
                    members.append(int(i))
            if len(members) >= 2:
                out.append(
                    EventFamily(
                        kind,
                        int(starts[members[0]]),
                        np.sort(starts[members]),
                        np.sort(starts[members[:max_occurrences]]),
                    )
                )
    return out

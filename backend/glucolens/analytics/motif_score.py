"""A motif family's clinical reading and score parts: what its occurrences show (kind,
local event hour, days, extremes, burden) and how the ranking in ``motifs`` weighs it.
Pure functions over the matrix-profile core's ``_Profile``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from glucolens.analytics.motif_events import (
    EVENT_OFFSET,
    HOUR_BAND,
    hour_gap,
    kind_events,
    smooth,
)
from glucolens.analytics.motif_labels import (
    CLINICAL_KINDS,
    burden_hours,
    circular_mean_hour,
    hour_concentration,
    local_hours,
    occurrence_salient,
    shape_event,
)
from glucolens.analytics.profile import INTERVAL_MIN, _Profile

# Readings before each window used to read its shape: a fall that ends a rise which
# began before the window is the end of a spike, not a "steep fall".
PRE_CONTEXT_POINTS = 18
# By chance, the share of a kind's events within HOUR_BAND either side of any hour.
CHANCE_AT_HOUR = 2 * HOUR_BAND / 24


@dataclass
class Reading:
    """What a family's occurrences show, for its label, its score and the page's "why"."""

    kind: str
    event_hour: float
    rise_hour: float
    days: int
    event_days: int
    concentration: float
    extreme: float | None
    rise: float | None
    burden: float  # median weighted hours outside range per occurrence showing the event
    steep: bool  # a low reached by a steep fall (the mean shape's)


def _stack(series: np.ndarray, starts: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Rows ``series[s + lo : s + hi]`` for each start, NaN outside the series."""
    pad = max(0, -lo)
    padded = np.r_[np.full(pad, np.nan), series, np.full(max(0, hi), np.nan)]
    return np.stack([padded[s + lo + pad : s + hi + pad] for s in starts])


def read_family(
    profile: _Profile,
    starts: np.ndarray,
    tz: str,
    hint: str | None,
    members: np.ndarray | None = None,
) -> Reading:
    """Kind and event position from the mean of the shown occurrences (``starts``);
    days, hours, extremes and burden from every member (``members``, default: starts)."""
    m, step, pre = profile.window, INTERVAL_MIN / 60.0, PRE_CONTEXT_POINTS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN context columns
        mean_ctx = np.nanmean(_stack(profile.series, starts, -pre, m), axis=0)
    ev = shape_event(mean_ctx, circular_mean_hour(local_hours(profile.grid[starts], tz)), pre)
    kind = hint or ev.kind
    members = starts if members is None else members
    rows = _stack(profile.series, members, -pre, m)
    windows, before = rows[:, pre:], rows[:, :pre]
    smoothed = np.stack([smooth(w) for w in windows])
    if kind == "low":
        offsets = np.nanargmin(smoothed, axis=1)
    elif kind in ("spike", "high"):
        offsets = np.nanargmax(smoothed, axis=1)
    else:
        offsets = np.full(len(members), min(max(ev.index, 0), m - 1))
    event_times = profile.grid[members + offsets]
    hours = local_hours(event_times, tz)
    dates = np.asarray(event_times.tz_convert(tz).date)
    salient = np.asarray(
        [occurrence_salient(kind, w, b) for w, b in zip(windows, before, strict=True)], bool
    )
    if kind not in CLINICAL_KINDS:
        salient[:] = False
    chosen = hours[salient] if salient.any() else hours
    event_hour = circular_mean_hour(chosen)
    extreme = rise = None
    if salient.any() and kind == "low":
        extreme = round(float(np.nanmin(windows[salient])), 1)
    elif salient.any():
        extreme = round(float(np.nanmax(windows[salient])), 1)
    if salient.any() and kind == "spike":
        rises = [
            np.nanmax(w) - np.nanmin(np.r_[b, w][: pre + int(np.nanargmax(w)) + 1])
            for w, b in zip(windows[salient], before[salient], strict=True)
        ]
        rise = round(float(np.median(rises)), 1)
    burden = [burden_hours(w) for w in smoothed[salient]]
    same = ev.kind == kind
    lead = (ev.index - ev.rise_start) * step if same else 0.0
    return Reading(
        kind=kind,
        event_hour=event_hour,
        rise_hour=(event_hour - lead) % 24,
        days=len(set(dates.tolist())),
        event_days=len(set(dates[salient].tolist())),
        concentration=round(hour_concentration(chosen), 3),
        extreme=extreme,
        rise=rise,
        burden=round(float(np.median(burden)), 3) if burden else 0.0,
        steep=same and ev.steep,
    )


def _wilson_low(p: float, n: int, z: float = 2.0) -> float:
    """Lower end of the Wilson interval of a proportion ``p`` of ``n``."""
    if n == 0:
        return 0.0
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def score_parts(
    n_occurrences: int,
    separation: float,
    reading: Reading,
    share_at_hour: Callable[[str, float], tuple[float, int] | None],
) -> dict[str, float]:
    """The score and its parts (see ``motifs``' docstring)."""
    margin = max((n_occurrences - 1) * math.log(separation), 0.0)
    recurrence = math.log2(reading.event_days) if reading.event_days else 0.0
    found = share_at_hour(reading.kind, reading.event_hour)
    share = -1.0
    if found is None:  # no event list for this kind: the hours' own concentration
        timing = reading.concentration**2
    else:
        share, n_events = found
        low = _wilson_low(share, n_events)
        timing = max(0.0, 1 - CHANCE_AT_HOUR / low) if low > 0 else 0.0
    clinical = recurrence * reading.burden * timing
    return {
        "margin": round(margin, 3),
        "event_days": float(reading.event_days),
        "recurrence": round(recurrence, 3),
        "burden_hours": reading.burden,
        "share_at_hour": round(share, 3),
        "timing": round(timing, 3),
        "clinical": round(clinical, 3),
        "total": round(margin + clinical, 3),
    }


def share_at_hour_of(
    profile: _Profile, tz: str
) -> Callable[[str, float], tuple[float, int] | None]:
    """(kind, local hour) -> (share of all the series' events of that kind within
    ``HOUR_BAND`` hours of it, number of such events); None for a kind without an event
    list."""
    hours = {}
    for kind, offset in EVENT_OFFSET.items():
        idx = kind_events(profile, kind) + int(offset * profile.window)
        hours[kind] = local_hours(profile.grid[idx], tz)

    def share(kind: str, hour: float) -> tuple[float, int] | None:
        if kind not in hours:
            return None
        h = hours[kind]
        return (float(np.mean(hour_gap(h, hour) <= HOUR_BAND)) if h.size else 0.0), h.size

    return share

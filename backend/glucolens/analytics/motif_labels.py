"""What a motif is, in words a person recognises: its clinical kind (low, spike, high, ...),
the clock hour of its event (the nadir of a low, the peak of a spike) and a label that
says both, e.g. "Recurring overnight low (around 03:00)" or "Spike after breakfast
(around 08:45)".

Everything here works on mg/dL arrays on the 5-minute grid and local clock hours; the
caller converts UTC times to the user's zone per occurrence (``local_hours``), so a
pattern at 03:00 stays at 03:00 across a DST change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

LOW_MGDL = 70.0
VERY_LOW_MGDL = 54.0
SPIKE_RISE_MGDL = 50.0
SPIKE_RISE_POINTS = 24  # a spike rises within 2 hours
HIGH_MGDL = 180.0
# A fall of at least this much from an earlier peak inside one window gets a label.
FALL_MGDL = 60.0
# Weights per hour spent in each band, from the consensus targets (Battelino et al.,
# Diabetes Care 2019): < 4 % below 70, < 1 % below 54, < 25 % above 180, < 5 % above
# 250; an hour in a band weighs 25 % / (that band's target), so above 180 weighs 1.
BAND_WEIGHTS = ((54.0, None, 25.0), (70.0, None, 6.25), (None, 250.0, 5.0), (None, 180.0, 1.0))
# Clinical kinds, the ones whose recurrence counts in the ranking (``motifs._score``).
CLINICAL_KINDS = ("low", "spike", "high")
# Meals by the local hour the rise starts.
MEALS = ((4.0, 10.5, "breakfast"), (10.5, 15.0, "lunch"), (17.0, 22.5, "dinner"))


@dataclass(frozen=True)
class ShapeEvent:
    kind: str  # low | spike | high | dawn | fall | pattern
    index: int  # position of the event (nadir, peak, ...) in the shape
    rise_start: int  # where the rise of a spike starts (== index otherwise)
    steep: bool = False  # a low reached by a fall of FALL_MGDL or more


def local_hours(times: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Local clock hour (0-24) of each UTC time in zone ``tz``."""
    local = times.tz_convert(tz)
    return np.asarray(local.hour + local.minute / 60.0, dtype=float)


def circular_mean_hour(hours: np.ndarray) -> float:
    """Mean clock hour on the 24-hour circle (23:00 and 01:00 average to 00:00)."""
    angles = np.asarray(hours, dtype=float) * 2 * np.pi / 24
    mean = math.atan2(np.sin(angles).mean(), np.cos(angles).mean())
    return round((mean * 24 / (2 * np.pi)) % 24, 2)


def hour_concentration(hours: np.ndarray) -> float:
    """Resultant length of clock hours on the 24-hour circle: 1 when every occurrence is
    at the same time of day, about 1/sqrt(n) for n random times."""
    hours = np.asarray(hours, dtype=float)
    if hours.size == 0:
        return 0.0
    angles = hours * 2 * np.pi / 24
    return float(math.hypot(np.sin(angles).mean(), np.cos(angles).mean()))


def _spike_at(shape: np.ndarray, lo: int) -> tuple[int, int] | None:
    """(rise start, peak) of the largest rise of ``SPIKE_RISE_MGDL`` within 2 h whose
    peak is at or after ``lo``, or None."""
    best: tuple[float, int, int] | None = None
    for j in range(max(lo, 1), len(shape)):
        i = max(0, j - SPIKE_RISE_POINTS) + int(np.argmin(shape[max(0, j - SPIKE_RISE_POINTS) : j]))
        rise = shape[j] - shape[i]
        if rise >= SPIKE_RISE_MGDL and (best is None or rise > best[0]):
            best = (float(rise), i, j)
    return None if best is None else (best[1], best[2])


def shape_event(shape: np.ndarray, start_hour: float, pre: int = 0) -> ShapeEvent:
    """The clinical reading of a mean shape (mg/dL) whose window starts at local
    ``start_hour``; ``shape[:pre]`` is context before the window (a rise that began
    before the window still makes the window's fall the end of a spike, not a "steep
    fall"). Indices are relative to the window (may be negative for a rise start)."""
    shape = np.asarray(shape, dtype=float)
    win = shape[pre:]
    if win.size == 0:
        return ShapeEvent("pattern", 0, 0)
    if np.nanmin(win) < LOW_MGDL:
        i = int(np.nanargmin(win))
        steep = bool(np.nanmax(win[: i + 1]) - win[i] >= FALL_MGDL)
        return ShapeEvent("low", i, i, steep)
    spike = _spike_at(shape, pre)
    if spike is not None:
        return ShapeEvent("spike", spike[1] - pre, spike[0] - pre)
    if np.mean(win >= HIGH_MGDL) >= 2 / 3:
        i = int(np.nanargmax(win))
        return ShapeEvent("high", i, i)
    clock = (start_hour + np.arange(win.size) * 5 / 60.0) % 24
    dawn = (clock >= 3) & (clock <= 8)
    if dawn.sum() >= 2:
        seg = win[dawn]
        rise = seg - np.minimum.accumulate(seg)
        if np.max(rise) >= 20:
            return ShapeEvent("dawn", int(np.flatnonzero(dawn)[int(np.argmax(rise))]), 0)
    drop = np.maximum.accumulate(win) - win
    if np.max(drop) >= FALL_MGDL:
        i = int(np.argmax(drop))
        return ShapeEvent("fall", i, i)
    return ShapeEvent("pattern", 0, 0)


def clock_label(hour: float) -> str:
    minutes = int(round(hour * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _overnight(hour: float) -> bool:
    return hour >= 22 or hour < 6.5


def describe(
    kind: str, event_hour: float, rise_hour: float | None = None, steep: bool = False
) -> str:
    """Label from the clinical kind and the local clock hour of its event (a spike's
    meal from the hour its rise starts, ``rise_hour``)."""
    at = f"(around {clock_label(event_hour)})"
    if kind == "low":
        if _overnight(event_hour):
            return f"Recurring overnight low {at}"
        return f"Fall into a low {at}" if steep else f"Recurring daytime low {at}"
    if kind == "spike":
        start = event_hour if rise_hour is None else rise_hour
        meal = next((name for lo, hi, name in MEALS if lo <= start < hi), None)
        if meal is not None:
            return f"Spike after {meal} {at}"
        return f"{'Overnight' if _overnight(start) else 'Afternoon'} spike {at}"
    if kind == "high":
        return f"Recurring {'overnight' if _overnight(event_hour) else 'daytime'} high {at}"
    if kind == "dawn":
        return f"Dawn rise {at}"
    if kind == "fall":
        return f"Steep fall {at}"
    return f"Recurring pattern {at}"


def label_shape(shape: np.ndarray, start_hour_local: float, interval_min: int = 5) -> str:
    """Label of a mean motif shape (mg/dL) whose window starts at a local clock hour."""
    ev = shape_event(shape, start_hour_local)
    step = interval_min / 60.0
    event_hour = (start_hour_local + ev.index * step) % 24
    rise_hour = (start_hour_local + ev.rise_start * step) % 24
    return describe(ev.kind, event_hour, rise_hour, ev.steep)


def burden_hours(window: np.ndarray, interval_min: int = 5) -> float:
    """Hours outside range in one window, each weighted by how strict its consensus
    target is (``BAND_WEIGHTS``): 10 minutes below 54 mg/dL weigh as much as about 4
    hours above 180."""
    w = np.asarray(window, dtype=float)
    w = w[np.isfinite(w)]
    weight = np.zeros(w.size)
    for below, above, band_weight in BAND_WEIGHTS:
        hit = (w < below) if below is not None else (w > above)
        weight = np.where((weight == 0) & hit, band_weight, weight)
    return float(weight.sum() * interval_min / 60)


def occurrence_salient(kind: str, window: np.ndarray, pre: np.ndarray) -> bool:
    """Whether one occurrence (its window, and the readings just before it) shows the
    clinical event of the family's kind: a reading below 70 mg/dL, a rise of 50 mg/dL
    within 2 h peaking inside the window, or two thirds of the window above 180."""
    window = np.asarray(window, dtype=float)
    if not np.isfinite(window).any():
        return False
    if kind == "low":
        return bool(np.nanmin(window) < LOW_MGDL)
    if kind == "spike":
        both = np.r_[np.asarray(pre, dtype=float), window]
        both = pd.Series(both).interpolate(limit_direction="both").to_numpy()
        return _spike_at(both, len(pre)) is not None
    if kind == "high":
        return bool(np.mean(window >= HIGH_MGDL) >= 2 / 3)
    return False

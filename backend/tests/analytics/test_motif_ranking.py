"""Recognisable motifs (issue 16): ranking by recurrence, clinical weight and time of day,
and labels by shape and local time.

Fixture shapes: a simplified form of ``bench/_planted_patterns.py`` (three meals a day
at jittered local times, each a gamma-like bump, on a 120 mg/dL baseline) with the AR(1)
sensor noise of ``bench/patterns.py`` (sd ~4 mg/dL); planted lows fall by cosine to a
nadir and recover, as in the bench. Local times are set in the user's zone, so each
fixture crosses a DST change on purpose.
"""

import numpy as np
import pandas as pd

from glucolens.analytics.motif_labels import local_hours, shape_event
from glucolens.analytics.patterns import find_motifs

M = 36  # 3 hours


def _bump(t: np.ndarray, start: float, amp: float, tau: float) -> np.ndarray:
    d = t - start
    out = np.zeros_like(t)
    on = d > 0
    out[on] = amp * (d[on] / tau) * np.exp(1 - d[on] / tau)
    return out


def _minute(t0: pd.Timestamp, tz: str, day: int, hour: float) -> float:
    """Minutes from ``t0`` (UTC) to ``hour`` o'clock local on day ``day``."""
    local = pd.Timestamp(t0.tz_convert(tz).date()) + pd.Timedelta(days=day, hours=hour)
    return (local.tz_localize(tz).tz_convert("UTC") - t0).total_seconds() / 60


def _ar_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.7 * noise[i - 1] + rng.normal(0, 3)
    return noise


def _days(start_local: str, tz: str, days: int, seed: int, breakfast=(50, 75)):
    """Meals only: (times UTC, true glucose, minutes from t0, t0, rng)."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start_local, tz=tz).tz_convert("UTC")
    n = days * 288
    times = pd.date_range(t0, periods=n, freq="5min")
    t = np.arange(n) * 5.0
    g = np.full(n, 120.0)
    for d in range(days):
        for hour, (lo, hi) in ((7.5, breakfast), (12.5, (40, 80)), (19.0, (40, 90))):
            start = _minute(t0, tz, d, hour + rng.normal(0, 0.5))
            g += _bump(t, start, rng.uniform(lo, hi), rng.uniform(30, 80))
    return times, g, t, t0, rng


def _plant_low(g: np.ndarray, nadir: int, depth_to: float) -> None:
    fall, hold, rise = 18, 3, 9
    a, b = nadir - fall, nadir + hold + rise
    seg = np.r_[
        depth_to
        + (g[a] - depth_to) * (1 + np.cos(np.linspace(0, np.pi, fall, endpoint=False))) / 2,
        np.full(hold, depth_to),
        depth_to + (g[b] - depth_to) * (1 - np.cos(np.linspace(0, np.pi, rise))) / 2,
    ]
    g[a : a + len(seg)] = seg


def test_recurring_overnight_low_ranks_first_with_its_local_time_label():
    # 28 days in New York across the DST change of 2024-03-10; a low at 03:00 local on
    # 6 nights (3 before the change, 3 after), a one-off afternoon low, and daily meals.
    tz = "America/New_York"
    times, g, t, t0, rng = _days("2024-02-26", tz, 28, seed=3)
    nights = [2, 6, 11, 15, 20, 24]
    nadirs = [int(round(_minute(t0, tz, d, 3.0) / 5)) for d in nights]
    for i in nadirs:
        _plant_low(g, i, 56.0)
    _plant_low(g, int(round(_minute(t0, tz, 9, 15.5) / 5)), 58.0)
    values = g + _ar_noise(len(g), rng)
    motifs = find_motifs(times, values, M, k=3, tz=tz)
    top = motifs[0]
    assert top.kind == "low"
    # Planted at 03:00 local on both sides of the change (07:00 and 08:00 UTC).
    assert abs(top.typical_hour - 3.0) <= 0.25, top.typical_hour
    hh, mm = divmod(round(top.typical_hour * 60), 60)
    assert top.label == f"Recurring overnight low (around {hh:02d}:{mm:02d})", top.label
    idx = times.get_indexer(pd.DatetimeIndex(top.occurrences))
    covered = [any(s <= i < s + M for s in idx) for i in nadirs]
    assert sum(covered) >= 5, covered
    assert top.event_days >= 5 and top.extreme_mgdl is not None and top.extreme_mgdl < 62
    parts = top.score_components
    assert parts["clinical"] > 0 and parts["total"] == top.score
    assert [m.score for m in motifs] == sorted((m.score for m in motifs), reverse=True)


def test_lows_at_random_hours_are_not_a_time_of_day_pattern():
    # The same 6 lows at 6 different hours (01, 05, 09, 13, 17, 21 local): recurring
    # lows, but no time of day, so no "around HH:MM" family of them ranks first with a
    # time-of-day weight.
    tz = "America/New_York"
    times, g, t, t0, rng = _days("2024-02-26", tz, 28, seed=3)
    for d, hour in zip([2, 6, 11, 15, 20, 24], [1, 5, 9, 13, 17, 21], strict=True):
        _plant_low(g, int(round(_minute(t0, tz, d, hour) / 5)), 56.0)
    values = g + _ar_noise(len(g), rng)
    motifs = find_motifs(times, values, M, k=3, tz=tz)
    for m in motifs:
        if m.kind == "low":
            assert m.score_components["timing"] < 0.3, m.score_components


def test_post_breakfast_spike_is_labelled_a_spike_after_breakfast_in_local_time():
    # 21 days in Berlin across the DST end of 2024-10-27: a large breakfast spike
    # (+100-120 mg/dL) at 07:30 local every day, smaller lunches and dinners.
    tz = "Europe/Berlin"
    times, g, t, t0, rng = _days("2024-10-16", tz, 21, seed=5, breakfast=(100, 120))
    values = g + _ar_noise(len(g), rng)
    motifs = find_motifs(times, values, M, k=3, tz=tz)
    spikes = [m for m in motifs if m.kind == "spike" and 7.5 <= m.typical_hour <= 10]
    assert spikes, [m.label for m in motifs]
    top = spikes[0]
    assert top.label.startswith("Spike after breakfast (around 0"), top.label
    assert "fall" not in top.label.lower()
    assert top.rise_mgdl is not None and top.rise_mgdl >= 80
    # Peaks before and after the change sit at the same local hour, an hour apart in UTC.
    idx = times.get_indexer(pd.DatetimeIndex(top.occurrences))
    peaks = pd.DatetimeIndex([times[s + int(np.argmax(values[s : s + M]))] for s in idx])
    before = peaks < pd.Timestamp("2024-10-27 01:00", tz="UTC")
    assert before.any() and (~before).any()
    local = local_hours(peaks, tz)
    utc = local_hours(peaks, "UTC")
    assert abs(np.median(local[before]) - np.median(local[~before])) < 0.75
    assert abs(np.median(utc[~before]) - np.median(utc[before]) - 1) < 0.75


def test_fall_after_a_rise_before_the_window_is_a_spike_not_a_steep_fall():
    # The window starts at the peak of a breakfast spike: on its own it is a 90 mg/dL
    # fall; with the 90 minutes before it (the rise) it is the end of a spike.
    rise = np.linspace(120, 220, 18)
    fall = np.linspace(220, 130, M)
    assert shape_event(fall, 8.5).kind == "fall"
    event = shape_event(np.r_[rise, fall], 8.5, pre=18)
    assert event.kind == "spike"
    assert event.rise_start < 0 <= event.index


def test_local_hours_follow_the_zone_across_dst():
    # 03:00 local in New York is 08:00 UTC before 2024-03-10 and 07:00 UTC after.
    times = pd.DatetimeIndex(["2024-03-09 08:00", "2024-03-11 07:00"], tz="UTC")
    assert local_hours(times, "America/New_York").tolist() == [3.0, 3.0]


def test_a_shown_event_stays_with_its_event_family_not_a_matrix_profile_family():
    # Shapes: window starts on a bare index (3-hour windows, M = 36 points); a spike
    # family shows peaks at start + 40 % of the window (motif_events.EVENT_OFFSET).
    from glucolens.analytics.motifs import _assign_shown_events, _Family

    spikes = _Family(seed=95, starts=np.array([95, 395]), separation=1.0, score=1.0, kind="spike")
    peaks = [95 + int(0.4 * M), 395 + int(0.4 * M)]  # 109 and 409
    # 109 is inside the windows starting at 80 and 100, not 150 or 300.
    curves = _Family(seed=0, starts=np.array([0, 80, 150, 300, 600]), separation=1.2, score=2.0)
    pair = _Family(seed=100, starts=np.array([100, 500, 700]), separation=1.2, score=2.0)
    shapes, events = _assign_shown_events([curves, pair], [spikes], M)
    assert [f.starts.tolist() for f in shapes] == [[0, 150, 300, 600], [500, 700]], shapes
    assert all(not (s <= p < s + M) for f in shapes for s in f.starts for p in peaks)
    assert events[0].separation == 1.0  # neither family is mostly these spikes
    # A shape family most of whose windows hold the shown spikes is the same pattern:
    # dropped, and the event family takes its (larger) separation.
    same = _Family(seed=100, starts=np.array([100, 400, 700]), separation=1.7, score=3.0)
    shapes, events = _assign_shown_events([same, curves], [spikes], M)
    assert [f.starts.tolist() for f in shapes] == [[0, 150, 300, 600]]
    assert events[0].separation == 1.7 and events[0].starts.tolist() == [95, 395]
    shapes, events = _assign_shown_events([curves], [], M)
    assert shapes[0].starts.tolist() == [0, 80, 150, 300, 600] and events == []

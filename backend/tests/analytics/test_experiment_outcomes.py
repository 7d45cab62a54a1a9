"""Daily outcomes of experiments (analytics/experiment_outcomes.py) on local days.

Traces are synthetic 5-minute series built here: a known value in and outside the window,
so each outcome has one right answer; Europe/London's 2026 DST days (29 March, 23 hours;
25 October, 25 hours) check that days and windows follow local time.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from glucolens.analytics.experiment_outcomes import OutcomeSpec, daily_outcomes, day_span
from glucolens.core.timeutil import zone

TZ = "Europe/London"


def trace(day: dt.date, value_at) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """5-minute readings over local ``day``; ``value_at(local_hour)`` gives each value."""
    start, end = day_span(day, TZ, OutcomeSpec("day_mean"))
    ts = np.arange(start, end, 300.0)
    local = [dt.datetime.fromtimestamp(t, dt.UTC).astimezone(zone(TZ)) for t in ts]
    hours = np.array([d.hour + d.minute / 60 for d in local])
    return ts, np.array([value_at(h) for h in hours], dtype=float)


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2026, 6, 1)])
def test_window_is_local_clock_time_on_dst_days(day):
    ts, v = trace(day, lambda h: 200.0 if 19 <= h < 23 else 100.0)
    spec = OutcomeSpec("window_mean", 19 * 60, 23 * 60)
    assert daily_outcomes(ts, v, [day], TZ, spec)[0] == pytest.approx(200.0)
    peak = OutcomeSpec("window_peak", 19 * 60, 23 * 60)
    assert daily_outcomes(ts, v, [day], TZ, peak)[0] == pytest.approx(200.0)


def test_whole_day_length_follows_dst():
    short = day_span(dt.date(2026, 3, 29), TZ, OutcomeSpec("day_mean"))
    long = day_span(dt.date(2026, 10, 25), TZ, OutcomeSpec("day_mean"))
    assert short[1] - short[0] == 23 * 3600 and long[1] - long[0] == 25 * 3600


def test_day_mean_and_time_in_range():
    day = dt.date(2026, 6, 1)
    ts, v = trace(day, lambda h: 250.0 if h < 6 else 120.0)  # 6 of 24 hours above range
    assert daily_outcomes(ts, v, [day], TZ, OutcomeSpec("day_tir"))[0] == pytest.approx(75.0)
    mean = daily_outcomes(ts, v, [day], TZ, OutcomeSpec("day_mean"))[0]
    assert mean == pytest.approx(0.25 * 250 + 0.75 * 120)


def test_a_day_with_too_little_sensor_data_is_missing():
    day = dt.date(2026, 6, 1)
    ts, v = trace(day, lambda h: 150.0)
    spec = OutcomeSpec("window_mean", 19 * 60, 23 * 60)
    w0, w1 = day_span(day, TZ, spec)
    gap = (ts >= w0) & (ts < w0 + 0.4 * (w1 - w0))  # 40% of the window without readings
    assert np.isnan(daily_outcomes(ts[~gap], v[~gap], [day], TZ, spec)[0])
    assert np.isnan(daily_outcomes(ts, v, [day + dt.timedelta(days=1)], TZ, spec)[0])


def test_a_one_minute_uploader_weighs_the_same_as_five_minute_readings():
    day = dt.date(2026, 6, 1)
    spec = OutcomeSpec("window_mean", 19 * 60, 23 * 60)
    w0, w1 = day_span(day, TZ, spec)
    five = np.arange(w0, w1, 300.0)
    one = np.arange(w0, w0 + 3600, 60.0)  # the first hour read every minute
    ts = np.sort(np.concatenate([five[five >= w0 + 3600], one]))
    v = np.where(ts < w0 + 3600, 100.0, 200.0)
    assert daily_outcomes(ts, v, [day], TZ, spec)[0] == pytest.approx(175.0)


def test_a_window_must_start_before_it_ends():
    with pytest.raises(ValueError):
        OutcomeSpec("window_mean", 23 * 60, 19 * 60)

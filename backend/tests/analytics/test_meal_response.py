"""Per-meal responses and their ranking on synthetic traces whose answers are known by
geometry (a triangle above a flat baseline; shapes drawn by hand, not from any dataset)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.meal_ranking import MIN_GROUP, food_name, rank_meals, time_of_day
from glucolens.analytics.meal_response import (
    meal_responses,
    measure_meal,
    naive_response,
    positive_area,
)

T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def triangle(minutes: np.ndarray) -> np.ndarray:
    """100 mg/dL until the meal, a straight rise to 160 at 45 min, a straight fall that
    crosses 100 at 107.5 min (between two 5-minute readings) and flattens at 90."""
    up = 100 + 60 * minutes / 45
    down = 160 - 60 * (minutes - 45) / 62.5
    y = np.where(minutes < 0, 100.0, np.where(minutes <= 45, up, down))
    return np.maximum(y, 90.0)


def five_minute(lo: float = -60, hi: float = 240) -> np.ndarray:
    return np.arange(lo, hi + 1, 5.0)


def test_triangle_gives_the_geometric_answers():
    m = five_minute()
    r, trace = measure_meal(1, T0, m, triangle(m), 5.0, smooth_half_min=0)
    assert r.baseline_mgdl == 100.0
    assert r.peak_rise_mgdl == 60.0
    assert r.time_to_peak_min == 45.0
    # area of the triangle above 100: base 107.5 min x height 60 / 2
    assert r.iauc_mgdl_min == pytest.approx(0.5 * 107.5 * 60, abs=1)
    assert r.back_to_baseline_min == 108.0  # first whole minute at or below baseline
    assert r.confidence == "high" and r.reasons == ()
    assert trace.minutes[0] == -30.0 and trace.minutes[-1] == 180.0


def test_positive_area_counts_only_the_triangle_above_zero_of_a_crossing_segment():
    # from +10 to -30 over 4 min: crosses at 1 min, triangle 10 x 1 / 2
    assert positive_area(np.array([0.0, 4.0]), np.array([10.0, -30.0])) == pytest.approx(5.0)
    assert positive_area(np.array([0.0, 4.0]), np.array([-10.0, -30.0])) == 0.0


def test_smoothing_removes_most_of_the_noise_bias_of_the_peak():
    rng = np.random.default_rng(3)
    m = five_minute()
    errors_smooth, errors_naive = [], []
    for _ in range(200):
        y = triangle(m) + rng.normal(0, 8, len(m))
        r, _ = measure_meal(1, T0, m, y, 5.0)
        errors_smooth.append(abs(r.peak_rise_mgdl - 60))
        naive = naive_response(m, y)
        assert naive is not None
        errors_naive.append(abs(naive[0] - 60))
    assert np.median(errors_smooth) < np.median(errors_naive)


def test_a_meal_in_the_two_hours_after_lowers_confidence():
    m = five_minute()
    r, _ = measure_meal(1, T0, m, triangle(m), 5.0, np.array([90.0]))
    assert r.confidence == "low" and "meal_after" in r.reasons
    r, _ = measure_meal(1, T0, m, triangle(m), 5.0, np.array([-60.0, 150.0]))
    assert r.reasons == ("meal_before",)


def test_a_gap_in_the_window_is_flagged_gappy_and_still_measured():
    m = five_minute()
    keep = (m < 20) | (m > 70)  # 50 minutes missing around the rise
    r, _ = measure_meal(1, T0, m[keep], triangle(m[keep]), 5.0)
    assert "gappy" in r.reasons and r.measured


def test_no_readings_before_the_meal_means_no_baseline_and_no_measures():
    m = five_minute(lo=5)
    r, _ = measure_meal(1, T0, m, triangle(m), 5.0)
    assert r.reasons == ("no_baseline",) and not r.measured and r.confidence == "low"


def test_a_meal_whose_trace_has_not_reached_two_hours_is_flagged():
    m = five_minute(hi=60)
    r, _ = measure_meal(1, T0, m, triangle(m), 5.0)
    assert "trace_ends" in r.reasons
    assert r.back_to_baseline_min is None


def test_no_readings_after_the_meal_is_no_trace():
    m = five_minute(hi=0)
    r, _ = measure_meal(1, T0, m, triangle(m), 5.0)
    assert r.reasons[0] == "no_trace" and not r.measured


def _series(meal_minutes: list[float], rises: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """5-minute readings over several days, one triangle per meal scaled by its rise."""
    m = np.arange(-60, max(meal_minutes) + 300, 5.0)
    y = np.full(len(m), 100.0)
    for at, rise in zip(meal_minutes, rises, strict=True):
        y += (triangle(m - at) - 100).clip(0) * rise / 60
    secs = T0.timestamp() + m * 60
    return secs, y


def test_meal_responses_rank_bigger_rises_first_and_see_each_other_as_overlaps():
    at = [0.0, 600.0, 1200.0, 1260.0]
    secs, y = _series(at, [30, 90, 60, 60])
    meals = pd.DataFrame({"id": [1, 2, 3, 4], "ts": [T0 + dt.timedelta(minutes=a) for a in at]})
    rs, _ = meal_responses(secs, y, meals)
    by_id = {r.meal_id: r for r in rs}
    assert by_id[2].peak_rise_mgdl > by_id[1].peak_rise_mgdl
    assert "meal_after" in by_id[3].reasons and "meal_before" in by_id[4].reasons
    ranking = rank_meals(rs, meals.assign(description=None), "UTC")
    assert ranking.ranked_meal_ids == [2, 1]  # 3 and 4 overlap: low confidence, not ranked


def test_food_names_are_normalised():
    assert food_name("  Oats  with\tMilk. ") == "oats with milk"
    assert food_name("OATS WITH MILK") == "oats with milk"
    assert food_name("   ") is None and food_name(None) is None


def test_time_of_day_uses_local_time_across_a_dst_change():
    # 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer: morning both times
    for utc in ("2026-03-28T07:00:00Z", "2026-03-30T06:00:00Z"):
        hour = pd.Timestamp(utc).tz_convert("Europe/Berlin").hour
        assert time_of_day(hour) == "morning"
    assert time_of_day(23) == "night" and time_of_day(4) == "night"
    assert time_of_day(12) == "midday" and time_of_day(19) == "evening"


def test_comparisons_say_too_few_below_the_minimum_group_size():
    at = [i * 1440.0 for i in range(MIN_GROUP)]  # five mornings, nothing else
    secs, y = _series(at, [50] * len(at))
    meals = pd.DataFrame(
        {
            "id": range(1, len(at) + 1),
            "ts": [T0 + dt.timedelta(minutes=a) for a in at],
            "description": ["Toast"] * len(at),
        }
    )
    rs, _ = meal_responses(secs, y, meals)
    ranking = rank_meals(rs, meals, "UTC")
    tod = next(c for c in ranking.comparisons if c.dimension == "time_of_day")
    assert tod.status == "too_few" and tod.p_value is None
    assert [f.food for f in ranking.foods] == ["toast"] and ranking.foods_status == "too_few"
    assert next(c for c in ranking.comparisons if c.dimension == "activity").status == "no_data"


def test_short_sleep_meals_that_rise_more_are_called_higher():
    n = 2 * MIN_GROUP + 2
    at = [i * 1440.0 for i in range(n)]
    short = [i % 2 == 0 for i in range(n)]
    secs, y = _series(at, [80 if s else 30 for s in short])
    meals = pd.DataFrame(
        {"id": range(1, n + 1), "ts": [T0 + dt.timedelta(minutes=a) for a in at]}
    ).assign(description=None)
    wake = [T0 + dt.timedelta(minutes=a - 60) for a in at]
    sleep = pd.DataFrame(
        {
            "start": [
                w - dt.timedelta(hours=5 if s else 8) for w, s in zip(wake, short, strict=True)
            ],
            "end": wake,
            "asleep_min": [np.nan] * n,
        }
    )
    rs, _ = meal_responses(secs, y, meals)
    ranking = rank_meals(rs, meals, "UTC", sleep=sleep)
    cmp = next(c for c in ranking.comparisons if c.dimension == "sleep")
    assert cmp.status == "ok" and cmp.higher == "short" and cmp.p_value < 0.05
    assert ranking.meal_context[1]["short_sleep"] is True
    assert ranking.meal_context[2]["sleep_h"] == 8.0

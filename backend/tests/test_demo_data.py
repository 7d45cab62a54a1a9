"""Demo data generator: shape, cadence, gap, ranges and the planted sleep effect."""

import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.causal import discover_daily
from glucolens.analytics.features import daily_frame
from glucolens.demo_data import generate_demo

END = datetime(2025, 11, 20, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo():
    started = time.perf_counter()
    data = generate_demo(days=90, end=END, seed=42)
    return data, time.perf_counter() - started


def test_generates_90_days_quickly(demo):
    data, seconds = demo
    assert seconds < 2.0
    span = data.glucose["timestamp"].iloc[-1] - data.glucose["timestamp"].iloc[0]
    assert pd.Timedelta(days=89) < span <= pd.Timedelta(days=90)
    assert len(data.sleep) >= 90 and len(data.meals) >= 270 and len(data.insulin) >= 360
    assert set(data.insulin["kind"]) == {"bolus", "basal"}
    assert {
        "start",
        "end",
        "in_bed_min",
        "asleep_min",
        "awake_min",
        "deep_min",
        "core_min",
        "rem_min",
    } <= set(data.sleep.columns)
    assert {"activity_type", "intensity", "kcal", "steps", "avg_hr"} <= set(data.activities.columns)


def test_glucose_is_5_min_cadence_with_one_long_gap(demo):
    data, _ = demo
    times = pd.DatetimeIndex(data.glucose["timestamp"])
    assert str(times.tz) == "UTC"
    steps_min = np.diff(times.asi8) / np.diff(times.asi8).min() * 5
    assert np.median(steps_min) == 5
    gaps = steps_min[steps_min > 5]
    assert len(gaps) == 1 and 5 * 60 <= gaps[0] <= 7 * 60  # ~6 h sensor gap


def test_values_are_physiological_and_type1_like(demo):
    data, _ = demo
    v = data.glucose["value_mgdl"].to_numpy()
    assert v.min() >= 40 and v.max() <= 400
    assert 130 <= v.mean() <= 165
    assert 25 <= 100 * v.std() / v.mean() <= 40
    assert set(data.glucose["trend"]) <= {
        "doubleDown",
        "singleDown",
        "fortyFiveDown",
        "flat",
        "fortyFiveUp",
        "singleUp",
        "doubleUp",
    }


def test_same_seed_is_reproducible():
    a = generate_demo(days=5, end=END, seed=1)
    b = generate_demo(days=5, end=END, seed=1)
    pd.testing.assert_frame_equal(a.glucose, b.glucose)


def test_pcmci_finds_planted_sleep_effect_at_lag_one(demo):
    data, _ = demo
    daily = daily_frame(
        data.glucose, data.sleep, data.meals, data.activities, data.insulin, tz=data.tz
    )
    graph = discover_daily(daily)
    assert graph.status == "ok"
    edge = next(
        e for e in graph.edges if (e.source, e.target) == ("sleep_duration_h", "mean_glucose")
    )
    assert edge.lag == 1 and edge.strength < 0
    # planted: +9 mg/dL per hour less sleep
    assert -14 < edge.effect < -5
    assert any(p["source"] == "sleep_duration_h" for p in data.planted_effects)

"""The predictions payload says when a low is expected (point forecast), when one is possible
(lower 80 % bound) and how likely it is (issue 10, item 2): the page said "No low expected"
while its own 80 % band reached 43 mg/dL."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.forecast import ForecastModel
from glucolens.insights.predict import _forecast, low_risk
from glucolens.insights.repository import UserFrames

LOW = 70.0


def _path(values: list[float], lo80: list[float]) -> list[dict[str, float]]:
    return [
        {"minutes": 5 * (i + 1), "value": v, "lo80": lo, "hi80": v + (v - lo)}
        for i, (v, lo) in enumerate(zip(values, lo80, strict=True))
    ]


def test_interval_reaching_a_low_makes_a_low_possible_not_expected():
    # The case from the issue: the point forecast stays above 70, the 80 % band reaches 43.
    values = [110, 105, 100, 96, 92, 89, 86, 84, 82, 81, 80, 80]
    lo80 = [100, 90, 82, 75, 69, 63, 58, 54, 50, 47, 45, 43]
    risk = low_risk(112.0, _path(values, lo80), LOW)
    assert risk["expected_at_min"] is None
    assert risk["possible_at_min"] == pytest.approx(24.2, abs=0.1)  # 75 at 20 min, 69 at 25
    assert 0.1 < risk["probability"] < 0.5
    assert risk["probability_at_min"] == 60


def test_point_forecast_reaching_a_low_makes_it_expected_with_at_least_even_odds():
    values = [100, 92, 84, 77, 71, 66, 62, 60, 58, 57, 56, 56]
    lo80 = [v - 12 for v in values]
    risk = low_risk(104.0, _path(values, lo80), LOW)
    assert risk["expected_at_min"] == pytest.approx(25.0 + 5 * (71 - 70) / (71 - 66), abs=0.1)
    assert risk["possible_at_min"] is not None
    assert risk["possible_at_min"] < risk["expected_at_min"]
    assert risk["probability"] >= 0.5


def test_a_forecast_well_above_the_threshold_has_a_small_chance_and_no_crossing():
    values = [140.0] * 12
    lo80 = [125.0] * 12
    risk = low_risk(140.0, _path(values, lo80), LOW)
    assert risk["expected_at_min"] is None and risk["possible_at_min"] is None
    assert risk["probability"] < 0.01


def test_already_low_is_certain_at_minute_zero():
    risk = low_risk(62.0, _path([64.0] * 12, [55.0] * 12), LOW)
    assert risk["expected_at_min"] == 0.0 and risk["possible_at_min"] == 0.0
    assert risk["probability"] == 1.0 and risk["probability_at_min"] == 0


def test_predictions_payload_carries_the_low_risk():
    """Through the same code the job and the live forecast use, on a falling trace."""
    end = pd.Timestamp(dt.datetime.now(dt.UTC)).floor("5min")
    times = pd.date_range(end - pd.Timedelta(hours=3), end, freq="5min")
    values = np.linspace(160, 95, len(times))
    empty = pd.DataFrame
    frames = UserFrames(
        "UTC",
        pd.DataFrame({"timestamp": times, "value_mgdl": values}),
        empty(columns=["start", "end", "asleep_min", "in_bed_min"]),
        empty(columns=["timestamp", "carbs_g"]),
        empty(columns=["start", "end", "intensity", "steps"]),
        empty(columns=["timestamp", "units", "kind"]),
    )
    out = _forecast(ForecastModel(kind="damped_trend"), frames, end.to_pydatetime())
    assert out["status"] == "ok", out
    risk = out["low_risk"]
    assert risk["threshold_mgdl"] == LOW
    # A slowing fall: the point forecast levels off in the 80s, the 80 % band goes low.
    lows = [p["minutes"] for p in out["path"] if p["lo80"] <= LOW]
    assert lows and risk["expected_at_min"] is None
    assert lows[0] - 5 < risk["possible_at_min"] <= lows[0]
    assert 0.1 < risk["probability"] < 0.5

import json

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.forecast import (
    CARB_PEAK_MIN,
    INSULIN_PEAK_MIN,
    LOW_MGDL,
    LOW_WEIGHT,
    LOW_WEIGHT_TOP_MGDL,
    ForecastModel,
    _weights,
    absorbed_fraction,
    clarke_zones,
    forecast,
    linear_extrapolation,
    persistence,
    time_to_low,
)


def _times(n: int, start: str = "2024-05-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="5min", tz="UTC")


def _piecewise_linear(days: int = 4, seed: int = 0) -> np.ndarray:
    """Straight segments of 4–8 hours with slopes of up to ±1 mg/dL/min. No physiological
    bounds: the model should learn plain trend-following from this."""
    rng = np.random.default_rng(seed)
    n = days * 288
    out, g = [], 140.0
    while len(out) < n:
        slope = rng.uniform(-1, 1)
        for _ in range(rng.integers(48, 97)):
            g += 5 * slope
            out.append(g)
    return np.asarray(out[:n]) + rng.normal(0, 0.5, n)


@pytest.fixture(scope="module")
def trend_model() -> ForecastModel:
    values = _piecewise_linear()
    return ForecastModel.fit(_times(len(values)), values)


def test_linear_trend_is_extrapolated(trend_model):
    assert trend_model.kind == "ridge"
    recent = 150 + 5 * 1.0 * np.arange(24)  # +1 mg/dL/min
    fc = forecast(trend_model, _times(24, "2024-06-01"), recent)
    h = {x["minutes"]: x["value"] for x in fc.horizons}
    assert h[30] == pytest.approx(recent[-1] + 30, abs=6)
    assert h[60] == pytest.approx(recent[-1] + 60, abs=12)


def test_intervals_are_ordered_and_clamped(trend_model):
    recent = 300 + 5 * 2.0 * np.arange(24)
    recent = np.clip(recent, None, 390)
    fc = forecast(trend_model, _times(24, "2024-06-01"), recent)
    for x in fc.horizons:
        assert 40 <= x["lo95"] <= x["lo80"] <= x["value"] <= x["hi80"] <= x["hi95"] <= 400
    assert [p["minutes"] for p in fc.path] == list(range(5, 65, 5))


def test_time_to_low_matches_analytic_crossing(trend_model):
    recent = 160 - 5 * 1.0 * np.arange(13)  # -1 mg/dL/min, last value 100
    fc = forecast(trend_model, _times(13, "2024-06-01"), recent)
    assert fc.time_to_low_min == pytest.approx(30, abs=4)


def test_time_to_low_none_when_stable_and_zero_when_already_low():
    assert time_to_low(120, [(m, 120.0) for m in range(5, 65, 5)]) is None
    assert time_to_low(65, [(5, 70.0)]) == 0.0
    assert time_to_low(80, [(5, 75.0), (10, 65.0)]) == pytest.approx(7.5)


def test_short_history_falls_back_to_damped_trend_with_wider_intervals(trend_model):
    values = 150 - 0.5 * np.arange(100)
    model = ForecastModel.fit(_times(100), values)
    assert model.kind == "damped_trend" and "needed" in model.reason
    fc = forecast(model, _times(100), values)
    ridge = forecast(trend_model, _times(100), values)
    width = {x["minutes"]: x["hi95"] - x["lo95"] for x in fc.horizons}
    ridge_width = {x["minutes"]: x["hi95"] - x["lo95"] for x in ridge.horizons}
    assert fc.model == "damped_trend"
    assert width[30] > ridge_width[30]
    assert fc.horizons[0]["value"] < values[-1]  # the downward trend carries on


def test_logged_carbs_and_insulin_move_the_forecast_before_glucose_does():
    rng = np.random.default_rng(1)
    n = 6 * 288
    minutes = np.arange(n) * 5.0
    # Meals and doses at independent random (Poisson) times, so that nothing logged so
    # far says when the next one comes; on average they cancel out.
    meals = np.sort(rng.uniform(0, n * 5, n * 5 // 240))
    grams = rng.uniform(10, 80, len(meals))
    doses = np.sort(rng.uniform(0, n * 5, n * 5 // 120))
    units = rng.uniform(0.5, 4, len(doses))
    # 3 mg/dL per gram absorbed, -30 mg/dL per unit absorbed.
    effect = sum(
        3.0 * g * absorbed_fraction(minutes - t, CARB_PEAK_MIN)
        for t, g in zip(meals, grams, strict=True)
    ) - sum(
        30.0 * u * absorbed_fraction(minutes - t, INSULIN_PEAK_MIN)
        for t, u in zip(doses, units, strict=True)
    )
    values = 120 + effect + rng.normal(0, 1, n)
    times = _times(n)
    carbs = pd.DataFrame(
        {"timestamp": times[0] + pd.to_timedelta(meals, unit="min"), "carbs_g": grams}
    )
    insulin = pd.DataFrame(
        {
            "timestamp": times[0] + pd.to_timedelta(doses, unit="min"),
            "units": units,
            "kind": "bolus",
        }
    )
    model = ForecastModel.fit(times, values, carbs=carbs, insulin=insulin)
    now = _times(12, "2024-07-01")
    flat = np.full(12, 120.0)
    meal = pd.DataFrame({"timestamp": [now[-1]], "carbs_g": [50.0]})
    dose = pd.DataFrame({"timestamp": [now[-1]], "units": [2.0], "kind": ["bolus"]})
    at60 = {
        name: forecast(model, now, flat, carbs=c, insulin=i).horizons[1]["value"]
        for name, c, i in [("none", None, None), ("meal", meal, None), ("dose", None, dose)]
    }
    rise = 3.0 * 50 * absorbed_fraction(np.array([60.0]), CARB_PEAK_MIN)[0]
    fall = 30.0 * 2 * absorbed_fraction(np.array([60.0]), INSULIN_PEAK_MIN)[0]
    assert at60["meal"] - at60["none"] == pytest.approx(rise, rel=0.15)
    assert at60["none"] - at60["dose"] == pytest.approx(fall, rel=0.15)


def test_baselines():
    values = np.arange(10, dtype=float) * 5 + 100  # +1 mg/dL/min
    assert persistence(values, 30)[-1] == values[-1]
    assert linear_extrapolation(values, 30)[-1] == pytest.approx(values[-1] + 30)
    assert np.isnan(linear_extrapolation(values, 30)[:6]).all()


@pytest.mark.parametrize(
    ("reference", "predicted", "zone"),
    [
        (100, 110, "A"),
        (60, 50, "A"),
        (100, 130, "B"),
        (300, 200, "B"),
        (100, 215, "C"),
        (150, 25, "C"),
        (50, 100, "D"),
        (250, 120, "D"),
        (200, 50, "E"),
        (50, 200, "E"),
    ],
)
def test_clarke_zones(reference, predicted, zone):
    assert clarke_zones(np.array([reference]), np.array([predicted]))[0] == zone


def test_forecast_to_dict_is_json_with_utc_z(trend_model):
    fc = forecast(trend_model, _times(24), np.full(24, 120.0))
    d = fc.to_dict()
    assert d["last_reading_at"].endswith("Z")
    assert {"minutes", "value", "lo80", "hi80", "lo95", "hi95"} <= set(d["horizons"][0])
    assert d["time_to_low_min"] is None and d["low_threshold"] == 70
    json.dumps(d, allow_nan=False)
    json.dumps(trend_model.to_dict(), allow_nan=False)


def test_forecast_without_readings_returns_empty():
    fc = forecast(ForecastModel(kind="damped_trend"), pd.DatetimeIndex([], tz="UTC"), np.array([]))
    assert fc.last_value is None and fc.horizons == []


def test_low_range_forecast_is_cautious_and_inside_its_intervals(trend_model):
    recent = 130 - 5 * 0.8 * np.arange(13)  # falling 0.8 mg/dL/min, last value 82
    times = _times(13, "2024-06-01")
    _, means = trend_model.predict_all(times, recent, cautious=False)
    _, points = trend_model.predict_all(times, recent)
    assert points[30][-1] < means[30][-1] < recent[-1]  # moved down, only in the low range
    high = 300 - 5 * 0.8 * np.arange(13)
    _, hm = trend_model.predict_all(times, high, cautious=False)
    _, hp = trend_model.predict_all(times, high)
    assert hp[30][-1] == hm[30][-1]
    fc = forecast(trend_model, times, recent)
    for x in fc.horizons:
        assert x["lo95"] <= x["lo80"] <= x["value"] <= x["hi80"] <= x["hi95"]


def test_stored_model_with_other_features_falls_back_instead_of_failing(trend_model):
    old = ForecastModel(
        kind="ridge",
        mean={h: m[:-2] for h, m in trend_model.mean.items()},
        scale={h: s[:-2] for h, s in trend_model.scale.items()},
        coef={h: c[:-2] for h, c in trend_model.coef.items()},
        residual_q=trend_model.residual_q,
    )
    assert not old.compatible() and trend_model.compatible()
    fc = forecast(old, _times(24), np.full(24, 120.0))
    assert fc.model == "damped_trend" and len(fc.horizons) == 2


def test_training_weight_is_highest_for_outcomes_in_hypoglycaemia():
    w = _weights(np.array([50.0, LOW_MGDL, (LOW_MGDL + LOW_WEIGHT_TOP_MGDL) / 2, 90.0, 200.0]))
    assert w.tolist() == pytest.approx([LOW_WEIGHT, LOW_WEIGHT, (LOW_WEIGHT + 1) / 2, 1, 1])


def test_low_weighting_fits_falls_into_lows_better():
    # Two incommensurate cycles pressed against a soft floor near 55 mg/dL (like
    # counter-regulation), which a linear model cannot follow exactly: weighting the rows
    # that end low must cut the errors on those rows.
    n = 6 * 288
    minutes = np.arange(n) * 5.0
    rng = np.random.default_rng(3)
    cycles = 130 + 50 * np.sin(2 * np.pi * minutes / 300) + 50 * np.sin(2 * np.pi * minutes / 437)
    values = 55 + 25 * np.log1p(np.exp((cycles - 55) / 25)) + rng.normal(0, 1, n)
    times = _times(n)
    weighted = ForecastModel.fit(times, values)
    plain = ForecastModel.fit(times, values, low_weight=1.0)
    k = 30 // 5
    low = np.flatnonzero(values[k:] < 75)
    errors = {}
    for name, model in (("weighted", weighted), ("plain", plain)):
        _, means = model.predict_all(times, values, cautious=False)
        errors[name] = np.sqrt(np.nanmean((means[30][low] - values[low + k]) ** 2))
    assert len(low) > 50
    assert errors["weighted"] < 0.9 * errors["plain"]


def test_a_low_range_term_fitted_on_a_handful_of_rows_is_not_extrapolated():
    # Shape from the real CGM case (iglu example data, Subject 2): training days that stay
    # above 120 mg/dL except a few readings at 115-119, then a reading of 90. The
    # low-range terms had a coefficient fitted on those few rows, and the forecast went to
    # 400. Synthetic trace: a smooth oscillation around 200 mg/dL.
    n = 6 * 288
    minutes = np.arange(n) * 5.0
    rng = np.random.default_rng(5)
    values = 200 + 50 * np.sin(2 * np.pi * minutes / 360) + rng.normal(0, 2, n)
    values[1000:1008] = [119, 117, 116, 115, 115, 116, 118, 121]
    model = ForecastModel.fit(_times(n), values)
    recent = np.array([97, 95, 94, 92, 90, 90, 91, 90, 90, 89, 90, 90], dtype=float)
    fc = forecast(model, _times(len(recent), "2024-06-01"), recent)
    # Reverting towards this person's mean (about 200) is learned behaviour; going past
    # anything in the history is extrapolation.
    for h in fc.horizons:
        assert 80 < h["value"] < values.max(), h

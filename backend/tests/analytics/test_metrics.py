"""Metrics against hand-computed values (arithmetic in the comments)."""

import math

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics import metrics as m

T0 = pd.Timestamp("2025-03-01T00:00:00Z")


def grid_times(n: int, step_min: int = 5) -> pd.DatetimeIndex:
    return pd.date_range(T0, periods=n, freq=f"{step_min}min")


def test_lbgi_hbgi_match_kovatchev_formula():
    # f(50) = 1.509 (ln(50)^1.084 - 5.381) = 1.509 (4.38676 - 5.381) = -1.50031
    # risk = 10 f^2 = 22.509; f(112.5) ~ 0 -> LBGI = (22.509 + 0) / 2 = 11.25
    assert m.lbgi(np.array([50.0, 112.5])) == pytest.approx(11.25, abs=0.02)
    # f(250) = 1.509 (6.37344 - 5.381) = 1.49759 -> 22.428 ; HBGI = 22.428 / 2
    assert m.hbgi(np.array([250.0, 112.5])) == pytest.approx(11.21, abs=0.02)
    assert m.hbgi(np.array([50.0])) == 0.0


def test_adrr_is_mean_daily_max_risk_range():
    # day 1: [50, 112.5] -> 22.509 + 0 ; day 2: [112.5, 250] -> 0 + 22.428
    times = pd.DatetimeIndex(
        ["2025-03-01T08:00Z", "2025-03-01T09:00Z", "2025-03-02T08:00Z", "2025-03-02T09:00Z"]
    )
    assert m.adrr(times, np.array([50, 112.5, 112.5, 250])) == pytest.approx(22.47, abs=0.02)


def test_j_index_and_gmi():
    # mean 150, SD(n-1) = 70.711 -> 0.001 * 220.711^2 = 48.713
    assert m.j_index(np.array([100.0, 200.0])) == pytest.approx(48.713, abs=0.01)
    result = m.compute_metrics(grid_times(2), np.array([100.0, 200.0]))
    assert result.gmi_pct == pytest.approx(3.31 + 0.02392 * 150)  # 6.898


def test_grade_values_and_cap():
    # 90 mg/dL = 5 mmol: log10(log10 5) = -0.15553; (+0.16)^2 * 425 = 0.0085
    # 270 mg/dL = 15 mmol: log10(1.17609) = 0.07044; 0.23044^2 * 425 = 22.57
    assert m.grade(np.array([90.0])) == pytest.approx(0.0085, abs=1e-3)
    assert m.grade(np.array([270.0])) == pytest.approx(22.57, abs=0.05)
    # 1000 mg/dL = 55.6 mmol: (log10(1.745) + 0.16)^2 * 425 = 68.6 -> capped at 50
    assert m.grade(np.array([1000.0])) == 50.0


def test_conga_of_alternating_hour_blocks():
    # 100, 120, 100, 120 in 1-h blocks (48 points): 36 one-hour differences,
    # 24 of +20 and 12 of -20; mean 6.667; squared deviations
    # 24 * 13.333^2 + 12 * 26.667^2 = 12800; SD(n-1) = sqrt(12800 / 35) = 19.124
    values = np.repeat([100.0, 120.0, 100.0, 120.0], 12)
    assert m.conga(grid_times(48), values, hours=1) == pytest.approx(19.124, abs=1e-3)


def test_modd_of_day_shifted_by_ten():
    # day 2 = day 1 + 10 everywhere -> every 24 h difference is 10
    day = 100 + 30 * np.sin(np.linspace(0, 2 * np.pi, 288, endpoint=False))
    values = np.concatenate([day, day + 10])
    assert m.modd(grid_times(576), values) == pytest.approx(10.0)


def test_mag_hourly_changes():
    # hourly samples 100, 130, 110: (|+30| + |-20|) / 2 h = 25 mg/dL/h
    values = np.concatenate([np.linspace(100, 130, 13)[:-1], np.linspace(130, 110, 13)])
    assert m.mag(grid_times(25), values) == pytest.approx(25.0)


def test_auc_hourly_of_ramp_is_its_mean():
    # linear ramp 100 -> 200 over the day: trapezoid area / hours = 150
    values = np.linspace(100, 200, 288)
    assert m.auc(grid_times(288), values) == pytest.approx(150.0)


def test_mage_of_square_wave_is_its_amplitude():
    # 4 h at 100, 4 h at 200, repeated: each excursion is 100 > SD (~50)
    values = np.tile(np.repeat([100.0, 200.0], 48), 4)
    assert m.mage(grid_times(len(values)), values) == pytest.approx(100.0)


def test_mage_ignores_excursions_smaller_than_sd():
    # big swings (100) plus one small wiggle of 10 would lower the mean if counted
    values = np.tile(np.repeat([100.0, 200.0], 48), 4)
    values[60:100] += 10.0  # inside a high plateau: a 10 mg/dL wiggle
    assert m.mage(grid_times(len(values)), values) == pytest.approx(100.0, abs=10.0)


def test_grid_interpolates_short_gaps_only():
    times = pd.DatetimeIndex([T0, T0 + pd.Timedelta(minutes=15), T0 + pd.Timedelta(minutes=60)])
    grid = m.regular_grid(times, np.array([100.0, 130.0, 200.0]))
    # 15-min gap: 00:05 and 00:10 interpolated to 110 and 120
    assert grid.iloc[1] == pytest.approx(110.0)
    assert grid.iloc[2] == pytest.approx(120.0)
    # 45-min gap (00:15 -> 01:00) stays missing
    assert grid.iloc[4:12].isna().all()
    assert grid.iloc[12] == 200.0


def test_compute_metrics_bands_and_wear():
    # 5 readings every 10 min span 40 min: 40 / 5 + 1 = 9 expected -> 5 / 9 = 55.56 %
    times = pd.date_range(T0, periods=5, freq="10min")
    values = np.array([50.0, 60.0, 100.0, 200.0, 300.0])
    result = m.compute_metrics(times, values)
    assert result.wear_pct == pytest.approx(55.556, abs=1e-3)
    assert result.bands == {
        "below_54": 20.0,
        "54_69": 20.0,
        "70_180": 20.0,
        "181_250": 20.0,
        "above_250": 20.0,
    }
    assert result.target_pct == 20.0


def test_compute_metrics_to_dict_is_json_safe_and_requires_tz():
    import json

    result = m.compute_metrics(grid_times(3), np.array([100.0, 110.0, 120.0]))
    out = result.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["variability"]["modd"] is None  # too short: NaN -> None
    assert not math.isnan(out["mean"])
    with pytest.raises(ValueError):
        m.compute_metrics(pd.date_range("2025-01-01", periods=3, freq="5min"), np.ones(3))

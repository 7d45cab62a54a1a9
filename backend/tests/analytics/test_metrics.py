"""Variability indices and consensus metrics against hand-computed values (arithmetic in the
comments). Fixture shape: synthetic 5-minute traces starting at 00:05 UTC, so that every
reading sits on iglu's day-by-day grid (first point of a day 00:05, last 24:00)."""

import math

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics import consensus as c
from glucolens.analytics import metrics as m
from glucolens.analytics.variability_grid import day_by_day, whole_days
from glucolens.analytics.variability_mage import mage

T0 = pd.Timestamp("2025-03-01T00:05:00Z")


def grid_times(n: int, step_min: int = 5) -> pd.DatetimeIndex:
    return pd.date_range(T0, periods=n, freq=f"{step_min}min")


def test_hbgi_of_250_uses_kovatchev_scale():
    # f(250) = ln(250)^1.084 - 5.381 = 0.992625; 22.77 f^2 = 22.4354; over 2 readings 11.2177
    assert m.hbgi(np.array([250.0, 112.5])) == pytest.approx(11.2177, abs=1e-3)
    assert m.hbgi(np.array([50.0])) == 0.0


def test_adrr_is_mean_daily_max_risk_range():
    # day 1: [50, 112.5] -> 22.4996 + 0 ; day 2: [112.5, 250] -> 0 + 22.4354 ; mean 22.4675
    times = pd.DatetimeIndex(
        ["2025-03-01T08:00Z", "2025-03-01T09:00Z", "2025-03-02T08:00Z", "2025-03-02T09:00Z"]
    )
    assert m.adrr(times, np.array([50, 112.5, 112.5, 250])) == pytest.approx(22.4675, abs=1e-3)


def test_adrr_days_follow_the_time_zone():
    # 23:30 and 00:30 UTC are one local day in New York (18:30, 19:30): one range, not two
    times = pd.DatetimeIndex(["2025-03-01T23:30Z", "2025-03-02T00:30Z"])
    one_day = 22.4996 + 22.4354
    got = m.adrr(times, np.array([50.0, 250.0]), tz="America/New_York")
    assert got == pytest.approx(one_day, abs=1e-3)
    assert m.adrr(times, np.array([50.0, 250.0])) == pytest.approx(one_day / 2, abs=1e-3)


def test_j_index_and_gmi():
    # mean 150, SD(n-1) = 70.711 -> 0.001 * 220.711^2 = 48.713 ; GMI 3.31 + 0.02392 * 150
    assert m.j_index(np.array([100.0, 200.0])) == pytest.approx(48.713, abs=0.01)
    assert c.gmi_pct(150.0) == pytest.approx(6.898)


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
    grid = day_by_day(grid_times(48), values)
    assert m.conga(grid, hours=1) == pytest.approx(19.124, abs=1e-3)


def test_modd_of_day_shifted_by_ten():
    # day 2 = day 1 + 10 everywhere -> every same-time difference is 10
    day = 100 + 30 * np.sin(np.linspace(0, 2 * np.pi, 288, endpoint=False))
    grid = day_by_day(grid_times(576), np.concatenate([day, day + 10]))
    assert m.modd(grid) == pytest.approx(10.0)


def test_mag_default_step_is_the_cgm_interval():
    # 100, 110, 100, ... every 5 min for 2 h: default n = 5 min: 24 steps of 10 mg/dL over
    # 2 h = 120 mg/dL/h; n = 60 compares 00:05, 01:05, 02:05 (all 100): 0 mg/dL/h
    values = np.where(np.arange(25) % 2 == 0, 100.0, 110.0)
    grid = day_by_day(grid_times(25), values)
    assert m.mag(grid) == pytest.approx(120.0)
    assert m.mag(grid, n_min=60) == pytest.approx(0.0)


def sine(n: int, period_points: int = 96) -> np.ndarray:
    # 150 +/- 50 with an 8-hour period, starting at a nadir: peaks 200 and nadirs 100 fall
    # on grid points (a trace starting mid-swing would count that half swing too)
    return 150 - 50 * np.cos(2 * np.pi * np.arange(n) / period_points)


def test_mage_of_a_sine_is_its_peak_to_nadir_swing():
    # every swing is 100 mg/dL > one SD (50 / sqrt 2 = 35); the last one ends 5 min early
    # at 100.1, so the mean is within 0.1 of 100
    assert mage(grid_times(384), sine(384)) == pytest.approx(100.0, abs=0.1)


def test_mage_ignores_excursions_smaller_than_sd():
    # a 1-hour ripple of +/-4 adds turning points, but no swing of one SD
    values = sine(384) + 4 * np.sin(2 * np.pi * np.arange(384) / 12)
    assert mage(grid_times(384), values) == pytest.approx(100.0, abs=8.0)


def test_mage_of_long_plateaus_is_missing_as_in_iglu():
    # 4 h at 100, 4 h at 200: after 32 equal points the two moving averages are equal, and
    # iglu counts no crossing out of an exact tie with the last crossing -> no excursion
    values = np.tile(np.repeat([100.0, 200.0], 48), 4)
    assert math.isnan(mage(grid_times(len(values)), values))


def test_whole_days_count_days_with_70_percent_of_the_grid():
    # one full day (288 points) and 100 points of the next (35%)
    grid = day_by_day(grid_times(388), np.full(388, 120.0))
    assert whole_days(grid) == 1


def test_bands_from_values_and_from_histogram_agree():
    values = np.array([50.0, 60.0, 100.0, 200.0, 300.0])
    assert c.band_percentages(values) == dict.fromkeys(c.BAND_KEYS, 20.0)
    hist = np.bincount(values.astype(int) - 20, minlength=581)
    assert c.band_percentages_from_hist(hist, 20) == dict.fromkeys(c.BAND_KEYS, 20.0)
    # a mmol/L target of 3.9-10.0 (70.27-180.18 mg/dL) names the whole-mg/dL bins 70..180
    assert c.pct_between_from_hist(hist, 20, 70.27, 180.18) == 20.0


def test_grid_interpolates_short_gaps_only():
    times = pd.DatetimeIndex([T0, T0 + pd.Timedelta(minutes=15), T0 + pd.Timedelta(minutes=60)])
    grid = m.regular_grid(times, np.array([100.0, 130.0, 200.0]))
    # 15-min gap: 00:10 and 00:15 interpolated to 110 and 120
    assert grid.iloc[1] == pytest.approx(110.0)
    assert grid.iloc[2] == pytest.approx(120.0)
    # 45-min gap (00:20 -> 01:05) stays missing
    assert grid.iloc[4:12].isna().all()
    assert grid.iloc[12] == 200.0


def test_variability_requires_tz_and_reports_support():
    with pytest.raises(ValueError):
        m.variability(pd.date_range("2025-01-01", periods=3, freq="5min"), np.ones(3))
    out = m.variability(grid_times(3), np.array([100.0, 110.0, 120.0]))
    assert out.reading_count == 3 and out.whole_days == 0
    assert math.isnan(out.modd) and math.isnan(out.mage)


def _crossings_one_by_one(gl: np.ndarray, delta: np.ndarray) -> tuple[list[int], list[bool]]:
    """The crossing rule walked point by point, as iglu states it (the fast version in
    variability_mage visits crossings only)."""
    ids, is_max = [0], [bool(delta[0] > 0)]
    ok = np.isfinite(gl) & np.isfinite(delta)
    for i in range(1, gl.size):
        if not (ok[i] and ok[i - 1]):
            continue
        if delta[i] * delta[i - 1] < 0:
            ids.append(i)
            is_max.append(not delta[i] < delta[i - 1])
        elif delta[i] * delta[ids[-1]] < 0:
            is_max.append(not delta[i] < delta[ids[-1]])
            ids.append(i)
    return [*ids, gl.size - 1], [*is_max, bool(delta[-1] > 0)]


@pytest.mark.parametrize("seed", range(20))
def test_fast_crossings_equal_the_point_by_point_rule(seed):
    # random walks with exact ties (rounded deltas), runs of zeros and missing stretches
    from glucolens.analytics.variability_mage import _crossings

    rng = np.random.default_rng(seed)
    n = 600
    gl = 120 + np.cumsum(rng.normal(0, 3, n))
    delta = np.round(rng.normal(0, 1, n) + np.sin(np.arange(n) / 15), 0)
    for start in rng.integers(0, n - 20, 4):
        gl[start : start + rng.integers(1, 15)] = np.nan
    delta[:3] = np.where(rng.random(3) < 0.5, 0.0, delta[:3])
    assert _crossings(gl, delta) == _crossings_one_by_one(gl, delta)


@pytest.mark.parametrize(
    "first_reading",
    ["2026-03-08T12:00Z", "2026-11-01T05:30Z"],  # Havana: midnight skipped, then repeated
)
def test_grid_starts_at_the_first_instant_of_a_day_whose_midnight_moves(first_reading):
    times = pd.date_range(first_reading, periods=300, freq="5min")
    grid = day_by_day(times, np.full(300, 110.0), tz="America/Havana")
    assert grid is not None
    local_start = grid.start.tz_convert("America/Havana")
    assert local_start.date() == times[0].tz_convert("America/Havana").date()
    assert local_start.hour in (0, 1) and local_start.minute == 0
    assert m.modd(grid) == 0.0 or math.isnan(m.modd(grid))

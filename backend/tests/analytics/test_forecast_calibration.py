"""Per-user interval calibration (issue 16, item 7): conformal quantiles of forward-chained
residuals widen the cross-validation intervals when a person's recent days are noisier."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.forecast import ForecastModel, interval_bounds
from glucolens.analytics.forecast_calibration import (
    MIN_CALIBRATION_RESIDUALS,
    QUANTILES,
    conformal_quantiles,
    widened_quantiles,
)


def test_conformal_quantiles_take_the_finite_sample_ranks():
    # Residuals 1..99 in shuffled order (n = 99, n + 1 = 100): the lower q-quantile is the
    # floor(100 q)-th smallest, the upper the ceil(100 q)-th.
    r = np.random.default_rng(0).permutation(np.arange(1.0, 100.0))
    q = conformal_quantiles(r)
    assert q == {0.025: 2.0, 0.1: 10.0, 0.9: 90.0, 0.975: 98.0}


def test_conformal_quantiles_ignore_nan_and_refuse_too_few_residuals():
    # With 20 residuals floor(21 * 0.025) = 0: no residual bounds a 97.5 % tail.
    assert conformal_quantiles(np.arange(20.0)) is None
    r = np.concatenate([np.arange(1.0, 100.0), [np.nan] * 5])
    assert conformal_quantiles(r) == conformal_quantiles(np.arange(1.0, 100.0))


def test_widening_keeps_the_wider_side_and_never_narrows():
    cv = {0.025: -30.0, 0.1: -15.0, 0.9: 15.0, 0.975: 30.0}
    rng = np.random.default_rng(1)
    calm = rng.normal(0, 5, 2000)  # narrower than cv on both sides
    q, n = widened_quantiles(cv, calm)
    assert (q, n) == (cv, 2000)
    skewed = np.concatenate([rng.normal(0, 5, 1000), rng.normal(40, 5, 1000)])
    q, n = widened_quantiles(cv, skewed)
    assert q[0.025] == cv[0.025] and q[0.1] == cv[0.1]  # the lower side stays
    assert q[0.975] > 45 and q[0.9] > 40  # the upper side follows the residuals


def test_too_few_held_out_residuals_leave_the_cv_quantiles():
    cv = {0.025: -30.0, 0.1: -15.0, 0.9: 15.0, 0.975: 30.0}
    few = np.full(MIN_CALIBRATION_RESIDUALS - 1, 100.0)
    assert widened_quantiles(cv, few) == (cv, 0)


def _ar2(days: int, sd_by_day: list[float], seed: int) -> np.ndarray:
    """A smooth AR(2) glucose trace around 150 mg/dL (roots of modulus 0.91, a
    quasi-period of about 6 h), innovation SD set per day. Synthetic: the shape only
    needs to be learnable by a linear model, so that the errors are the innovations'."""
    rng = np.random.default_rng(seed)
    n = days * 288
    sd = np.repeat(sd_by_day, 288)[:n]
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = 1.8 * x[t - 1] - 0.82 * x[t - 2] + rng.normal(0, sd[t])
    return 150 + x


def _coverage(model: ForecastModel, times, values, test_from: int, h: int) -> float:
    _, cautious = model.predict_all(times, values)
    _, mean = model.predict_all(times, values, cautious=False)
    k = h // 5
    i = np.arange(test_from, len(values) - k)
    ok = np.isfinite(mean[h][i])
    _, _, lo95, hi95 = interval_bounds(model, h, cautious[h][i][ok], mean[h][i][ok])
    y = values[i + k][ok]
    return float(np.mean((y >= lo95) & (y <= hi95)))


def test_held_out_coverage_is_near_nominal_on_a_steady_trace():
    values = _ar2(16, [1.5] * 16, seed=2)
    times = pd.date_range("2024-05-01", periods=len(values), freq="5min", tz="UTC")
    train = 13 * 288
    model = ForecastModel.fit(times[:train], values[:train])
    assert model.kind == "ridge" and model.calibration_n[30] >= 6 * 288
    for h in (30, 60):
        assert 0.92 <= _coverage(model, times, values, train, h) <= 0.98


def test_calibration_restores_coverage_when_recent_days_are_noisier():
    # Calm first week, then twice the noise: the CV quantiles pool both regimes and are
    # too narrow for the next days; the forward-chained residuals come from the noisy days.
    values = _ar2(17, [1.0] * 7 + [2.0] * 10, seed=3)
    times = pd.date_range("2024-05-01", periods=len(values), freq="5min", tz="UTC")
    train = 14 * 288
    model = ForecastModel.fit(times[:train], values[:train])
    cv_only = replace(model, interval_q={})
    for h in (30, 60):
        before = _coverage(cv_only, times, values, train, h)
        after = _coverage(model, times, values, train, h)
        assert before < 0.93
        assert after == pytest.approx(0.95, abs=0.03)
    assert set(model.interval_q) == set(model.residual_q)
    assert all(set(q) == set(QUANTILES) for q in model.interval_q.values())

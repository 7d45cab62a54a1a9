"""The stored forecast model keeps its per-user calibrated interval quantiles (issue 16,
item 7), and models stored before calibration existed still load and forecast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from glucolens.analytics.forecast import ForecastModel, forecast
from glucolens.insights.predict import deserialize, serialize


def _history(days: int = 10, seed: int = 4) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Synthetic smooth trace (AR(2) around 150 mg/dL, noise doubling after day 5) so
    that the calibrated quantiles differ from the cross-validation ones."""
    rng = np.random.default_rng(seed)
    n = days * 288
    sd = np.where(np.arange(n) < 5 * 288, 1.0, 2.0)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = 1.8 * x[t - 1] - 0.82 * x[t - 2] + rng.normal(0, sd[t])
    return pd.date_range("2024-05-01", periods=n, freq="5min", tz="UTC"), 150 + x


def test_calibrated_quantiles_survive_storage():
    times, values = _history()
    model = ForecastModel.fit(times, values)
    assert any(n > 0 for n in model.calibration_n.values())
    assert model.interval_q != model.residual_q  # the noisy days widened them
    stored = json.loads(json.dumps(serialize(model)))
    back = deserialize(stored)
    assert back.interval_q == model.interval_q
    assert back.calibration_n == model.calibration_n
    recent = (times[-36:], values[-36:])
    assert forecast(back, *recent).horizons == forecast(model, *recent).horizons


def test_a_model_stored_before_calibration_uses_its_cv_quantiles():
    times, values = _history()
    model = ForecastModel.fit(times, values)
    stored = json.loads(json.dumps(serialize(model)))
    del stored["interval_q"], stored["calibration_n"]
    old = deserialize(stored)
    assert old.interval_q == {}
    recent = (times[-36:], values[-36:])
    h60 = {h["minutes"]: h for h in forecast(old, *recent).horizons}[60]
    new60 = {h["minutes"]: h for h in forecast(model, *recent).horizons}[60]
    assert h60["value"] == new60["value"]
    # Widening only: the calibrated 95 % interval contains the CV one.
    assert new60["lo95"] <= h60["lo95"] and new60["hi95"] >= h60["hi95"]
    assert (new60["hi95"] - new60["lo95"]) > (h60["hi95"] - h60["lo95"])

"""Lagged correlations and the Pearson baseline."""

import json

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.correlations import (
    benjamini_hochberg,
    lagged_correlations,
    pearson_baseline_edges,
)


def frames(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=n, freq="D", name="date")
    sleep = rng.normal(7, 1, n)
    steps = rng.normal(8000, 2000, n)
    mean_glucose = 150 + rng.normal(0, 5, n)
    mean_glucose[2:] -= 10 * (sleep[:-2] - 7)  # sleep two days earlier
    features = pd.DataFrame({"sleep_duration_h": sleep, "steps": steps}, index=index)
    return features, pd.DataFrame({"mean_glucose": mean_glucose}, index=index)


def test_planted_lag_two_is_the_strongest_cell():
    features, outcomes = frames()
    result = lagged_correlations(features, outcomes, lags=range(0, 4))
    best = min(result.cells, key=lambda c: c.p)
    assert (best.feature, best.lag) == ("sleep_duration_h", 2)
    assert best.pearson_r < -0.8 and best.spearman_r < -0.8
    assert best.n == 78  # 80 days minus the 2 shifted out


def test_pairs_with_missing_values_are_dropped_and_min_n_enforced():
    features, outcomes = frames(n=20)
    features.iloc[:8, 0] = np.nan
    result = lagged_correlations(features, outcomes, lags=[0], min_n=14)
    cell = next(c for c in result.cells if c.feature == "sleep_duration_h")
    assert cell.n == 12 and np.isnan(cell.pearson_r)  # 12 < 14 pairs: not tested
    out = result.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["cells"][0]["pearson_r"] is None


def test_bh_matches_hand_computation():
    # p = [0.01, 0.04, 0.03, 0.5]; sorted 0.01, 0.03, 0.04, 0.5 with m = 4:
    # q = min over k>=i of p_(k) m / k -> 0.04, 0.0533, 0.0533, 0.5
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5, np.nan]))
    assert q[:4] == pytest.approx([0.04, 0.05333, 0.05333, 0.5], abs=1e-4)
    assert np.isnan(q[4])


def test_baseline_edges_find_planted_lag_and_skip_noise_feature():
    features, outcomes = frames()
    edges = pearson_baseline_edges(features, outcomes)
    assert ("sleep_duration_h", "mean_glucose", 2) in edges
    assert not any(source == "steps" for source, _, _ in edges)

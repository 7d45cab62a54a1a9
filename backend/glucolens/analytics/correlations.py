"""Lagged correlations between daily features and glucose outcomes (the MVP1 baseline).

For each feature, outcome and lag L the feature on day t - L is paired with the outcome
on day t. Pairs with a missing member are dropped (pairwise-complete); a cell needs at
least ``min_n`` pairs. P-values (Pearson) are corrected with Benjamini-Hochberg across
every tested cell. Correlation is not causation: this table is a screening heat map and
the baseline that :mod:`glucolens.analytics.causal` is benchmarked against.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from glucolens.analytics.metrics import clean_json


@dataclass
class CorrelationCell:
    feature: str
    outcome: str
    lag: int
    pearson_r: float
    spearman_r: float
    p: float
    spearman_p: float
    q: float
    n: int


@dataclass
class CorrelationResult:
    features: list[str]
    outcomes: list[str]
    lags: list[int]
    cells: list[CorrelationCell] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return clean_json(
            {
                "features": self.features,
                "outcomes": self.outcomes,
                "lags": self.lags,
                "cells": [
                    {
                        "feature": c.feature,
                        "outcome": c.outcome,
                        "lag": c.lag,
                        "pearson_r": c.pearson_r,
                        "spearman_r": c.spearman_r,
                        "p": c.p,
                        "q": c.q,
                        "n": c.n,
                    }
                    for c in self.cells
                ],
            },
            ndigits=4,
        )


def benjamini_hochberg(pvalues: np.ndarray) -> np.ndarray:
    """BH-adjusted q-values; NaN p-values stay NaN and are not counted as tests."""
    p = np.asarray(pvalues, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


def daily_aligned(features: pd.DataFrame, outcomes: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """Both frames on one continuous daily index, so a row shift is a one-day lag."""
    index = features.index.union(outcomes.index)
    if len(index):
        index = pd.date_range(index.min(), index.max(), freq="D", name=index.name)
    return features.reindex(index), outcomes.reindex(index)


def _pair_stats(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan, math.nan, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = stats.pearsonr(x, y)
        sr = stats.spearmanr(x, y)
    return float(pr.statistic), float(pr.pvalue), float(sr.statistic), float(sr.pvalue)


def lagged_correlations(
    features: pd.DataFrame,
    outcomes: pd.DataFrame,
    lags: Iterable[int] = range(0, 8),
    min_n: int = 14,
) -> CorrelationResult:
    """Pearson and Spearman correlation of feature(t - lag) with outcome(t) for all cells."""
    lags = list(lags)
    feats, outs = daily_aligned(features, outcomes)
    cells: list[CorrelationCell] = []
    for f in feats.columns:
        x_all = feats[f].to_numpy(dtype=float)
        for o in outs.columns:
            y_all = outs[o].to_numpy(dtype=float)
            for lag in lags:
                x = pd.Series(x_all).shift(lag).to_numpy()
                ok = np.isfinite(x) & np.isfinite(y_all)
                n = int(ok.sum())
                if n >= min_n:
                    r, p, rho, p_s = _pair_stats(x[ok], y_all[ok])
                else:
                    r = p = rho = p_s = math.nan
                cells.append(CorrelationCell(str(f), str(o), lag, r, rho, p, p_s, math.nan, n))
    qs = benjamini_hochberg(np.array([c.p for c in cells]))
    for cell, q in zip(cells, qs, strict=True):
        cell.q = float(q)
    return CorrelationResult(
        features=[str(c) for c in feats.columns],
        outcomes=[str(c) for c in outs.columns],
        lags=lags,
        cells=cells,
    )


def pearson_baseline_edges(
    features: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    lags: Iterable[int] = range(1, 8),
    alpha: float = 0.05,
    min_n: int = 14,
) -> list[tuple[str, str, int]]:
    """Edges (feature, outcome, lag) whose lagged Pearson correlation has BH q < alpha,
    with the correction taken over the lags given (1-7 by default)."""
    result = lagged_correlations(features, outcomes, lags=lags, min_n=min_n)
    return sorted(
        (c.feature, c.outcome, c.lag) for c in result.cells if np.isfinite(c.q) and c.q < alpha
    )

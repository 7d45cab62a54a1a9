"""Synthetic structural causal model of one user's days, for benchmarks and tests.

Every variable is simulated in standard units and then scaled to natural units:

* features follow AR(1) processes, phi ~ U(0.1, 0.6), with correlated innovations inside
  related groups (sleep duration/efficiency/deep sleep r = 0.5; total/evening carbs/meal
  count r = 0.5; active minutes/steps r = 0.6; insulin with total carbs r = 0.5), so
  related habits move together as they do in real logs;
* outcomes follow AR(1), phi ~ U(0.1, 0.5), plus the planted lagged feature effects,
  plus innovations shared across outcomes (r = 0.4, a bad day is bad on every metric);
  the innovation SD is 1, so a coefficient is an effect of one feature SD in units of
  the outcome's day-to-day noise. The default strength range |coef| ~ U(0.3, 0.6)
  corresponds to e.g. 5-10 mg/dL mean glucose per hour of sleep: modest, plausible
  effects, each explaining a few percent to a quarter of the day-to-day variance;
* missing data: whole days missing at random (``missing_frac``), one contiguous gap of
  3-10 days (a sensor/app break), and 3 % of single values missing per variable;
* optional weekly rhythm (``weekly``): a weekend shift, in SD units, added to the
  innovations of some features and outcomes on Saturdays and Sundays (later, longer sleep
  and more carbs, less walking, higher glucose; ``WEEKEND_SHIFT``). It enters the AR
  recursions, so it spills into Monday, and it flows through the planted edges like any
  other variation of a feature. It is a common cause, never an edge: nothing is planted
  at lag 7 by it, but feature(t - 7) and outcome(t) share the day of the week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from glucolens.analytics.features import FEATURE_COLUMNS, OUTCOME_COLUMNS

# (mean, SD) in natural units: day-to-day variation of one person.
FEATURE_SCALE = {
    "sleep_duration_h": (7.0, 1.0),
    "sleep_efficiency_pct": (88.0, 4.0),
    "deep_sleep_min": (60.0, 15.0),
    "bedtime_h": (5.0, 0.8),
    "total_carbs_g": (180.0, 40.0),
    "evening_carbs_g": (60.0, 20.0),
    "meal_count": (3.5, 0.8),
    "active_min": (45.0, 20.0),
    "steps": (7500.0, 2500.0),
    "insulin_total_u": (40.0, 6.0),
}
OUTCOME_SCALE = {
    "mean_glucose": (150.0, 15.0),
    "tir_pct": (65.0, 10.0),
    "cv_pct": (32.0, 4.0),
    "fasting_glucose": (130.0, 18.0),
    "post_meal_peak": (200.0, 22.0),
}
FEATURE_GROUPS = [
    (["sleep_duration_h", "sleep_efficiency_pct", "deep_sleep_min"], 0.5),
    (["total_carbs_g", "evening_carbs_g", "meal_count"], 0.5),
    (["active_min", "steps"], 0.6),
    (["total_carbs_g", "insulin_total_u"], 0.5),
]
# Weekend (Saturday, Sunday) shift in SD units of each variable's daily noise: bedtime
# ~1.5 h later, ~0.8 h more sleep, ~40 g more carbs, ~1500 fewer steps, glucose ~10 mg/dL
# higher. Social jet lag and weekend eating of this size are common in self-tracked logs.
WEEKEND_SHIFT = {
    "bedtime_h": 1.8,
    "sleep_duration_h": 0.8,
    "total_carbs_g": 1.0,
    "evening_carbs_g": 1.0,
    "steps": -0.6,
    "active_min": -0.6,
    "mean_glucose": 0.7,
    "tir_pct": -0.6,
    "post_meal_peak": 0.7,
}
OUTCOME_NOISE_CORR = 0.4
BURN_IN = 60


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    lag: int
    coef: float

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.target, self.lag)


def random_graph(
    seed: int,
    n_edges: int | None = None,
    *,
    max_lag: int = 7,
    coef_range: tuple[float, float] = (0.3, 0.6),
) -> list[Edge]:
    """Random feature -> outcome edges: distinct (source, target) pairs, lag ~ U{1..max_lag},
    random sign, |coef| ~ U(coef_range). ``n_edges`` defaults to U{2..5}."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(2, 6)) if n_edges is None else n_edges
    pairs = [(f, o) for f in FEATURE_COLUMNS for o in OUTCOME_COLUMNS]
    chosen = rng.choice(len(pairs), size=count, replace=False)
    edges = []
    for k in chosen:
        source, target = pairs[int(k)]
        sign = 1.0 if rng.random() < 0.5 else -1.0
        coef = sign * float(rng.uniform(*coef_range))
        edges.append(Edge(source, target, int(rng.integers(1, max_lag + 1)), round(coef, 3)))
    return edges


def _correlated_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    k = len(FEATURE_COLUMNS)
    cov = np.eye(k)
    for members, r in FEATURE_GROUPS:
        idx = [FEATURE_COLUMNS.index(m) for m in members]
        for a in idx:
            for b in idx:
                if a != b:
                    cov[a, b] = r
    return rng.multivariate_normal(np.zeros(k), cov, size=n)


def simulate_user(
    days: int,
    graph: list[Edge],
    seed: int,
    missing_frac: float = 0.1,
    *,
    gap_days: tuple[int, int] = (3, 10),
    value_missing_frac: float = 0.03,
    start: str = "2025-01-01",
    weekly: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Edge]]:
    """Simulate ``days`` days; returns (features, outcomes, true_edges) in natural units,
    indexed by a continuous daily DatetimeIndex named ``date`` with NaN for missing.
    ``weekly`` maps variables to a weekend shift in SD units (e.g. ``WEEKEND_SHIFT``);
    the random draws do not depend on it, so the same seed gives the same user with and
    without the rhythm."""
    rng = np.random.default_rng(seed)
    n = days + BURN_IN
    nf, no = len(FEATURE_COLUMNS), len(OUTCOME_COLUMNS)
    phi_f = rng.uniform(0.1, 0.6, nf)
    phi_o = rng.uniform(0.1, 0.5, no)
    innov_f = _correlated_noise(rng, n) * np.sqrt(1 - phi_f**2)
    first = pd.Timestamp(start) - pd.Timedelta(days=BURN_IN)
    weekend = (pd.date_range(first, periods=n, freq="D").day_of_week >= 5).astype(float)
    shift = weekly or {}
    shift_f = np.array([shift.get(c, 0.0) for c in FEATURE_COLUMNS])
    shift_o = np.array([shift.get(c, 0.0) for c in OUTCOME_COLUMNS])
    innov_f = innov_f + np.outer(weekend, shift_f)
    x = np.zeros((n, nf))
    for t in range(n):
        x[t] = (phi_f * x[t - 1] if t else 0.0) + innov_f[t]
    cov_o = np.full((no, no), OUTCOME_NOISE_CORR) + (1 - OUTCOME_NOISE_CORR) * np.eye(no)
    innov_o = rng.multivariate_normal(np.zeros(no), cov_o, size=n)
    innov_o = innov_o + np.outer(weekend, shift_o)
    y = np.zeros((n, no))
    for t in range(n):
        y[t] = (phi_o * y[t - 1] if t else 0.0) + innov_o[t]
        for e in graph:
            if t - e.lag >= 0:
                j, i = OUTCOME_COLUMNS.index(e.target), FEATURE_COLUMNS.index(e.source)
                y[t, j] += e.coef * x[t - e.lag, i]
    x, y = x[BURN_IN:], y[BURN_IN:]
    f_mean, f_sd = np.array([FEATURE_SCALE[c] for c in FEATURE_COLUMNS]).T
    o_mean, o_sd = np.array([OUTCOME_SCALE[c] for c in OUTCOME_COLUMNS]).T
    feats = f_mean + f_sd * x
    outs = o_mean + o_sd * y

    missing_day = rng.random(days) < missing_frac
    if days > 40:
        length = int(rng.integers(gap_days[0], gap_days[1] + 1))
        begin = int(rng.integers(10, days - length - 10))
        missing_day[begin : begin + length] = True
    feats[missing_day] = np.nan
    outs[missing_day] = np.nan
    feats[rng.random(feats.shape) < value_missing_frac] = np.nan
    outs[rng.random(outs.shape) < value_missing_frac] = np.nan

    index = pd.date_range(start, periods=days, freq="D", name="date")
    features = pd.DataFrame(feats, index=index, columns=FEATURE_COLUMNS)
    outcomes = pd.DataFrame(outs, index=index, columns=OUTCOME_COLUMNS)
    return features, outcomes, list(graph)

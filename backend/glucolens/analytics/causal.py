"""Lagged causal discovery with PCMCI (Runge et al., Science Advances 2019; tigramite).

Model restriction (physiologically motivated, stated to users): lifestyle features may
drive glucose outcomes at lags ``tau_min..tau_max``; every variable may depend on its
own past (autocorrelation). Glucose outcomes are not allowed to drive lifestyle features,
features do not drive each other, and outcomes do not drive each other. This keeps the
question to "which habits precede changes in glucose" and halves the number of tests;
it cannot find feedback such as "a high-glucose day leads to a shorter night".

Independence test: ParCorr (linear partial correlation, analytic t-test), or
RobustParCorr (the same after a rank-to-normal transform of every margin) when any
variable is strongly skewed (|sample skewness| > ``SKEW_LIMIT``), decided once per
dataset. Daily graphs use a two-stage PCMCI-style procedure per outcome (strict forward
condition selection, then MCI given the outcome's lag 1 and the selected parents), see
``_run_mci_daily``; intraday graphs use tigramite's PCMCI. Missing days stay missing:
each daily test uses only the days on which its own lagged variables are observed
(tigramite's ``missing_flag`` does the same intraday); nothing is interpolated. Edges are
kept when the p-value, Benjamini-Hochberg-corrected over the feature -> outcome
hypotheses only, is below ``alpha``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tigramite import data_processing as pp
from tigramite.independence_tests.parcorr import ParCorr
from tigramite.independence_tests.robust_parcorr import RobustParCorr
from tigramite.pcmci import PCMCI

from glucolens.analytics.causal_mci import _lagged, _partial_corr, _run_mci_daily
from glucolens.analytics.causal_model import (
    ESTABLISHED_Q,
    MEASURED_TIERS,
    MEASURED_TIERS_SOURCE,
    VARIABLES,
    CausalEdge,
    CausalGraph,
    VarInfo,
    _edge,
    _nodes,
    tier_error_rates,
)
from glucolens.analytics.correlations import daily_aligned
from glucolens.analytics.features import DailyFrame

__all__ = [
    "ESTABLISHED_Q",
    "MEASURED_TIERS",
    "MEASURED_TIERS_SOURCE",
    "VARIABLES",
    "CausalEdge",
    "CausalGraph",
    "VarInfo",
    "_lagged",
    "_partial_corr",
    "discover_daily",
    "discover_intraday",
    "tier_error_rates",
    "weekend_indicator",
]

SKEW_LIMIT = 1.0
MISSING = -999_999.0


def _usable(frame: pd.DataFrame, min_count: int) -> list[str]:
    keep = []
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size >= min_count and np.ptp(finite) > 0:
            keep.append(str(col))
    return keep


def _choose_test(data: pd.DataFrame) -> tuple[Any, str]:
    skews = []
    for col in data.columns:
        finite = data[col].to_numpy(dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size > 3 and np.ptp(finite) > 0:
            skews.append(abs(float(stats.skew(finite))))
    if skews and max(skews) > SKEW_LIMIT:
        return RobustParCorr(significance="analytic"), "RobustParCorr"
    return ParCorr(significance="analytic"), "ParCorr"


def _run_pcmci(
    data: pd.DataFrame,
    drivers: list[str],
    targets: list[str],
    *,
    tau_min: int,
    tau_max: int,
    alpha: float,
    pc_alpha: float,
    test: Any,
    unit_min: int | None,
    max_conds_py: int | None,
    max_conds_px: int | None,
) -> list[CausalEdge]:
    names = drivers + targets
    values = data[names].to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, MISSING)
    frame = pp.DataFrame(values, var_names=names, missing_flag=MISSING)
    n_drivers = len(drivers)
    lags = range(tau_min, tau_max + 1)
    own_lags = range(1, tau_max + 1)
    assumptions: dict[int, dict[tuple[int, int], str]] = {}
    hypotheses: dict[int, dict[tuple[int, int], str]] = {}
    for j in range(len(names)):
        assumptions[j] = {(j, -lag): "-?>" for lag in own_lags}
        hypotheses[j] = {}
        if j >= n_drivers:
            cross = {(i, -lag): "-?>" for i in range(n_drivers) for lag in lags}
            assumptions[j].update(cross)
            hypotheses[j] = cross
    pcmci = PCMCI(dataframe=frame, cond_ind_test=test, verbosity=0)
    results = pcmci.run_pcmci(
        link_assumptions=assumptions,
        tau_min=1,
        tau_max=tau_max,
        pc_alpha=pc_alpha,
        max_conds_py=max_conds_py,
        max_conds_px=max_conds_px,
    )
    p_matrix, val_matrix = results["p_matrix"], results["val_matrix"]
    # BH over the feature -> outcome hypotheses only: autocorrelation links are
    # modelled as nuisance and would otherwise inflate the discovery count.
    q_matrix = pcmci.get_corrected_pvalues(
        p_matrix=p_matrix,
        fdr_method="fdr_bh",
        tau_min=1,
        tau_max=tau_max,
        link_assumptions=hypotheses,
    )
    edges = []
    for j in range(n_drivers, len(names)):
        for i in range(n_drivers):
            for lag in lags:
                q = float(q_matrix[i, j, lag])
                if np.isfinite(q) and q < alpha:
                    edges.append(
                        _edge(
                            names[i],
                            names[j],
                            lag,
                            data,
                            float(val_matrix[i, j, lag]),
                            float(p_matrix[i, j, lag]),
                            q,
                            unit_min,
                        )
                    )
    edges.sort(key=lambda e: (e.q, -abs(e.strength)))
    return edges


def discover_daily(
    daily: DailyFrame | tuple[pd.DataFrame, pd.DataFrame],
    *,
    tau_min: int = 1,
    tau_max: int = 7,
    alpha: float = 0.05,
    min_days: int = 30,
    pc_alpha: float = 0.001,
    max_conds_py: int | None = 3,
    max_conds_px: int | None = 0,
    calendar: bool = True,
) -> CausalGraph:
    """Two-stage PCMCI-style discovery on daily features -> outcomes (module docstring).

    ``alpha`` is the Benjamini-Hochberg FDR level; ``pc_alpha`` the threshold of the
    forward condition-selection step (strict: parents selected from noise make the MCI
    p-values anti-conservative at ~45 usable days). ``max_conds_py`` caps the selected
    outcome parents; ``max_conds_px`` > 0 also conditions on the feature's previous day.
    ``max_conds_px = 0`` is sound here because features are exogenous under the model
    restriction: a spurious neighbour lag of a feature is screened off by the true lag in
    the outcome's parent set.
    ``calendar`` conditions every test on whether the outcome's day is a weekend day
    (``_run_mci_daily``), so a weekday/weekend rhythm is not reported as a lag-7 (or
    other) link. One indicator, not six day-of-week ones: on simulated weekly rhythms it
    removed as many lag-7 false links, while six cost 30 % of the recall at 90 days
    (docs/analytics.md). It needs a daily DatetimeIndex of local dates; without one it is
    skipped and ``CausalGraph.calendar`` is None.
    Needs ``min_days`` days with at least one outcome.
    """
    if isinstance(daily, DailyFrame):
        features, outcomes = daily.features, daily.outcomes
    else:
        features, outcomes = daily
    features, outcomes = daily_aligned(features, outcomes)
    have = int(outcomes.notna().any(axis=1).sum()) if len(outcomes.columns) else 0
    if have < min_days:
        return CausalGraph(
            status="insufficient_data",
            reason=f"Causal discovery needs at least {min_days} days with data, have {have}.",
        )
    # A variable needs enough observed days to be tested at all.
    min_count = max(min_days // 2, 10)
    drivers = _usable(features, min_count)
    targets = _usable(outcomes, min_count)
    if not drivers or not targets:
        return CausalGraph(
            status="insufficient_data",
            reason="No feature or outcome has enough varying, observed days.",
        )
    weekend = weekend_indicator(features.index) if calendar else None
    data = pd.concat([features[drivers], outcomes[targets]], axis=1).reset_index(drop=True)
    _, test_name = _choose_test(data)
    edges = _run_mci_daily(
        data,
        drivers,
        targets,
        tau_min=tau_min,
        tau_max=tau_max,
        alpha=alpha,
        pc_alpha=pc_alpha,
        robust=test_name == "RobustParCorr",
        max_conds_py=max_conds_py,
        max_conds_px=max_conds_px,
        calendar=weekend,
    )
    return CausalGraph(
        status="ok",
        level="daily",
        nodes=_nodes(drivers, targets, intraday=False),
        edges=edges,
        test=test_name,
        n_samples=have,
        calendar="weekend" if weekend else None,
    )


def weekend_indicator(index: pd.Index) -> list[np.ndarray] | None:
    """One 0/1 column, 1 on Saturdays and Sundays, for a daily DatetimeIndex of local
    dates; None when the index carries no dates."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        return None
    return [(np.asarray(index.day_of_week) >= 5).astype(float)]


def discover_intraday(
    frame15: pd.DataFrame,
    *,
    tau_min: int = 1,
    tau_max: int = 12,
    alpha: float = 0.05,
    min_days: int = 7,
    pc_alpha: float = 0.05,
    max_conds_py: int | None = 4,
    target: str = "glucose_mgdl",
    drivers: tuple[str, ...] = ("carbs_g", "active_min", "insulin_u"),
    min_strength: float = 0.05,
) -> CausalGraph:
    """PCMCI on 15-minute bins: carbs, activity and insulin -> glucose at lags up to
    ``tau_max`` bins (12 = 3 h). Always ParCorr: the event series are zero-inflated, so a
    rank transform would mostly produce ties. Lags are reported in minutes. With
    thousands of bins tiny partial correlations become significant, so links with
    |partial r| < ``min_strength`` are not reported."""
    if len(frame15) < 2 or target not in frame15:
        return CausalGraph(
            status="insufficient_data",
            level="intraday",
            reason=f"Intraday discovery needs at least {min_days} days of CGM data, have 0.",
        )
    index = pd.DatetimeIndex(frame15.index)
    unit_min = int(round((index[1] - index[0]).total_seconds() / 60))
    have_days = frame15[target].notna().sum() * unit_min / 1440.0
    if have_days < min_days:
        return CausalGraph(
            status="insufficient_data",
            level="intraday",
            reason=(
                f"Intraday discovery needs at least {min_days} days of CGM data, "
                f"have {have_days:.1f}."
            ),
        )
    usable = [d for d in drivers if d in frame15 and np.ptp(frame15[d].fillna(0)) > 0]
    if not usable:
        return CausalGraph(
            status="insufficient_data",
            level="intraday",
            reason="No logged carbs, activity or insulin to relate glucose to.",
        )
    data = frame15[usable + [target]].reset_index(drop=True).astype(float)
    edges = _run_pcmci(
        data,
        usable,
        [target],
        tau_min=tau_min,
        tau_max=tau_max,
        alpha=alpha,
        pc_alpha=pc_alpha,
        test=ParCorr(significance="analytic"),
        unit_min=unit_min,
        max_conds_py=max_conds_py,
        max_conds_px=0,
    )
    edges = [e for e in edges if abs(e.strength) >= min_strength]
    return CausalGraph(
        status="ok",
        level="intraday",
        nodes=_nodes(usable, [target], intraday=True),
        edges=edges,
        test="ParCorr",
        n_samples=int(frame15[target].notna().sum()),
    )

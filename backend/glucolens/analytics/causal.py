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

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tigramite import data_processing as pp
from tigramite.independence_tests.parcorr import ParCorr
from tigramite.independence_tests.robust_parcorr import RobustParCorr
from tigramite.pcmci import PCMCI

from glucolens.analytics.correlations import daily_aligned
from glucolens.analytics.features import DailyFrame
from glucolens.analytics.metrics import clean_json

SKEW_LIMIT = 1.0
# Edges with q below this are "established"; the others (q < alpha) are "tentative".
# bench/causal_tiers.py measures how often each tier is wrong (MEASURED_TIERS).
ESTABLISHED_Q = 0.01
MISSING = -999_999.0
MAX_EVIDENCE = 200


# How often each tier was wrong, as measured (not assumed): (links reported, false links)
# per history length, pooled over simulated users with a weekend rhythm, calendar term
# on. The page states these figures. Re-measure with bench/causal_tiers.py after any
# change to the method and copy its last lines here.
# 240 users per length; 95 % Wilson intervals of the error rate: 90 days established
# 0.04-0.12, tentative 0.24-0.39; 180 days established 0.04-0.08, tentative 0.28-0.44.
MEASURED_TIERS: dict[int, dict[str, tuple[int, int]]] = {
    90: {"established": (151, 10), "tentative": (126, 39)},
    180: {"established": (583, 34), "tentative": (137, 49)},
}
MEASURED_TIERS_SOURCE = (
    "bench/causal_tiers.py --users 240 --seed 0 (simulated users with a weekend rhythm, "
    "calendar term on), measured 2026-12-07 at commit b64caf4"
)


def tier_error_rates(n_days: int) -> dict[str, Any]:
    """The measured error rates of both tiers at the benchmark length closest to
    ``n_days`` (days with data), with the counts they rest on."""
    days = min(MEASURED_TIERS, key=lambda d: (abs(d - n_days), d))
    out: dict[str, Any] = {"measured_days": days, "source": MEASURED_TIERS_SOURCE}
    for tier, (links, false_links) in MEASURED_TIERS[days].items():
        out[tier] = {
            "links": links,
            "false_links": false_links,
            "wrong": false_links / links if links else None,
        }
    return out


@dataclass(frozen=True)
class VarInfo:
    label: str
    unit: str
    step: float = 1.0  # the natural unit effects are expressed per
    step_text: str = ""
    prefer_less: bool = False  # phrase effects as "less X" (sleep) rather than "more X"


VARIABLES: dict[str, VarInfo] = {
    "sleep_duration_h": VarInfo("sleep", "h", 1.0, "1 h", True),
    "sleep_efficiency_pct": VarInfo("sleep efficiency", "%", 5.0, "5 points", True),
    "deep_sleep_min": VarInfo("deep sleep", "min", 15.0, "15 min", True),
    "bedtime_h": VarInfo("bedtime (later)", "h after 18:00", 1.0, "1 h", False),
    "total_carbs_g": VarInfo("carbs", "g", 10.0, "10 g"),
    "evening_carbs_g": VarInfo("evening carbs", "g", 10.0, "10 g"),
    "meal_count": VarInfo("meals", "meals", 1.0, "1 meal"),
    "active_min": VarInfo("active time", "min", 30.0, "30 min"),
    "steps": VarInfo("steps", "steps", 1000.0, "1000"),
    "insulin_total_u": VarInfo("insulin", "U", 1.0, "1 U"),
    "carbs_g": VarInfo("carbs", "g", 10.0, "10 g"),
    "insulin_u": VarInfo("insulin", "U", 1.0, "1 U"),
    "mean_glucose": VarInfo("mean glucose", "mg/dL"),
    "tir_pct": VarInfo("time in range", "%"),
    "cv_pct": VarInfo("glucose CV", "%"),
    "fasting_glucose": VarInfo("fasting glucose", "mg/dL"),
    "post_meal_peak": VarInfo("post-meal peak", "mg/dL"),
    "glucose_mgdl": VarInfo("glucose", "mg/dL"),
}
INTRADAY_ACTIVE = VarInfo("active time", "min", 15.0, "15 min")


def _info(name: str, intraday: bool = False) -> VarInfo:
    if intraday and name == "active_min":
        return INTRADAY_ACTIVE
    return VARIABLES.get(name, VarInfo(name.replace("_", " "), ""))


@dataclass
class CausalEdge:
    source: str
    target: str
    lag: int
    strength: float  # MCI partial correlation (signed)
    p: float
    q: float
    effect: float
    effect_text: str
    explanation: str
    evidence: dict[str, Any]
    lag_unit_min: int | None = None  # set for intraday graphs

    @property
    def confidence(self) -> str:
        return "established" if self.q < ESTABLISHED_Q else "tentative"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "target": self.target}
        if self.lag_unit_min is None:
            out["lag"] = self.lag
        else:
            out["lag_min"] = self.lag * self.lag_unit_min
        out.update(
            sign="+" if self.strength >= 0 else "-",
            strength=abs(self.strength),
            p=self.p,
            q=self.q,
            confidence=self.confidence,
            effect=self.effect,
            effect_text=self.effect_text,
            explanation=self.explanation,
            evidence=self.evidence,
        )
        return out


@dataclass
class CausalGraph:
    status: str
    level: str = "daily"
    reason: str | None = None
    nodes: list[dict[str, str]] = field(default_factory=list)
    edges: list[CausalEdge] = field(default_factory=list)
    test: str | None = None
    n_samples: int = 0
    calendar: str | None = None  # "weekend" when every test was conditioned on it

    def edge_keys(self, max_q: float = 1.0) -> set[tuple[str, str, int]]:
        return {(e.source, e.target, e.lag) for e in self.edges if e.q < max_q}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "level": self.level}
        if self.reason:
            out["reason"] = self.reason
        out["nodes"] = self.nodes
        out["edges"] = [e.to_dict() for e in self.edges]
        out["test"] = self.test
        out["n_samples"] = self.n_samples
        if self.level == "daily" and self.status == "ok":
            out["calendar"] = self.calendar
            out["tier_error_rates"] = tier_error_rates(self.n_samples)
        return clean_json(out, ndigits=4)


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


def _when(lag: int, lag_unit_min: int | None) -> str:
    if lag_unit_min is not None:
        minutes = lag * lag_unit_min
        return f"{minutes} min after"
    return "the day after" if lag == 1 else f"{lag} days after"


def _effect_text(effect: float, source: str, target: str, lag: int, unit_min: int | None) -> str:
    src, tgt = _info(source, unit_min is not None), _info(target)
    more_less = "less" if src.prefer_less else "more"
    shown = -effect if src.prefer_less else effect
    step_text = src.step_text or f"1 {src.unit}".strip()
    noun = src.label if src.label != "steps" else "steps"
    digits = 0 if abs(shown) >= 10 else 1
    return (
        f"{shown:+.{digits}f} {tgt.unit} {tgt.label} {_when(lag, unit_min)} "
        f"{step_text} {more_less} {noun}"
    ).replace("  ", " ")


def _edge(
    source: str,
    target: str,
    lag: int,
    data: pd.DataFrame,
    val: float,
    p: float,
    q: float,
    unit_min: int | None,
) -> CausalEdge:
    x = data[source].shift(lag).to_numpy(dtype=float)
    y = data[target].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    xs, ys = x[ok], y[ok]
    slope = float(np.polyfit(xs, ys, 1)[0]) if xs.size >= 3 and np.ptp(xs) > 0 else math.nan
    info = _info(source, unit_min is not None)
    effect = slope * info.step
    if xs.size > MAX_EVIDENCE:
        keep = np.linspace(0, xs.size - 1, MAX_EVIDENCE).round().astype(int)
        xs, ys = xs[keep], ys[keep]
    tgt = _info(target)
    direction = "higher" if val >= 0 else "lower"
    after = (
        f"{lag * unit_min} min" if unit_min is not None else f"{lag} day{'s' if lag > 1 else ''}"
    )
    explanation = (
        f"When {info.label} was higher, {tgt.label} {after} later tended to be {direction}, "
        f"even after accounting for the recent history of both (partial r = {val:+.2f}, "
        f"q = {q:.3g})."
    )
    return CausalEdge(
        source=source,
        target=target,
        lag=lag,
        strength=float(val),
        p=float(p),
        q=float(q),
        effect=effect,
        effect_text=_effect_text(effect, source, target, lag, unit_min),
        explanation=explanation,
        evidence={
            "x": xs.tolist(),
            "y": ys.tolist(),
            "x_label": f"{info.label} ({info.unit}), {after} before",
            "y_label": f"{tgt.label} ({tgt.unit})",
        },
        lag_unit_min=unit_min,
    )


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


def _normal_scores(values: np.ndarray) -> np.ndarray:
    """Rank-to-normal transform of the observed values; missing values stay NaN."""
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    if ok.sum() > 1:
        ranks = stats.rankdata(values[ok])
        out[ok] = stats.norm.ppf(ranks / (ok.sum() + 1))
    return out


def _lagged(values: np.ndarray, lag: int) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    if lag < values.size:
        out[lag:] = values[: values.size - lag]
    return out


def _partial_corr(x: np.ndarray, y: np.ndarray, conds: list[np.ndarray]) -> tuple[float, float]:
    """ParCorr (analytic t-test) of x and y given ``conds``, on the days where x, y and
    every condition are observed. Only this test's own lagged days must be present."""
    ok = np.isfinite(x) & np.isfinite(y)
    for z in conds:
        ok &= np.isfinite(z)
    n = int(ok.sum())
    dof = n - 2 - len(conds)
    if dof < 3:
        return 0.0, 1.0
    design = np.column_stack([np.ones(n)] + [z[ok] for z in conds])
    xs, ys = x[ok], y[ok]
    rx = xs - design @ np.linalg.lstsq(design, xs, rcond=None)[0]
    ry = ys - design @ np.linalg.lstsq(design, ys, rcond=None)[0]
    denom = math.sqrt(float(rx @ rx) * float(ry @ ry))
    if denom <= 0:
        return 0.0, 1.0
    r = min(max(float(rx @ ry) / denom, -0.999999), 0.999999)
    t = r * math.sqrt(dof / (1 - r * r))
    return r, float(2 * stats.t.sf(abs(t), dof))


def _bh(p_values: list[float]) -> np.ndarray:
    p = np.asarray(p_values, dtype=float)
    m = p.size
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _run_mci_daily(
    data: pd.DataFrame,
    drivers: list[str],
    targets: list[str],
    *,
    tau_min: int,
    tau_max: int,
    alpha: float,
    pc_alpha: float,
    robust: bool,
    max_conds_py: int | None,
    max_conds_px: int | None,
    calendar: list[np.ndarray] | None = None,
) -> list[CausalEdge]:
    """Two-stage PCMCI-style discovery under the model restriction, one outcome at a time.

    1. Condition selection (forward, PC1-like): starting from the outcome's own lag 1,
       add the feature lag with the smallest partial-correlation p-value while it is below
       ``pc_alpha``, up to ``max_conds_py`` parents.
    2. MCI: every feature lag tau_min..tau_max is tested against the outcome given its
       own lag 1 and the selected parents (minus the tested link), plus the feature's own
       previous day when ``max_conds_px`` > 0. Each test uses the days on which its own
       lagged variables are observed (available case); missing days are never filled.
    3. Benjamini-Hochberg over all feature -> outcome hypotheses.

    ``calendar`` (the weekend indicator of day t) joins every condition set of both
    stages: a weekly rhythm shared by a feature and an outcome is a common cause of
    feature(t - 7) and outcome(t) (same weekday; weaker at other lags), and conditioning
    on the calendar blocks it. It is a conditioning variable only, never a tested driver
    or a reported node.
    """
    cols = {
        c: (_normal_scores(v) if robust else v)
        for c, v in ((c, data[c].to_numpy(dtype=float)) for c in drivers + targets)
    }
    cands = [(f, lag) for f in drivers for lag in range(tau_min, tau_max + 1)]
    lagged = {(f, lag): _lagged(cols[f], lag) for f, lag in cands}
    cap = len(cands) if max_conds_py is None else max_conds_py
    keys: list[tuple[str, str, int]] = []
    p_values: list[float] = []
    values: list[float] = []
    for target in targets:
        y = cols[target]
        own = [_lagged(y, 1)] + list(calendar or [])
        parents: list[tuple[str, int]] = []
        while len(parents) < cap:
            best: tuple[float, tuple[str, int]] | None = None
            for c in cands:
                if c in parents:
                    continue
                _, p = _partial_corr(lagged[c], y, own + [lagged[k] for k in parents])
                if best is None or p < best[0]:
                    best = (p, c)
            if best is None or best[0] >= pc_alpha:
                break
            parents.append(best[1])
        for c in cands:
            conds = own + [lagged[k] for k in parents if k != c]
            if max_conds_px:
                conds.append(_lagged(cols[c[0]], c[1] + 1))
            r, p = _partial_corr(lagged[c], y, conds)
            keys.append((c[0], target, c[1]))
            p_values.append(p)
            values.append(r)
    q_values = _bh(p_values) if p_values else np.array([])
    edges = [
        _edge(src, tgt, lag, data, val, p, float(q), None)
        for (src, tgt, lag), val, p, q in zip(keys, values, p_values, q_values, strict=True)
        if q < alpha
    ]
    edges.sort(key=lambda e: (e.q, -abs(e.strength)))
    return edges


def _nodes(drivers: list[str], targets: list[str], intraday: bool) -> list[dict[str, str]]:
    out = []
    for kind, names in (("feature", drivers), ("outcome", targets)):
        for name in names:
            info = _info(name, intraday)
            out.append({"id": name, "label": info.label, "kind": kind, "unit": info.unit})
    return out


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

"""The daily two-stage PCMCI-style procedure (condition selection, then MCI), with its
own partial-correlation test so that each test uses only the days its own lagged
variables are observed on. See ``_run_mci_daily``; the model restriction is in
``causal.py``'s docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from glucolens.analytics.causal_model import CausalEdge, _edge


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

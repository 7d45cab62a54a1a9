"""Ridge solve and per-user interval calibration for ``analytics.forecast``.

Intervals are the cross-validation residual quantiles, widened per user to the conformal
quantiles of forward-chained residuals: each of the last CALIBRATION_DAYS days of the
history is forecast by the model (same penalty) refitted on the rows before it, as the
nightly refit meets the next day. With fewer than MIN_CALIBRATION_RESIDUALS such
residuals at a horizon the CV quantiles stand alone. Measured on real CGM and on the
simulator in docs/analytics-patterns-forecast.md.
"""

from __future__ import annotations

import numpy as np

INTERVAL_MIN = 5
QUANTILES = (0.025, 0.1, 0.9, 0.975)
CALIBRATION_DAYS = 7
MIN_CALIBRATION_RESIDUALS = 288  # one day of 5-minute forecasts


def ridge(x: np.ndarray, y: np.ndarray, alpha: float, w: np.ndarray | None = None) -> np.ndarray:
    """Coefficients for standardised ``x`` (first column of ones is not penalised), with
    optional row weights ``w``."""
    penalty = alpha * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    xw = x if w is None else x * w[:, None]
    return np.linalg.solve(xw.T @ x + penalty, xw.T @ y)


def conformal_quantiles(
    residuals: np.ndarray, quantiles: tuple[float, ...] = QUANTILES
) -> dict[float, float] | None:
    """Split-conformal quantiles of held-out residuals (actual − forecast), one tail at a
    time: for q < 0.5 the ⌊(n+1)q⌋-th smallest residual, for q > 0.5 the ⌈(n+1)q⌉-th.
    With exchangeable residuals, ``forecast + [lower, upper]`` then covers at least the
    nominal share. None when n is too small for the outermost quantile."""
    r = np.sort(np.asarray(residuals, dtype=float)[np.isfinite(residuals)])
    n = len(r)
    out: dict[float, float] = {}
    for q in quantiles:
        rank = int(np.floor((n + 1) * q)) if q < 0.5 else int(np.ceil((n + 1) * q))
        if rank < 1 or rank > n:
            return None
        out[q] = float(r[rank - 1])
    return out


def widened_quantiles(
    cv_q: dict[float, float], held_out: np.ndarray
) -> tuple[dict[float, float], int]:
    """Interval quantiles: the cross-validation ones ``cv_q``, widened (never narrowed) to
    the conformal quantiles of the forward-chained residuals ``held_out`` when there are
    at least MIN_CALIBRATION_RESIDUALS of them; with the number of residuals used (0 when
    too few). Widening only: on real CGM, replacing the CV quantiles outright narrowed the
    intervals of people whose recent days were calmer than their next one."""
    calibrated = (
        conformal_quantiles(held_out) if len(held_out) >= MIN_CALIBRATION_RESIDUALS else None
    )
    if calibrated is None:
        return dict(cv_q), 0
    out = {q: min(v, calibrated[q]) if q < 0.5 else max(v, calibrated[q]) for q, v in cv_q.items()}
    return out, len(held_out)


def forward_residuals(
    minutes: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    alpha: float,
    h: int,
    min_samples: int,
    days: int = CALIBRATION_DAYS,
) -> np.ndarray:
    """Residuals of each of the last ``days`` days of rows, forecast by the ridge refitted
    on the rows whose outcome is known before that day begins (at least ``min_samples``
    of them), i.e. as the nightly refit forecasts the next day. The standardisation is
    the full history's (a scale, not a forecast; its effect is negligible)."""
    end = minutes[-1] + INTERVAL_MIN
    out = []
    for back in range(days, 0, -1):
        start = end - back * 1440.0
        # Rows are in time order, so training rows are a prefix and the day a slice.
        n_train = int(np.searchsorted(minutes + h, start, side="right"))
        lo, hi = np.searchsorted(minutes, [start, start + 1440.0])
        if hi > lo and n_train >= min_samples:
            coef = ridge(x[:n_train], y[:n_train], alpha, w[:n_train])
            out.append(y[lo:hi] - x[lo:hi] @ coef)
    return np.concatenate(out) if out else np.zeros(0)

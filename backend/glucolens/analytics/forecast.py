"""Short-term glucose forecasts (5–60 min ahead) with prediction intervals and time-to-low.

Model: one ridge regression per horizon (direct multi-horizon), predicting the change in
glucose from the current reading. Features are the current value, its recent deltas,
carbs-on-board and insulin-on-board with the amounts each is expected to absorb over
the horizon (from events already logged; no future meals are assumed), and recent
activity. Rows whose outcome is hypoglycaemic weigh more in the fit (errors there are
the costly ones), and low point forecasts lean towards the lower residual quantile.
Intervals come from out-of-fold residual quantiles on the user's own history, widened
per user to conformal quantiles of forward-chained residuals (forecast_calibration.py).
With too little history a damped-trend model with wide normal intervals stands in. See
docs/analytics-patterns-forecast.md for the reasoning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.forecast_baselines import (
    CLAMP_MGDL,
    FALLBACK_PHI,
    INTERVAL_MIN,
    _damped_delta,
    clarke_zones,
    damped_trend_path,
    linear_extrapolation,
    linear_slope,
    persistence,
    reading_slope,
)
from glucolens.analytics.forecast_calibration import (
    QUANTILES,
    forward_residuals,
    ridge,
    widened_quantiles,
)
from glucolens.analytics.patterns import regularize, to_jsonable

__all__ = [
    "CLAMP_MGDL",
    "FALLBACK_PHI",
    "INTERVAL_MIN",
    "Forecast",
    "ForecastModel",
    "_damped_delta",
    "clarke_zones",
    "damped_trend_path",
    "forecast",
    "linear_extrapolation",
    "linear_slope",
    "persistence",
    "reading_slope",
    "time_to_low",
]

HORIZONS_MIN = tuple(range(5, 65, 5))
REPORTED_HORIZONS_MIN = (30, 60)
LOW_MGDL = 70.0
CARB_PEAK_MIN = 45.0  # peak rate of appearance of a mixed meal
INSULIN_PEAK_MIN = 65.0  # peak activity of rapid-acting analogues
ACTIVITY_LOOKBACK_MIN = 60
STEPS_PER_ACTIVE_MIN = 100.0  # ~100 steps/min is brisk walking (intensity 1)
MIN_TRAIN_SAMPLES = 2 * 288  # two days of complete feature rows
ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0)
FALLBACK_SD_PER_MIN = 0.6  # mg/dL of error per minute of horizon (persistence-like)
FALLBACK_WIDEN = 1.25
LOW_KNOT_MGDL = 120.0  # below this the low-range terms switch on
# Features that differ from their typical (median) value in fewer than MIN_ACTIVE_ROWS
# training rows (6 hours) get no coefficient: on real CGM a person whose training days
# never went below 120 mg/dL had a low-range term fitted on a handful of rows at 119,
# and a reading of 90 then sent the forecast to 400. Standardised features are also
# capped at ±Z_CLIP standard deviations, so nothing far outside the history extrapolates.
MIN_ACTIVE_ROWS = 72
Z_CLIP = 10.0
# Hypo caution: a point forecast below CAUTION_TOP_MGDL moves towards the 10 % residual
# quantile, by CAUTION_SHARE of it at LOW_MGDL and below (linear ramp in between).
# Tuned on simulated patients outside the benchmark (see the docs).
CAUTION_TOP_MGDL = 100.0
CAUTION_SHARE = 0.5
# Low-range training weight: a row whose outcome (the reading at the horizon) is at or
# below LOW_MGDL counts LOW_WEIGHT times in the fit, fading to 1 at LOW_WEIGHT_TOP_MGDL.
# Errors there are the clinically costly ones. Tuned on the development patients only.
LOW_WEIGHT = 4.0
LOW_WEIGHT_TOP_MGDL = 90.0
FEATURES = (
    "glucose",
    "below_knot",
    "below_knot_x_d15",
    "d5",
    "d15",
    "d30",
    "accel",
    "cob_g",
    "iob_u",
    "carbs_next_g",
    "insulin_next_u",
    "activity_60",
)


_EPOCH = pd.Timestamp(0, tz="UTC")


def _minutes(ts: pd.DatetimeIndex) -> np.ndarray:
    """Minutes since the epoch (independent of the index's storage unit)."""
    return np.asarray((ts - _EPOCH) / pd.Timedelta(minutes=1), dtype=float)


def absorbed_fraction(elapsed_min: np.ndarray, peak_min: float) -> np.ndarray:
    """Share of a dose absorbed after ``elapsed_min``: the gamma(2) (equal-rate
    biexponential) curve ``1 - (1 + t/τ)·e^(-t/τ)``, whose rate peaks at ``τ``."""
    t = np.maximum(np.asarray(elapsed_min, dtype=float), 0.0) / peak_min
    return 1.0 - (1.0 + t) * np.exp(-t)


def _event_frame(df: pd.DataFrame | None, time_col: str, amount_col: str) -> pd.DataFrame:
    if df is None or len(df) == 0:
        return pd.DataFrame({"t": pd.Series([], dtype=float), "amount": pd.Series([], dtype=float)})
    ts = pd.DatetimeIndex(pd.to_datetime(df[time_col], utc=True))
    return pd.DataFrame({"t": _minutes(ts), "amount": np.asarray(df[amount_col], dtype=float)})


def _on_board(
    grid_min: np.ndarray, events: pd.DataFrame, peak_min: float, horizons: tuple[int, ...]
):
    """On-board amount at each grid time, and the amount to be absorbed over each horizon,
    counting only events at or before that grid time."""
    on_board = np.zeros(len(grid_min))
    upcoming = {h: np.zeros(len(grid_min)) for h in horizons}
    span = 10 * peak_min  # beyond this less than 0.05 % is left
    for t0, amount in zip(events["t"].to_numpy(), events["amount"].to_numpy(), strict=True):
        if not np.isfinite(amount) or amount <= 0:
            continue
        lo, hi = np.searchsorted(grid_min, [t0, t0 + span])
        elapsed = grid_min[lo:hi] - t0
        done = absorbed_fraction(elapsed, peak_min)
        on_board[lo:hi] += amount * (1 - done)
        for h in horizons:
            upcoming[h][lo:hi] += amount * (absorbed_fraction(elapsed + h, peak_min) - done)
    return on_board, upcoming


def _activity_load(grid_min: np.ndarray, activity: pd.DataFrame | None) -> np.ndarray:
    """Intensity-weighted active minutes in the last hour (steps count as 1 per 100)."""
    load = np.zeros(len(grid_min))
    if activity is None or len(activity) == 0:
        return load
    starts = _minutes(pd.DatetimeIndex(pd.to_datetime(activity["start"], utc=True)))
    ends = _minutes(pd.DatetimeIndex(pd.to_datetime(activity["end"], utc=True)))
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        duration = max(e - s, 1.0)
        if "intensity" in activity and pd.notna(activity["intensity"].iloc[k]):
            rate = float(activity["intensity"].iloc[k])
        elif "steps" in activity and pd.notna(activity["steps"].iloc[k]):
            rate = float(activity["steps"].iloc[k]) / STEPS_PER_ACTIVE_MIN / duration
        else:
            rate = 1.0
        overlap = np.minimum(grid_min, e) - np.maximum(grid_min - ACTIVITY_LOOKBACK_MIN, s)
        load += rate * np.clip(overlap, 0, None)
    return load


@dataclass
class _Design:
    grid: pd.DatetimeIndex
    glucose: np.ndarray
    base: np.ndarray  # (n, 9): glucose, low-range terms, deltas, accel, cob, iob
    carbs_next: dict[int, np.ndarray]
    insulin_next: dict[int, np.ndarray]
    activity: np.ndarray

    def features(self, h: int) -> np.ndarray:
        return np.column_stack([self.base, self.carbs_next[h], self.insulin_next[h], self.activity])


def _design(times, values, carbs=None, insulin=None, activity=None) -> _Design:
    grid, g = regularize(times, values)
    grid_min = _minutes(grid)

    def lag(k: int) -> np.ndarray:
        out = np.full(len(g), np.nan)
        out[k:] = g[:-k] if k else g
        return out

    d5 = g - lag(1)
    accel = d5 - (lag(1) - lag(2))
    if insulin is not None and len(insulin) and "kind" in insulin:
        # Scheduled basal is the steady state the model learns; only doses count.
        insulin = insulin[insulin["kind"].astype(str).str.lower() != "basal"]
    cob, carbs_next = _on_board(
        grid_min, _event_frame(carbs, "timestamp", "carbs_g"), CARB_PEAK_MIN, HORIZONS_MIN
    )
    iob, insulin_next = _on_board(
        grid_min, _event_frame(insulin, "timestamp", "units"), INSULIN_PEAK_MIN, HORIZONS_MIN
    )
    below = np.maximum(LOW_KNOT_MGDL - g, 0.0)
    d15 = g - lag(3)
    base = np.column_stack([g, below, below * d15, d5, d15, g - lag(6), accel, cob, iob])
    return _Design(grid, g, base, carbs_next, insulin_next, _activity_load(grid_min, activity))


def _weights(future_mgdl: np.ndarray, low_weight: float = LOW_WEIGHT) -> np.ndarray:
    """Training weight of each row from its outcome: ``low_weight`` at or below LOW_MGDL,
    1 from LOW_WEIGHT_TOP_MGDL up, linear in between."""
    ramp = np.clip((LOW_WEIGHT_TOP_MGDL - future_mgdl) / (LOW_WEIGHT_TOP_MGDL - LOW_MGDL), 0, 1)
    return 1.0 + (low_weight - 1.0) * ramp


@dataclass
class ForecastModel:
    kind: str  # "ridge" or "damped_trend"
    reason: str | None = None
    n_train: int = 0
    mean: dict[int, np.ndarray] = field(default_factory=dict)
    scale: dict[int, np.ndarray] = field(default_factory=dict)
    coef: dict[int, np.ndarray] = field(default_factory=dict)
    alpha: dict[int, float] = field(default_factory=dict)
    residual_q: dict[int, dict[float, float]] = field(default_factory=dict)
    cv_rmse: dict[int, float] = field(default_factory=dict)
    # Interval quantiles (see forecast_calibration) and how many held-out residuals set them
    # (0: the cross-validation quantiles, as models stored before calibration existed).
    interval_q: dict[int, dict[float, float]] = field(default_factory=dict)
    calibration_n: dict[int, int] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        times,
        values,
        carbs=None,
        insulin=None,
        activity=None,
        min_samples: int = MIN_TRAIN_SAMPLES,
        folds: int = 5,
        low_weight: float = LOW_WEIGHT,
    ) -> ForecastModel:
        """Fit on a user's history. ``carbs``: timestamp, carbs_g; ``insulin``: timestamp,
        units, kind (basal rows are ignored); ``activity``: start, end and intensity (0–1+)
        or steps. Alpha and the residual quantiles come from blocked (time-ordered)
        cross-validation, never from data after the history. ``low_weight=1`` turns the
        low-range weighting off (benchmarks compare with and without it)."""
        d = _design(times, values, carbs, insulin, activity)
        n_max = max(HORIZONS_MIN) // INTERVAL_MIN
        rows = np.isfinite(d.base).all(axis=1)
        rows[len(rows) - n_max :] = False
        targets = {h: np.full(len(d.glucose), np.nan) for h in HORIZONS_MIN}
        for h in HORIZONS_MIN:
            k = h // INTERVAL_MIN
            targets[h][:-k] = d.glucose[k:] - d.glucose[:-k]
            rows &= np.isfinite(targets[h])
        n = int(rows.sum())
        if n < min_samples:
            reason = f"{n} complete training rows, {min_samples} needed"
            return cls(kind="damped_trend", reason=reason, n_train=n)
        idx = np.flatnonzero(rows)
        model = cls(kind="ridge", n_train=n)
        fold_of = np.minimum(np.arange(n) * folds // n, folds - 1)
        for h in HORIZONS_MIN:
            raw = d.features(h)[idx]
            sd = raw.std(axis=0)
            model.mean[h], model.scale[h] = raw.mean(axis=0), np.where(sd > 1e-9, sd, 1.0)
            x = model._standardise(raw, h)
            typical = np.median(raw, axis=0)
            inactive = (np.abs(raw - typical) > 1e-9).sum(axis=0) < MIN_ACTIVE_ROWS
            x[:, 1:][:, inactive] = 0.0  # a zero column gets a zero ridge coefficient
            y = targets[h][idx]
            w = _weights(d.glucose[idx] + y, low_weight)
            best: tuple[float, float, np.ndarray] | None = None
            for alpha in ALPHAS:
                oof = np.empty(n)
                for f in range(folds):
                    test = fold_of == f
                    oof[test] = x[test] @ ridge(x[~test], y[~test], alpha, w[~test])
                mse = float(np.average((y - oof) ** 2, weights=w))
                if best is None or mse < best[0]:
                    best = (mse, alpha, y - oof)
            assert best is not None
            model.alpha[h] = best[1]
            model.cv_rmse[h] = float(np.sqrt(np.mean(best[2] ** 2)))  # unweighted
            model.residual_q[h] = {q: float(np.quantile(best[2], q)) for q in QUANTILES}
            model.coef[h] = ridge(x, y, best[1], w)
            held_out = forward_residuals(_minutes(d.grid[idx]), x, y, w, best[1], h, min_samples)
            model.interval_q[h], model.calibration_n[h] = widened_quantiles(
                model.residual_q[h], held_out
            )
        return model

    def _standardise(self, x: np.ndarray, h: int) -> np.ndarray:
        z = np.clip((x - self.mean[h]) / self.scale[h], -Z_CLIP, Z_CLIP)
        return np.column_stack([np.ones(len(x)), z])

    def compatible(self) -> bool:
        """False for a stored ridge model fitted with another feature set."""
        return self.kind != "ridge" or all(
            len(self.coef.get(h, ())) == len(FEATURES) + 1 for h in HORIZONS_MIN
        )

    def predict_all(
        self, times, values, carbs=None, insulin=None, activity=None, *, cautious: bool = True
    ):
        """Point forecasts made at every grid time: ``(grid, {horizon_min: mg/dL})``, NaN
        where the features are incomplete. Used for back-testing. ``cautious=False``
        gives the unadjusted conditional mean (the centre of the intervals)."""
        d = _design(times, values, carbs, insulin, activity)
        out: dict[int, np.ndarray] = {}
        ridge = self.kind == "ridge" and self.compatible()
        for h in HORIZONS_MIN:
            if ridge:
                delta = self._standardise(d.features(h), h) @ self.coef[h]
            else:
                delta = _damped_delta(linear_slope(d.glucose), h)
            mean = np.clip(d.glucose + delta, *CLAMP_MGDL)
            out[h] = self._cautious(mean, h) if cautious and ridge else mean
        return d.grid, out

    def _cautious(self, mean: np.ndarray, h: int) -> np.ndarray:
        """Low-range point forecasts moved down towards the 10 % residual quantile: a
        missed low (Clarke zone D) costs more than a false alarm."""
        q10 = min(self.residual_q.get(h, {}).get(0.1, 0.0), 0.0)
        ramp = np.clip((CAUTION_TOP_MGDL - mean) / (CAUTION_TOP_MGDL - LOW_MGDL), 0.0, 1.0)
        return np.clip(mean + CAUTION_SHARE * q10 * ramp, *CLAMP_MGDL)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "kind": self.kind,
                "reason": self.reason,
                "n_train": self.n_train,
                "features": list(FEATURES) if self.kind == "ridge" else [],
                "cv_rmse_mgdl": {str(h): v for h, v in self.cv_rmse.items()},
            }
        )


@dataclass
class Forecast:
    last_reading_at: dt.datetime | None
    last_value: float | None
    model: str
    horizons: list[dict[str, Any]]
    path: list[dict[str, Any]]
    time_to_low_min: float | None
    low_threshold: float = LOW_MGDL

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(asdict(self))


def interval_bounds(
    model: ForecastModel, h: int, value: Any, centre: Any = None
) -> tuple[Any, Any, Any, Any]:
    """``(lo80, hi80, lo95, hi95)`` around ``centre`` (the conditional mean; default
    ``value``), widened if needed to contain the point forecast ``value``, nested, and
    clamped to CLAMP_MGDL. Works on scalars and arrays alike (back-tests use arrays)."""
    v = np.asarray(value, dtype=float)
    c = v if centre is None else np.asarray(centre, dtype=float)
    if model.kind == "ridge":
        q = model.interval_q.get(h) or model.residual_q[h]
        lo80, hi80 = c + min(q[0.1], 0.0), c + max(q[0.9], 0.0)
        lo95, hi95 = np.minimum(c + q[0.025], lo80), np.maximum(c + q[0.975], hi80)
    else:
        sd = FALLBACK_SD_PER_MIN * h * FALLBACK_WIDEN
        lo80, hi80 = c - 1.2816 * sd, c + 1.2816 * sd
        lo95, hi95 = c - 1.96 * sd, c + 1.96 * sd
    lo80, hi80 = np.minimum(lo80, v), np.maximum(hi80, v)
    lo95, hi95 = np.minimum(lo95, lo80), np.maximum(hi95, hi80)
    lo, hi = CLAMP_MGDL
    return tuple(np.clip(b, lo, hi) for b in (lo80, hi80, lo95, hi95))  # type: ignore[return-value]


def _interval(
    model: ForecastModel, h: int, value: float, centre: float | None = None
) -> dict[str, float]:
    lo80, hi80, lo95, hi95 = interval_bounds(model, h, value, centre)
    lo, hi = CLAMP_MGDL
    return {
        "minutes": h,
        "value": round(float(np.clip(value, lo, hi)), 1),
        "lo80": round(float(lo80), 1),
        "hi80": round(float(hi80), 1),
        "lo95": round(float(lo95), 1),
        "hi95": round(float(hi95), 1),
    }


def time_to_low(
    last_value: float, path: list[tuple[float, float]], threshold: float = LOW_MGDL
) -> float | None:
    """First minute (linearly interpolated) at which the predicted path reaches
    ``threshold``; 0 if already below, None if it stays above over the path."""
    if last_value < threshold:
        return 0.0
    prev_m, prev_v = 0.0, float(last_value)
    for minutes, value in path:
        if value <= threshold:
            frac = (prev_v - threshold) / (prev_v - value) if prev_v != value else 1.0
            return round(prev_m + frac * (minutes - prev_m), 1)
        prev_m, prev_v = minutes, value
    return None


def forecast(
    model: ForecastModel, times, values, carbs=None, insulin=None, activity=None
) -> Forecast:
    """Forecast from the latest reading of ``times``/``values`` (5-min CGM, UTC). The
    model's damped-trend fallback is used when the recent features are incomplete."""
    if not model.compatible():
        model = ForecastModel(kind="damped_trend", reason="stored model predates features")
    grid, means = model.predict_all(times, values, carbs, insulin, activity, cautious=False)
    preds = {h: model._cautious(m, h) if model.kind == "ridge" else m for h, m in means.items()}
    glucose = regularize(times, values)[1] if len(grid) else np.zeros(0)
    finite = np.flatnonzero(np.isfinite(glucose))
    if len(finite) == 0:
        return Forecast(None, None, "none", [], [], None)
    i = int(finite[-1])
    used = model
    if not all(np.isfinite(preds[h][i]) for h in HORIZONS_MIN):
        used = ForecastModel(kind="damped_trend", reason="incomplete recent readings")
        slope = linear_slope(glucose)[i] if i >= 6 else np.nan
        if not np.isfinite(slope) and i >= 1 and np.isfinite(glucose[i - 1]):
            slope = (glucose[i] - glucose[i - 1]) / INTERVAL_MIN
        preds = {
            h: np.full(len(glucose), glucose[i] + _damped_delta(slope, h)) for h in HORIZONS_MIN
        }
        means = preds
    path_full = [_interval(used, h, float(preds[h][i]), float(means[h][i])) for h in HORIZONS_MIN]
    last_value = float(glucose[i])
    return Forecast(
        last_reading_at=grid[i].to_pydatetime(),
        last_value=round(last_value, 1),
        model=used.kind,
        horizons=[p for p in path_full if p["minutes"] in REPORTED_HORIZONS_MIN],
        path=[{k: p[k] for k in ("minutes", "value", "lo80", "hi80")} for p in path_full],
        time_to_low_min=time_to_low(last_value, [(p["minutes"], p["value"]) for p in path_full]),
    )

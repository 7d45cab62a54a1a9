"""Forecasts that stay current: the job fits the user's model; each read forecasts from the
latest readings with it (milliseconds), so predictions never wait for a recomputation.

``analytics.forecast`` is imported inside the functions that fit or forecast, so the API
process does not load it (and the matrix-profile modules behind it) at start-up; the first
predictions read pays that import once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.units import MGDL
from glucolens.insights.repository import UserFrames, load_frames

FIT_DAYS = 30
LIVE_WINDOW = dt.timedelta(hours=6)
# A forecast from a reading older than this is not shown as current.
MAX_READING_AGE = dt.timedelta(minutes=20)
_INTENSITY = {"low": 0.4, "moderate": 0.7, "high": 1.0}
MODEL_KEY = "_model"


def _inputs(frames: UserFrames) -> dict[str, Any]:
    g = frames.glucose
    acts = frames.activities.copy()
    acts["intensity"] = acts["intensity"].map(_INTENSITY).astype(float).fillna(0.6)
    return {
        "times": pd.DatetimeIndex(g["timestamp"]),
        "values": g["value_mgdl"].to_numpy(dtype=float),
        "carbs": frames.meals[["timestamp", "carbs_g"]].dropna(),
        "insulin": frames.insulin[["timestamp", "units", "kind"]],
        "activity": acts[["start", "end", "intensity", "steps"]],
    }


def serialize(model: Any) -> dict[str, Any]:
    def arr(d: dict[int, np.ndarray]) -> dict[str, list[float]]:
        return {str(h): np.asarray(v, dtype=float).tolist() for h, v in d.items()}

    return {
        "kind": model.kind,
        "reason": model.reason,
        "n_train": model.n_train,
        "mean": arr(model.mean),
        "scale": arr(model.scale),
        "coef": arr(model.coef),
        "alpha": {str(h): v for h, v in model.alpha.items()},
        "residual_q": {
            str(h): {str(q): v for q, v in qs.items()} for h, qs in model.residual_q.items()
        },
        "cv_rmse": {str(h): v for h, v in model.cv_rmse.items()},
        "interval_q": {
            str(h): {str(q): v for q, v in qs.items()} for h, qs in model.interval_q.items()
        },
        "calibration_n": {str(h): n for h, n in model.calibration_n.items()},
    }


def deserialize(data: dict[str, Any]) -> Any:
    from glucolens.analytics.forecast import ForecastModel

    def arr(d: dict[str, list[float]]) -> dict[int, np.ndarray]:
        return {int(h): np.asarray(v, dtype=float) for h, v in d.items()}

    return ForecastModel(
        kind=data["kind"],
        reason=data["reason"],
        n_train=data["n_train"],
        mean=arr(data["mean"]),
        scale=arr(data["scale"]),
        coef=arr(data["coef"]),
        alpha={int(h): v for h, v in data["alpha"].items()},
        residual_q={
            int(h): {float(q): v for q, v in qs.items()} for h, qs in data["residual_q"].items()
        },
        cv_rmse={int(h): v for h, v in data["cv_rmse"].items()},
        # Models stored before per-user calibration have no interval_q: their intervals
        # keep the cross-validation quantiles until the next refit.
        interval_q={
            int(h): {float(q): v for q, v in qs.items()}
            for h, qs in data.get("interval_q", {}).items()
        },
        calibration_n={int(h): int(n) for h, n in data.get("calibration_n", {}).items()},
    )


# z of the 10th percentile of a normal distribution: lo80 is the forecast's 10 % quantile.
_Z10 = 1.2816


def _cross_minute(
    start: float, points: list[tuple[float, float]], threshold: float
) -> float | None:
    """First minute (linearly interpolated) a series starting at ``start`` reaches
    ``threshold``; 0 if it starts below, None if it stays above."""
    if start < threshold:
        return 0.0
    prev_m, prev_v = 0.0, start
    for minutes, value in points:
        if value <= threshold:
            frac = (prev_v - threshold) / (prev_v - value) if prev_v != value else 1.0
            return round(prev_m + frac * (minutes - prev_m), 1)
        prev_m, prev_v = minutes, value
    return None


def _below_probability(value: float, lo80: float, threshold: float) -> float:
    """Chance of a reading under ``threshold`` at one horizon, read off the forecast's own
    interval: the point forecast as the median and ``lo80`` as the 10th percentile, with a
    normal shape below the median (the residual quantiles behind lo80 are the user's own)."""
    spread = (value - lo80) / _Z10
    if spread <= 0:
        return 1.0 if value < threshold else 0.0
    return 0.5 * math.erfc((value - threshold) / (spread * math.sqrt(2)))


def low_risk(last_value: float, path: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """How a low shows in the forecast: when the point forecast reaches ``threshold`` (a low
    is expected), when the lower 80 % bound does (a low is possible), and the highest chance
    of being under it at any step. A banner worded from this never gives an all-clear that
    the interval contradicts."""
    steps = sorted(path, key=lambda p: p["minutes"])
    chances: list[tuple[float, int | None]] = [
        (_below_probability(p["value"], p["lo80"], threshold), p["minutes"]) for p in steps
    ]
    if last_value < threshold:
        chances.insert(0, (1.0, 0))
    best: tuple[float, int | None] = max(chances, key=lambda c: c[0]) if chances else (0.0, None)
    return {
        "threshold_mgdl": threshold,
        "expected_at_min": _cross_minute(
            last_value, [(p["minutes"], p["value"]) for p in steps], threshold
        ),
        "possible_at_min": _cross_minute(
            last_value, [(p["minutes"], p["lo80"]) for p in steps], threshold
        ),
        "probability": round(best[0], 3),
        "probability_at_min": best[1],
    }


def _forecast(model: Any, frames: UserFrames, now: dt.datetime) -> dict[str, Any]:
    from glucolens.analytics.forecast import forecast

    if frames.glucose.empty:
        return {"status": "insufficient_data", "reason": "No glucose readings in the last hours."}
    result = forecast(model, **_inputs(frames)).to_dict()
    last = result.get("last_reading_at")
    if last is None:
        return {"status": "insufficient_data", "reason": "No recent glucose readings."}
    age = now - dt.datetime.fromisoformat(str(last).replace("Z", "+00:00"))
    result["reading_age_min"] = round(age.total_seconds() / 60, 1)
    result["current"] = age <= MAX_READING_AGE
    result["unit"] = MGDL
    result["low_risk"] = low_risk(
        float(result["last_value"]), result.get("path") or [], float(result["low_threshold"])
    )
    result["model_info"] = model.to_dict()
    return {"status": "ok", **result}


def fit_and_forecast(frames: UserFrames) -> dict[str, Any]:
    from glucolens.analytics.forecast import ForecastModel

    if frames.glucose.empty:
        return {"status": "insufficient_data", "reason": "No glucose readings yet."}
    since = frames.glucose["timestamp"].max() - pd.Timedelta(days=FIT_DAYS)
    recent = UserFrames(
        frames.tz,
        frames.glucose[frames.glucose["timestamp"] >= since],
        frames.sleep,
        frames.meals[frames.meals["timestamp"] >= since],
        frames.activities[frames.activities["start"] >= since],
        frames.insulin[frames.insulin["timestamp"] >= since],
    )
    model = ForecastModel.fit(**_inputs(recent))
    out = _forecast(model, recent, dt.datetime.now(dt.UTC))
    out[MODEL_KEY] = serialize(model)
    return out


def live_forecast(db: Session, user: User, stored: dict[str, Any]) -> dict[str, Any] | None:
    """Forecast from the latest readings with the stored model; None if there is no model."""
    if MODEL_KEY not in stored:
        return None
    model = deserialize(stored[MODEL_KEY])
    frames = load_frames(db, user, days=1)
    cut = dt.datetime.now(dt.UTC) - LIVE_WINDOW
    frames.glucose = frames.glucose[frames.glucose["timestamp"] >= cut]
    out = _forecast(model, frames, dt.datetime.now(dt.UTC))
    out.pop("status", None)
    return out

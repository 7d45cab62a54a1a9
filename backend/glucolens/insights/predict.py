"""Forecasts that stay current: the job fits the user's model; each read forecasts from the
latest readings with it (milliseconds), so predictions never wait for a recomputation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.insights.data import UserFrames, load_frames
from glucolens.insights.pipeline import GLUCOSE_UNIT

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
    )


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
    result["unit"] = GLUCOSE_UNIT
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

"""The title and body of an alert, in the user's unit and time zone.

The same texts go to the history, the toast, email, web push and webhooks, so an alert reads
the same everywhere. They hold a glucose value (that is their point) and are never logged.

``Alert.details`` keys read here (all optional; the engine and the patterns feed set them):
``rate_mgdl_per_min`` (rising/falling fast), ``forecast_mgdl`` and ``in_min`` (urgent low
soon), ``stale_min`` (stale data), ``pattern`` (a short machine name such as
``recurring_low``) and ``hour`` (local hour the pattern centres on), ``threshold_mgdl``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from glucolens.alerts import defaults as d
from glucolens.alerts.models import Alert
from glucolens.auth.models import User
from glucolens.core.timeutil import zone
from glucolens.core.units import MGDL_PER_MMOL, MMOL

_NAMES = {
    d.URGENT_LOW: "Urgent low",
    d.URGENT_LOW_SOON: "Urgent low soon",
    d.LOW: "Low",
    d.HIGH: "High",
    d.URGENT_HIGH: "Urgent high",
    d.RISING_FAST: "Rising fast",
    d.FALLING_FAST: "Falling fast",
    d.STALE_DATA: "No glucose data",
    d.PATTERN: "New pattern",
    d.TEST: "Test notification",
}
_PATTERNS = {
    "recurring_low": "lows that recur",
    "recurring_high": "highs that recur",
    "anomaly": "an unusual day",
}


def kind_name(kind: str) -> str:
    return _NAMES.get(kind, kind.replace("_", " ").capitalize())


def glucose_text(value_mgdl: float | None, unit: str) -> str:
    """A glucose value the way people read it: whole mg/dL, mmol/L to one decimal."""
    if value_mgdl is None:
        return "?"
    if unit == MMOL:
        return f"{value_mgdl / MGDL_PER_MMOL:.1f} mmol/L"
    return f"{round(value_mgdl):d} mg/dL"


def rate_text(rate_mgdl_per_min: float, unit: str) -> str:
    if unit == MMOL:
        return f"{abs(rate_mgdl_per_min) / MGDL_PER_MMOL:.2f} mmol/L per minute"
    return f"{abs(rate_mgdl_per_min):.1f} mg/dL per minute"


def _num(details: dict[str, Any], key: str) -> float | None:
    value = details.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _local_hhmm(when: dt.datetime | None, tz: str) -> str | None:
    if when is None:
        return None
    try:
        return when.astimezone(zone(tz)).strftime("%H:%M")
    except (ValueError, KeyError):
        return when.astimezone(dt.UTC).strftime("%H:%M UTC")


def _stale_minutes(alert: Alert, details: dict[str, Any]) -> int | None:
    stale = _num(details, "stale_min")
    if stale is not None:
        return int(stale)
    if alert.last_reading_at is None:
        return None
    end = alert.resolved_at or dt.datetime.now(dt.UTC)
    return max(0, int((end - alert.last_reading_at).total_seconds() // 60))


def alert_title_and_body(alert: Alert, user: User) -> tuple[str, str]:
    """``("Urgent low: 52 mg/dL", "Glucose is 52 mg/dL ...")`` for any kind."""
    unit = user.unit or "mg/dL"
    details = alert.details or {}
    name = kind_name(alert.kind)
    value = glucose_text(alert.trigger_value_mgdl, unit)
    threshold = _num(details, "threshold_mgdl")
    limit = f" (your limit: {glucose_text(threshold, unit)})" if threshold is not None else ""
    kind = alert.kind

    if kind in (d.URGENT_LOW, d.LOW):
        act = "Treat it now." if kind == d.URGENT_LOW else "Consider fast-acting carbs."
        return f"{name}: {value}", f"Glucose is {value}{limit}. {act}"
    if kind in (d.HIGH, d.URGENT_HIGH):
        return f"{name}: {value}", f"Glucose is {value}{limit}."
    if kind == d.URGENT_LOW_SOON:
        forecast = glucose_text(_num(details, "forecast_mgdl") or threshold, unit)
        minutes = _num(details, "in_min")
        within = f" within {int(minutes)} min" if minutes is not None else " soon"
        body = f"Glucose is {value} and falling; forecast to reach {forecast}{within}."
        return f"{name}: {value}", body + " Act before it gets there."
    if kind in (d.RISING_FAST, d.FALLING_FAST):
        rate = _num(details, "rate_mgdl_per_min")
        verb = "rising" if kind == d.RISING_FAST else "falling"
        speed = f" {verb} {rate_text(rate, unit)}" if rate is not None else f" {verb} fast"
        return f"{name}: {value}", f"Glucose is {value},{speed}."
    if kind == d.STALE_DATA:
        minutes = _stale_minutes(alert, details)
        since = _local_hhmm(alert.last_reading_at, user.timezone or "UTC")
        title = f"No glucose data for {minutes} min" if minutes is not None else name
        if since is not None:
            body = f"The last reading arrived at {since}. Check the sensor, phone and uploader."
        else:
            body = "No reading has arrived. Check the sensor, phone and uploader."
        return title, body
    if kind == d.PATTERN:
        what = _PATTERNS.get(str(details.get("pattern", "")), "a recurring pattern")
        hour = _num(details, "hour")
        around = f" around {int(hour):02d}:00" if hour is not None else ""
        return name, f"GlucoLens found {what}{around}. See Insights for the details."
    if kind == d.TEST:
        return name, "This is a test notification from GlucoLens: this channel works."
    return name, f"{name}: {value}."

"""Validation of raw glucose rows for bulk ingest: a hand-written fast path (no Pydantic model
per row) with the same rules as the single-create schema, naming the field of each problem."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

from glucolens.auth.models import User
from glucolens.core.schemas import SOURCE_MAX_LENGTH, SOURCE_PATTERN, text_problem
from glucolens.core.timeutil import (
    EARLIEST_DATA,
    FUTURE_TOLERANCE,
    data_time_problem,
    parse_iso_time,
)
from glucolens.core.units import MMOL, normalize_unit, to_mgdl

GLUCOSE_MIN_MGDL = 20.0
GLUCOSE_MAX_MGDL = 600.0
# Where sensors stop reporting numbers: Dexcom and Libre both show "Low" below 40 mg/dL;
# "High" is above 400 (Dexcom) or 500 (Libre). The flag keeps the fact; the value is the bound.
SENTINELS = {
    "low": ("low", 40.0),
    "lo": ("low", 40.0),
    "high": ("high", 400.0),
    "hi": ("high", 400.0),
}
BULK_MAX_GLUCOSE = 100_000


class RowError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_glucose_value(value: Any, unit_raw: Any) -> tuple[float, str | None]:
    """Returns (mg/dL, flag). Raises RowError naming the field."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in SENTINELS:
            flag, mgdl = SENTINELS[key]
            return mgdl, flag
        try:
            value = float(key)
        except ValueError:
            # repr: the echo must survive JSON encoding (NUL, lone surrogates).
            raise RowError("value", f"{value[:20]!r} is not a number or Low/High") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError("value", "value must be a number or 'Low'/'High'")
    try:
        number = float(value)  # an integer of 309+ digits does not fit a float
    except OverflowError:
        raise RowError("value", "value is far outside 20–600 mg/dL") from None
    if not math.isfinite(number):
        raise RowError("value", "value must be a finite number")
    if unit_raw is not None and not isinstance(unit_raw, str):
        raise RowError("unit", "unit must be 'mg/dL' or 'mmol/L'")
    unit = normalize_unit(unit_raw)
    if unit is None:
        raise RowError("unit", f"unknown unit {str(unit_raw)[:20]!r}; use mg/dL or mmol/L")
    mgdl = to_mgdl(number, unit)
    if not GLUCOSE_MIN_MGDL <= mgdl <= GLUCOSE_MAX_MGDL:
        shown = f"{number:g} {unit}"
        raise RowError(
            "value",
            f"{shown} is outside the plausible range 20–600 mg/dL (1.1–33.3 mmol/L)",
        )
    return round(mgdl, 2) if unit == MMOL else float(mgdl), None


def parse_timestamp(raw: Any, now: dt.datetime, field: str = "timestamp") -> dt.datetime:
    """The same rules as the API's PastTime (core.timeutil), with RowError naming the field."""
    if raw is None:
        raise RowError(field, "timestamp is required (ISO 8601 with offset)")
    try:
        ts = parse_iso_time(raw)
    except ValueError as exc:
        raise RowError(field, f"timestamp {exc}") from None
    problem = data_time_problem(ts, now)
    if problem:
        raise RowError(field, f"timestamp {problem}")
    return ts


def _opt_str(item: dict[str, Any], key: str, max_len: int) -> str | None:
    v = item.get(key)
    if v is None:
        return None
    if type(v) is str and len(v) <= max_len:
        return _checked_text(key, v, max_len)
    return _checked_value(key, v, max_len)


@functools.lru_cache(maxsize=4096)
def _checked_text(key: str, v: str, max_len: int) -> str | None:
    """Sources, devices and trends repeat on every row of a file: checked once each."""
    return _checked_value(key, v, max_len)


def _checked_value(key: str, v: Any, max_len: int) -> str | None:
    if not isinstance(v, str | int) or isinstance(v, bool):
        raise RowError(key, f"{key} must be a string")
    if isinstance(v, int) and not -(10**max_len) < v < 10**max_len:
        raise RowError(key, f"{key} is longer than {max_len} characters")
    v = str(v).strip()
    if len(v) > max_len:
        raise RowError(key, f"{key} is longer than {max_len} characters")
    problem = text_problem(v)
    if problem:
        raise RowError(key, f"{key} {problem}")
    return v or None


_SOURCE = re.compile(SOURCE_PATTERN)


def _source(item: dict[str, Any]) -> str:
    """The same rule as the single-create schema's SourceField."""
    source = _opt_str(item, "source", SOURCE_MAX_LENGTH) if "source" in item else None
    if source is None:
        return "manual"
    return _source_checked(source)


@functools.lru_cache(maxsize=1024)
def _source_checked(source: str) -> str:
    if not _SOURCE.match(source):
        raise RowError("source", "source may contain only letters, digits and _ . : -")
    return source


_ALLOWED = frozenset(
    {"timestamp", "value", "unit", "trend", "device", "source", "external_id", "kind", "period_min"}
)
# "cgm": sensor readings (the stream metrics use); "scan": Libre scans; "meter": fingersticks.
GLUCOSE_KINDS = ("cgm", "scan", "meter")
PERIOD_MIN_RANGE = (1, 60)


def _kind(item: dict[str, Any]) -> str:
    kind = item["kind"]
    if kind is None:
        return "cgm"
    if type(kind) is not str:
        raise RowError("kind", f"kind must be one of {', '.join(GLUCOSE_KINDS)}")
    if kind not in GLUCOSE_KINDS:
        raise RowError("kind", f"kind {kind[:20]!r} is not one of {', '.join(GLUCOSE_KINDS)}")
    return kind


def _period_min(item: dict[str, Any]) -> int | None:
    period = item["period_min"]
    if period is None:
        return None
    low, high = PERIOD_MIN_RANGE
    if type(period) is not int:
        raise RowError("period_min", "period_min must be a whole number of minutes")
    if not low <= period <= high:
        raise RowError("period_min", f"period_min must be between {low} and {high} minutes")
    return period


def glucose_row(item: Any, user: User, now: dt.datetime) -> dict[str, Any]:
    """Validate one raw bulk item into a table row (fast path: no pydantic per row)."""
    if type(item) is not dict:
        raise RowError("", "each item must be an object")
    if not _ALLOWED.issuperset(item):
        unknown = sorted(item.keys() - _ALLOWED)[0]
        raise RowError(unknown.encode("utf-8", "backslashreplace").decode()[:64], "unknown field")
    get = item.get
    raw_ts = get("timestamp")
    try:
        ts = dt.datetime.fromisoformat(raw_ts) if type(raw_ts) is str else None
    except ValueError:
        ts = None
    if (
        ts is None
        or ts.tzinfo is None
        or (ts.year <= EARLIEST_DATA.year and ts < EARLIEST_DATA)  # the year: a cheap first test
        or ts - now > FUTURE_TOLERANCE
    ):
        ts = parse_timestamp(raw_ts, now)  # names the problem precisely
    value: Any = get("value")
    unit = get("unit")
    if (
        (unit is None or unit == "mg/dL")
        and type(value) in (int, float)
        and GLUCOSE_MIN_MGDL <= value <= GLUCOSE_MAX_MGDL
    ):
        mgdl, flag = float(value), None  # the common case: a plausible number in mg/dL
    else:
        mgdl, flag = parse_glucose_value(value, unit)
    off = ts.utcoffset()
    return {
        "user_id": user.id,
        "ts": ts.astimezone(dt.UTC),
        "utc_offset_min": int(off.total_seconds() // 60) if off else 0,
        "value_mgdl": mgdl,
        "flag": flag,
        "trend": _opt_str(item, "trend", 24) if "trend" in item else None,
        "device": _opt_str(item, "device", 64) if "device" in item else None,
        "source": _source(item),
        "external_id": _opt_str(item, "external_id", 128) if "external_id" in item else None,
        "kind": _kind(item) if "kind" in item else "cgm",
        "period_min": _period_min(item) if "period_min" in item else None,
        "created_at": now,
    }

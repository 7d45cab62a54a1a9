"""Nightscout entries <-> GlucoLens glucose rows.

Field meanings follow cgm-remote-monitor lib/server/entries.js: ``type`` "sgv" (a sensor
reading, ``sgv`` in mg/dL, number or numeric string), "mbg" (a meter reading, ``mbg``),
"cal" (a calibration: not a reading, skipped). The instant is ``dateString`` when it parses
with an offset (entries.js takes ``sysTime`` from it and keeps its ``utcOffset``), else
``date`` (ms since the epoch, int or float). sgv below 39 is a Dexcom error code (e.g. 5
"?NC", 10 "???"), never a glucose value: skipped. 39 is the receiver's "LOW": kept as the
house Low sentinel (flag low, 40 mg/dL).

Source: the uploader, from ``device`` (or ``enteredBy``), so that two uploaders sending the
same reading are two sources the canonical stream merges (readings/canonical.py); rows of one
source are never merged with each other. Unknown uploaders are "nightscout".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

from glucolens.readings.models import GlucoseReading

SENSOR_ERROR_BELOW = 39
DEXCOM_LOW = 39
# Nightscout directions (and the spellings uploaders use) -> the house trend vocabulary.
_DIRECTIONS = {
    "doubleup": "doubleUp",
    "tripleup": "doubleUp",
    "singleup": "singleUp",
    "fortyfiveup": "fortyFiveUp",
    "flat": "flat",
    "fortyfivedown": "fortyFiveDown",
    "singledown": "singleDown",
    "doubledown": "doubleDown",
    "tripledown": "doubleDown",
}
# Dexcom's numeric trend (the ``trend`` field), 1 = DoubleUp ... 7 = DoubleDown.
_TREND_NUMBERS = {
    1: "doubleUp",
    2: "singleUp",
    3: "fortyFiveUp",
    4: "flat",
    5: "fortyFiveDown",
    6: "singleDown",
    7: "doubleDown",
}
_TO_NS = {
    "doubleUp": "DoubleUp",
    "singleUp": "SingleUp",
    "fortyFiveUp": "FortyFiveUp",
    "flat": "Flat",
    "fortyFiveDown": "FortyFiveDown",
    "singleDown": "SingleDown",
    "doubleDown": "DoubleDown",
}
# Substring of device/enteredBy (lower case) -> source name. Order matters: first match.
_UPLOADERS = (
    ("xdrip", "xdrip"),  # xDrip+ ("xDrip-DexcomG5"), xDrip4iOS
    ("juggluco", "juggluco"),
    ("librelink", "librelinkup"),  # nightscout-librelink-up
    ("androidaps", "aaps"),
    ("aaps", "aaps"),
    ("loop", "loop"),  # Loop: "loop://iPhone"
    ("spike", "spike"),
)
DEFAULT_SOURCE = "nightscout"
REMOVED_FIELDS = ("secret", "token")  # never stored or echoed (the rule)


class Skip(Exception):
    """An entry that is not a glucose reading (or not a valid one): answered, not stored."""


def source_of(obj: dict[str, Any]) -> str:
    for key in ("device", "enteredBy"):
        value = obj.get(key)
        if isinstance(value, str):
            low = value.lower()
            for needle, source in _UPLOADERS:
                if needle in low:
                    return source
    return DEFAULT_SOURCE


def direction_of(obj: dict[str, Any]) -> str | None:
    raw = obj.get("direction")
    if isinstance(raw, str):
        key = raw.replace(" ", "").replace("_", "").lower()
        if key in _DIRECTIONS:
            return _DIRECTIONS[key]
    trend = obj.get("trend")
    if isinstance(trend, int) and not isinstance(trend, bool):
        return _TREND_NUMBERS.get(trend)
    return None  # NONE, NOT COMPUTABLE, RATE OUT OF RANGE, missing: no trend


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def instant_of(obj: dict[str, Any]) -> dt.datetime:
    """``dateString`` with its offset, else ``date`` (ms) at ``utcOffset`` (min) or UTC."""
    raw = obj.get("dateString")
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    ms = _number(obj.get("date"))
    if ms is None or not 0 < ms < 1e14:
        raise Skip("date: neither dateString (ISO 8601 with offset) nor date (ms) is usable")
    offset = _number(obj.get("utcOffset"))
    tz = dt.UTC
    if offset is not None and abs(offset) <= 18 * 60:
        tz = dt.timezone(dt.timedelta(minutes=int(offset)))
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.UTC).astimezone(tz)


def to_glucose_item(obj: Any) -> dict[str, Any]:
    """One bulk-ingest item (readings/validation.py's fields) or Skip with the reason."""
    if not isinstance(obj, dict):
        raise Skip("each entry must be a JSON object")
    kind_raw = obj.get("type")
    if kind_raw is None:
        kind_raw = "sgv" if "sgv" in obj else "mbg" if "mbg" in obj else None
    if kind_raw == "sgv":
        value = _number(obj.get("sgv"))
        kind = "cgm"
    elif kind_raw == "mbg":
        value = _number(obj.get("mbg"))
        kind = "meter"
    elif kind_raw == "cal":
        raise Skip("type cal: a calibration, not a reading")
    else:
        raise Skip(f"type {str(kind_raw)[:20]!r}: only sgv and mbg entries are stored")
    if value is None:
        raise Skip(f"{kind_raw}: must be a number")
    item: dict[str, Any] = {"timestamp": instant_of(obj).isoformat(), "kind": kind}
    if kind == "cgm" and value < SENSOR_ERROR_BELOW:
        raise Skip("sgv below 39 is a sensor error code, not a glucose value")
    item["value"] = "Low" if kind == "cgm" and value == DEXCOM_LOW else value
    item["source"] = source_of(obj)
    trend = direction_of(obj)
    if trend:
        item["trend"] = trend
    device = obj.get("device")
    if isinstance(device, str) and device.strip():
        item["device"] = device.strip()[:64]
    ext = obj.get("_id")
    if isinstance(ext, str) and 0 < len(ext.strip()) <= 128:
        item["external_id"] = ext.strip()
    return item


def row_id(row_pk: int) -> str:
    """A GlucoLens row as a Nightscout ``_id``: 24 hex digits, like a Mongo ObjectId."""
    return f"{row_pk:024x}"


def skipped_id(obj: Any, index: int) -> str:
    """A stable ``_id`` for an entry that was answered but not stored (so a client keeping
    ids gets a string, and the same entry sent again gets the same one)."""
    seed = repr(sorted(obj.items())) if isinstance(obj, dict) else f"{index}:{obj!r}"
    return hashlib.sha1(seed.encode("utf-8", "backslashreplace")).hexdigest()[:24]  # noqa: S324


def echo(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    return {k: v for k, v in obj.items() if k not in REMOVED_FIELDS}


def to_entry(row: GlucoseReading) -> dict[str, Any]:
    """A stored reading in Nightscout's entry shape (what followers read)."""
    ms = int(row.ts.timestamp() * 1000)
    offset = dt.timezone(dt.timedelta(minutes=row.utc_offset_min))
    local = row.ts.astimezone(offset)
    value = int(round(row.value_mgdl))
    entry: dict[str, Any] = {
        "_id": row.external_id or row_id(row.id),
        "device": row.device or row.source,
        "date": ms,
        "dateString": row.ts.astimezone(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "sysTime": local.isoformat(timespec="milliseconds"),
        "utcOffset": row.utc_offset_min,
        "mills": ms,
    }
    if row.kind == "meter":
        entry.update(type="mbg", mbg=value)
    else:
        entry.update(type="sgv", sgv=value)
        entry["direction"] = _TO_NS.get(row.trend or "", "NONE")
    return entry

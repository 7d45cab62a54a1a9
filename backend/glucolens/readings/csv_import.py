"""Generic glucose CSV: ``timestamp,value[,unit]``, with or without a header row.

Timestamps with an offset are taken as given; timestamps without one are read as the
user's local wall time (what meters and many exports write). A local time that does not
exist (the hour skipped when clocks spring forward) is rejected; an ambiguous one (the
repeated autumn hour) is taken as its first occurrence.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from glucolens.core.errors import PayloadTooLarge, ValidationFailed
from glucolens.core.timeutil import EARLIEST_DATA, QUERY_MAX, zone

MAX_CSV_BYTES = 20 * 1024 * 1024
_TIME_NAMES = {"timestamp", "time", "datetime", "date", "ts", "date_time", "device timestamp"}
_VALUE_NAMES = {"value", "glucose", "glucose_value", "sgv", "bg", "reading"}
_UNIT_NAMES = {"unit", "units"}


def _localize(raw: str, tz: str) -> str | dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw  # let the row validator name the problem
    if parsed.tzinfo is not None:
        return parsed
    if not EARLIEST_DATA.year <= parsed.year < QUERY_MAX.year:
        # Rejected as implausible anyway; UTC avoids overflowing a conversion at year 1.
        return parsed.replace(tzinfo=dt.UTC)
    z = zone(tz)
    aware = parsed.replace(tzinfo=z)
    if aware.astimezone(dt.UTC).astimezone(z).replace(tzinfo=None) != parsed:
        return f"nonexistent local time {raw.strip()} (clocks sprang forward)"
    return aware


def parse_glucose_csv(data: bytes, tz: str) -> tuple[list[Any], list[int]]:
    """Returns (items, line_numbers): items for the bulk validator, and each item's CSV line."""
    if len(data) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"CSV larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it.")
    try:
        textdata = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "The file is not UTF-8 text.", details=[{"field": "file", "reason": "not UTF-8"}]
        ) from exc
    sample = textdata[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(textdata), dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit() (128 KiB)
        raise ValidationFailed(
            f"The CSV file cannot be read at line {reader.line_num}: {exc}.",
            details=[{"field": "file", "row": reader.line_num, "reason": str(exc)}],
        ) from exc
    if not rows:
        raise ValidationFailed(
            "The CSV file is empty.", details=[{"field": "file", "reason": "no rows"}]
        )
    header = [c.strip().lower() for c in rows[0]]
    t_idx, v_idx, u_idx = 0, 1, 2 if len(header) > 2 else None
    first_data = 0
    if any(h in _TIME_NAMES or h in _VALUE_NAMES for h in header):
        first_data = 1
        t_idx = next((i for i, h in enumerate(header) if h in _TIME_NAMES), -1)
        v_idx = next((i for i, h in enumerate(header) if h in _VALUE_NAMES), -1)
        u_idx = next((i for i, h in enumerate(header) if h in _UNIT_NAMES), None)
        if t_idx < 0 or v_idx < 0:
            raise ValidationFailed(
                "The CSV header needs a timestamp column and a value column.",
                details=[{"field": "file", "row": 1, "reason": f"header was {rows[0]!r}"}],
            )
    items: list[Any] = []
    lines: list[int] = []
    for n, row in enumerate(rows[first_data:], start=first_data + 1):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(t_idx, v_idx):
            items.append({"timestamp": None, "value": None})
        else:
            item: dict[str, Any] = {
                "timestamp": _localize(row[t_idx], tz),
                "value": row[v_idx].strip(),
                "source": "csv",
            }
            if u_idx is not None and u_idx < len(row) and row[u_idx].strip():
                item["unit"] = row[u_idx].strip()
            items.append(item)
        lines.append(n)
    return items, lines

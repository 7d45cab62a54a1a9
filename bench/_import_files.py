"""One-year export files in the real layouts, for timing imports end to end (bench/imports.py).

- :func:`clarity_year`: a Dexcom Clarity CSV with 105,120 EGV rows (a year of 5-minute
  readings) plus the preamble, calibrations, carbs, insulin, exercise and health rows;
- :func:`libreview_year`: a LibreView CSV with 35,040 history rows (a year of 15-minute
  readings) plus scans, strips, insulin, food and notes, grouped by record type as LibreView
  writes them.

The layouts follow the parsers' tests (backend/tests/integrations/importers/test_clarity.py,
test_libreview.py name the public sources). Times are wall-clock times of a real zone, so the
files cross both daylight-saving changes (a skipped and a repeated hour), as real ones do.
Values follow a daily curve with meals and noise; the figures are reproducible (seeded).

Run alone to write both and time the parsers: .venv/bin/python bench/_import_files.py
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path
from zoneinfo import ZoneInfo

MGDL_PER_MMOL = 18.0182
CLARITY_HEADER = [
    "Index",
    "Timestamp (YYYY-MM-DDThh:mm:ss)",
    "Event Type",
    "Event Subtype",
    "Patient Info",
    "Device Info",
    "Source Device ID",
    "Glucose Value (mg/dL)",
    "Insulin Value (u)",
    "Carb Value (grams)",
    "Duration (hh:mm:ss)",
    "Glucose Rate of Change (mg/dL/min)",
    "Transmitter Time (Long Integer)",
    "Transmitter ID",
]
LIBRE_HEADER = [
    "Device",
    "Serial Number",
    "Device Timestamp",
    "Record Type",
    "Historic Glucose mg/dL",
    "Scan Glucose mg/dL",
    "Non-numeric Rapid-Acting Insulin",
    "Rapid-Acting Insulin (units)",
    "Non-numeric Food",
    "Carbohydrates (grams)",
    "Carbohydrates (servings)",
    "Non-numeric Long-Acting Insulin",
    "Long-Acting Insulin (units)",
    "Notes",
    "Strip Glucose mg/dL",
    "Ketone mmol/L",
    "Meal Insulin (units)",
    "Correction Insulin (units)",
    "User Change Insulin (units)",
]
YEAR_START_UTC = dt.datetime(2024, 1, 1, 5, 0, 33, tzinfo=dt.UTC)


def _glucose_mgdl(t: dt.datetime, rng: random.Random) -> float:
    """A day of glucose: a base, three meal rises, a dawn rise and sensor noise."""
    hour = t.hour + t.minute / 60
    value = 115 + 12 * math.sin((hour - 4) / 24 * 2 * math.pi)
    for meal_hour, rise in ((7.5, 70), (12.5, 60), (19.0, 80)):
        since = hour - meal_hour
        if 0 <= since < 4:
            value += rise * since * math.exp(1 - since / 0.9) / 0.9 / math.e * 0.9
    return value + rng.gauss(0, 9)


def _clarity_value(mgdl: float, unit: str) -> str:
    if mgdl < 40:
        return "Low"
    if mgdl > 400:
        return "High"
    return f"{mgdl / MGDL_PER_MMOL:.1f}" if unit == "mmol/L" else str(round(mgdl))


def clarity_year(
    path: Path,
    unit: str = "mg/dL",
    timezone: str = "Europe/Berlin",
    days: int = 365,
    start: dt.datetime = YEAR_START_UTC,
) -> dict[str, int]:
    """Writes a Clarity export of ``days`` days from ``start``; returns rows per event type."""
    zone = ZoneInfo(timezone)
    rng = random.Random(12)
    header = list(CLARITY_HEADER)
    if unit == "mmol/L":
        header[7], header[11] = "Glucose Value (mmol/L)", "Glucose Rate of Change (mmol/L/min)"
    counts = {"EGV": 0, "Calibration": 0, "Carbs": 0, "Insulin": 0, "Exercise": 0, "Health": 0}
    timed: list[tuple[dt.datetime, list[str]]] = []
    for i in range(days * 288):
        t = start + dt.timedelta(minutes=5 * i)
        tx = f"8G{i // (90 * 288):04d}"  # a G6 transmitter lasts 90 days
        tx_time = str(3_000_000 + 300 * i)
        value = _clarity_value(_glucose_mgdl(t.astimezone(zone), rng), unit)
        timed.append((t, ["EGV", "", "", "", "iOS G6", value, "", "", "", "", tx_time, tx]))
        counts["EGV"] += 1
    for day in range(days):
        midnight = start.replace(hour=0, minute=0, second=0) + dt.timedelta(days=day)
        for hour, carbs, units in ((7, 45, 4.5), (12, 60, 5.0), (18, 70, 6.5)):
            when = midnight + dt.timedelta(hours=hour, minutes=rng.randint(0, 50))
            timed.append(
                (when, ["Carbs", "", "", "", "iOS G6", "", "", str(carbs), "", "", "", ""])
            )
            timed.append(
                (when, ["Insulin", "Fast-Acting", "", "", "iOS G6", "", str(units), "", "", "", ""])
            )
            counts["Carbs"] += 1
            counts["Insulin"] += 1
        evening = midnight + dt.timedelta(hours=21)
        timed.append(
            (evening, ["Insulin", "Long-Acting", "", "", "iOS G6", "", "18", "", "", "", ""])
        )
        counts["Insulin"] += 1
        if day % 3 == 0:
            workout = midnight + dt.timedelta(hours=17, minutes=15)
            row = ["Exercise", "Medium", "", "", "iOS G6", "", "", "", "00:45:00", "", ""]
            timed.append((workout, row))
            counts["Exercise"] += 1
        if day % 10 == 0:
            calib = "6.7" if unit == "mmol/L" else "121"
            when = midnight + dt.timedelta(hours=8, minutes=2)
            row = [
                "Calibration",
                "",
                "",
                "",
                "iOS G6",
                calib,
                "",
                "",
                "",
                "",
                "",
                f"8G{day // 90:04d}",
            ]
            timed.append((when, row))
            counts["Calibration"] += 1
        if day % 60 == 30:
            timed.append((midnight + dt.timedelta(hours=10), ["Health", "Illness"] + [""] * 9))
            counts["Health"] += 1
    timed.sort(key=lambda entry: entry[0])  # Clarity writes timed rows in time order
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(header)
        preamble = [
            ["FirstName", "", "Jane", "", "", "", "", "", "", "", ""],
            ["LastName", "", "Doe", "", "", "", "", "", "", "", ""],
            ["Device", "", "", "Dexcom G6 Mobile App", "iOS G6", "", "", "", "", "", ""],
        ]
        for alert, value in (("Fall", ""), ("High", "200"), ("Low", "70"), ("Urgent Low", "55")):
            preamble.append(["Alert", alert, "", "", "iOS G6", value, "", "", "", "", ""])
        for index, row in enumerate(preamble, start=1):
            out.writerow([str(index), "", *row])
        for index, (t, row) in enumerate(timed, start=len(preamble) + 1):
            local = t.astimezone(zone).replace(tzinfo=None)
            out.writerow([str(index), local.strftime("%Y-%m-%dT%H:%M:%S"), *row])
    return counts


def _libre_stamp(t: dt.datetime, locale: str) -> str:
    if locale == "US":
        return t.strftime("%m-%d-%Y %I:%M %p")
    return t.strftime("%d-%m-%Y %H:%M")


def libreview_year(
    path: Path, unit: str = "mg/dL", locale: str = "US", days: int = 365
) -> dict[str, int]:
    """Writes a LibreView export of ``days`` days (locale "US": MM-DD-YYYY hh:mm AM in
    America/New_York; otherwise DD-MM-YYYY HH:mm in Europe/London); returns rows per type."""
    zone = ZoneInfo("America/New_York" if locale == "US" else "Europe/London")
    rng = random.Random(34)
    header = [h.replace("mg/dL", unit) if "Glucose" in h else h for h in LIBRE_HEADER]
    if locale != "US":
        header[12] = "Long-Acting Insulin Value (units)"  # as UK accounts write it

    def value(mgdl: float) -> str:
        mgdl = min(max(mgdl, 40), 500)  # LibreView writes the floor or ceiling, not words
        return f"{mgdl / MGDL_PER_MMOL:.1f}" if unit == "mmol/L" else str(round(mgdl))

    serial = "5f2c9a7e-3b1d-4c8e-9a61-0d4b7e2f8c13"
    by_type: dict[str, list[tuple[dt.datetime, dict[int, str]]]] = {
        "0": [],
        "1": [],
        "2": [],
        "4": [],
        "5": [],
        "6": [],
    }
    start = YEAR_START_UTC.replace(second=0)
    for i in range(days * 96):
        t = start + dt.timedelta(minutes=15 * i)
        by_type["0"].append((t, {4: value(_glucose_mgdl(t.astimezone(zone), rng))}))
    for day in range(days):
        midnight = start.replace(hour=0, minute=0) + dt.timedelta(days=day)
        for hour in (7, 9, 11, 13, 16, 18, 20, 22):
            t = midnight + dt.timedelta(hours=hour, minutes=rng.randint(0, 59))
            by_type["1"].append((t, {5: value(_glucose_mgdl(t.astimezone(zone), rng))}))
        t = midnight + dt.timedelta(hours=8, minutes=rng.randint(0, 30))
        by_type["2"].append((t, {14: value(_glucose_mgdl(t.astimezone(zone), rng))}))
        for hour, carbs, units in ((7, "45", "4"), (12, "60", "5"), (18, "70", "6")):
            t = midnight + dt.timedelta(hours=hour, minutes=rng.randint(0, 50))
            by_type["5"].append((t, {9: carbs}))
            by_type["4"].append((t, {7: units}))
        by_type["4"].append((midnight + dt.timedelta(hours=21), {12: "18"}))
        if day % 14 == 0:
            by_type["6"].append((midnight + dt.timedelta(hours=9), {}))  # sensor start events
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        generated = _libre_stamp(start + dt.timedelta(days=days), locale)
        out.writerow(
            ["Glucose Data", "Generated on", f"{generated} UTC", "Generated by", "Jane Doe"]
        )
        out.writerow(header)
        counts = {}
        for rtype, entries in by_type.items():  # grouped by record type, in time order
            entries.sort(key=lambda e: e[0])
            counts[rtype] = len(entries)
            for t, cells in entries:
                row = ["FreeStyle LibreLink", serial, "", rtype] + [""] * 15
                row[2] = _libre_stamp(t.astimezone(zone), locale)
                for col, text in cells.items():
                    row[col] = text
                out.writerow(row)
    return counts


if __name__ == "__main__":
    import sys
    import tempfile
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
    from glucolens.integrations.importers import clarity, libreview
    from glucolens.integrations.importers.base import ParseContext, Record

    with tempfile.TemporaryDirectory() as tmp:
        for name, module, make, kwargs, tz in (
            ("clarity.csv", clarity, clarity_year, {}, "Europe/Berlin"),
            ("clarity_mmol.csv", clarity, clarity_year, {"unit": "mmol/L"}, "Europe/Berlin"),
            ("libreview.csv", libreview, libreview_year, {}, "America/New_York"),
            ("libreview_uk.csv", libreview, libreview_year, {"locale": "UK"}, "Europe/London"),
        ):
            file = Path(tmp) / name
            counts = make(file, **kwargs)
            wall, cpu = time.perf_counter(), time.process_time()
            with file.open("rb") as fh:
                out = list(module.parse(fh, ParseContext(timezone=tz)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            n = sum(isinstance(r, Record) for r in out)
            size_mb = file.stat().st_size / 1e6
            print(
                f"{name}: {size_mb:.1f} MB, rows {counts}; {n} records, {len(out) - n} problems; "
                f"parsed in {wall:.2f} s ({cpu:.2f} s CPU)"
            )

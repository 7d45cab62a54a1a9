"""Dexcom Clarity CSV export ("Export" on clarity.dexcom.com or .eu).

Dexcom publishes no specification; the layout below is what real exports show (sources are
named in tests/integrations/importers/test_clarity.py):

- a header row ``Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,
  Device Info,Source Device ID,Glucose Value (mg/dL),Insulin Value (u),Carb Value (grams),
  Duration (hh:mm:ss),Glucose Rate of Change (mg/dL/min),Transmitter Time (Long Integer),
  Transmitter ID``; an mmol/L account writes ``(mmol/L)`` and ``(mmol/L/min)``;
- untimed rows first: FirstName, LastName, DateOfBirth (never read: names stay out of the
  database), a Device row per display device ("Dexcom G6 Mobile App") and its Alert settings;
- then timed rows in time order: EGV (sensor readings every 5 minutes, "Low"/"High" outside
  40-400 mg/dL), Calibration (fingersticks), Carbs, Insulin (Fast-Acting / Long-Acting),
  Exercise (Light / Medium / Heavy with a duration) and Health events;
- timestamps are local wall time without offset; EGV rows carry the transmitter's own clock
  (seconds), which places readings in the repeated autumn hour without guessing.

Rows become glucose ("cgm" for EGV, "meter" for calibrations), meal, insulin and activity
items. Health events have no place in GlucoLens; they are counted in ``ctx.meta`` and skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import IO, Any

from glucolens.integrations.importers import csvtext
from glucolens.integrations.importers.base import (
    FileFormat,
    FileRejected,
    ParseContext,
    Problem,
    Record,
)
from glucolens.integrations.importers.csvtext import parse_number, quoted
from glucolens.integrations.importers.wallclock import (
    DateOrderVote,
    LocalClock,
    canonical_iso,
    settle_date_order,
    stamp_parser,
)

FORMAT = FileFormat(name="dexcom_clarity", label="Dexcom Clarity CSV", source="dexcom_clarity")
SOURCE = FORMAT.source
TIMESTAMP = "Timestamp (YYYY-MM-DDThh:mm:ss)"
_MARKS = (TIMESTAMP, "Event Type", "Glucose Value (")
_HEADER_SEARCH_ROWS = 5
_UNIT = re.compile(r"Glucose Value \((mg/dL|mmol/L)\)", re.IGNORECASE)
_MODEL = re.compile(r"\b(G\d+|ONE\+?|Stelo)\b", re.IGNORECASE)
_INSULIN_KINDS = {"fast-acting": "bolus", "long-acting": "basal"}
_INTENSITY = {"light": "low", "medium": "moderate", "heavy": "high"}
# Event types that are not health records of any kind GlucoLens keeps.
_SKIPPED = {"health": "Health event", "alert": "Alert", "device": "Device", "notes": "Note"}
EGV_PERIOD_MIN = 5  # G4 to G7 and Stelo all report every 5 minutes


def sniff(head: bytes) -> bool:
    if csvtext.looks_binary(head):
        return False
    return any(all(mark in line for mark in _MARKS) for line in csvtext.head_lines(head, 5))


def _columns(header: list[str]) -> dict[str, int]:
    """Column positions by name: the order has never changed, but a re-saved file may drop or
    move a column, and names are what the format promises."""
    names = [h.strip() for h in header]
    found: dict[str, int] = {}
    for i, name in enumerate(names):
        low = name.lower()
        for key, prefix in (
            ("time", "timestamp"),
            ("type", "event type"),
            ("subtype", "event subtype"),
            ("device_info", "device info"),
            ("source_device", "source device id"),
            ("glucose", "glucose value"),
            ("insulin", "insulin value"),
            ("carbs", "carb value"),
            ("duration", "duration"),
            ("tx_time", "transmitter time"),
            ("tx_id", "transmitter id"),
        ):
            if low.startswith(prefix) and key not in found:
                found[key] = i
    return found


def _model(text: str) -> str | None:
    m = _MODEL.search(text)
    if m is None:
        return None
    name = m.group(1)
    return f"Dexcom {name.upper() if name[0] in 'gG' else name}"


def _duration(raw: str) -> dt.timedelta:
    parts = raw.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(raw)
    h, m, s = (int(p) for p in parts)
    return dt.timedelta(hours=h, minutes=m, seconds=s)


_ABSENT = 1 << 30  # the index of a column the file does not have: past every row's end


class _Reader:
    def __init__(self, ctx: ParseContext, cols: dict[str, int], unit: str) -> None:
        self.ctx = ctx
        self.cols = cols
        self.unit = unit
        self.clock = LocalClock(str(ctx.options.get("timezone") or ctx.timezone))
        self.device: str | None = None
        self.device_tries = 0
        self.skipped: dict[str, int] = {}
        self.parse_stamp = stamp_parser("YMD")
        self.i_glucose = cols.get("glucose", _ABSENT)
        self.i_tx_time = cols.get("tx_time", _ABSENT)
        self.i_tx_id = cols.get("tx_id", _ABSENT)
        # Per transmitter, (transmitter seconds, ISO time) of its last reading; the current
        # row's transmitter, read by expected_instant() only inside a repeated autumn hour.
        self.tx_ref: dict[str, tuple[str, str]] = {}
        self.tx_now = ("", "")

    def cell(self, row: list[str], key: str) -> str:
        i = self.cols.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    def rows(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[Record | Problem]:
        time_i, type_i = self.cols["time"], self.cols["type"]
        for line, row in rows:
            stamp = row[time_i].strip() if time_i < len(row) else ""
            etype = row[type_i].strip() if type_i < len(row) else ""
            if not stamp:
                if etype == "Device" and self.device is None:
                    self.found_device(
                        _model(self.cell(row, "device_info"))
                        or _model(self.cell(row, "source_device"))
                    )
                continue  # the untimed preamble: names, devices, alert settings
            if etype == "EGV":
                yield self.glucose(line, row, stamp, "cgm")
                continue
            kind = etype.lower()
            if kind == "egv":
                yield self.glucose(line, row, stamp, "cgm")
            elif kind == "calibration":
                yield self.glucose(line, row, stamp, "meter")
            elif kind == "carbs":
                yield self.meal(line, row, stamp)
            elif kind == "insulin":
                yield self.insulin(line, row, stamp)
            elif kind == "exercise":
                yield self.exercise(line, row, stamp)
            else:
                label = _SKIPPED.get(kind, f"{etype or 'untyped'} row")
                self.skipped[label] = self.skipped.get(label, 0) + 1

    def found_device(self, device: str | None) -> None:
        if device:
            self.device = self.ctx.meta["device"] = device

    def expected_instant(self) -> dt.datetime | None:
        """Where the transmitter's clock puts the current reading: its previous reading's
        time plus the seconds the transmitter counted since."""
        tx_id, tx_time = self.tx_now
        ref = self.tx_ref.get(tx_id)
        if ref is None or not (tx_time.isdigit() and ref[0].isdigit()):
            return None
        seconds = int(tx_time) - int(ref[0])
        return dt.datetime.fromisoformat(ref[1]) + dt.timedelta(seconds=seconds)

    def when(self, stamp: str, with_transmitter: bool = False) -> str:
        """The row's time as ISO 8601 with offset; ValueError names the problem."""
        try:
            naive = self.parse_stamp(stamp)
        except ValueError:
            raise ValueError(f"Timestamp {quoted(stamp)} is not a date and time") from None
        near = self.expected_instant if with_transmitter else None
        text = stamp if canonical_iso(stamp) else None
        return self.clock.iso(naive, near=near, text=text)

    def glucose(self, line: int, row: list[str], stamp: str, kind: str) -> Record | Problem:
        n = len(row)
        raw = row[self.i_glucose].strip() if self.i_glucose < n else ""
        value: float | str
        try:
            value = parse_number(raw)
        except ValueError:
            word = (raw or self.cell(row, "subtype")).capitalize()
            if word not in ("Low", "High"):  # outside the sensor's range (40-400 mg/dL)
                reason = f"Glucose Value {quoted(raw)} is not a number"
                return Problem(line, reason if raw else "Glucose Value is empty", "glucose")
            value = word
        tx_id = row[self.i_tx_id].strip() if self.i_tx_id < n else ""
        tx_time = row[self.i_tx_time].strip() if self.i_tx_time < n else ""
        self.tx_now = (tx_id, tx_time)
        try:
            timestamp = self.when(stamp, with_transmitter=kind == "cgm")
        except ValueError as exc:
            return Problem(line, str(exc), "glucose")
        item: dict[str, Any] = {
            "timestamp": timestamp,
            "value": value,
            "unit": self.unit,
            "source": SOURCE,
            "kind": kind,
        }
        if kind == "cgm":
            item["period_min"] = EGV_PERIOD_MIN
            if tx_time:
                self.tx_ref[tx_id] = (tx_time, timestamp)
            # No external_id from the transmitter's id and clock: a copy saved by Excel may
            # lose or round those columns, and then the same reading would not match its
            # earlier import; (source, time) matches in every copy.
        if self.device is None and self.device_tries < 20:
            # no Device row: "iOS G7" in Source Device ID names it
            self.device_tries += 1
            self.found_device(_model(self.cell(row, "source_device")))
        if self.device:
            item["device"] = self.device
        return Record("glucose", line, item)

    def meal(self, line: int, row: list[str], stamp: str) -> Record | Problem:
        raw = self.cell(row, "carbs")
        try:
            carbs = parse_number(raw)
        except ValueError:
            return Problem(line, f"Carb Value {quoted(raw)} is not a number", "meal")
        try:
            timestamp = self.when(stamp)
        except ValueError as exc:
            return Problem(line, str(exc), "meal")
        return Record("meal", line, {"timestamp": timestamp, "carbs_g": carbs, "source": SOURCE})

    def insulin(self, line: int, row: list[str], stamp: str) -> Record | Problem:
        subtype = self.cell(row, "subtype")
        kind = _INSULIN_KINDS.get(subtype.lower())
        if kind is None:
            reason = f"Insulin subtype {quoted(subtype)} is neither Fast-Acting nor Long-Acting"
            return Problem(line, reason, "insulin")
        raw = self.cell(row, "insulin")
        try:
            units = parse_number(raw)
        except ValueError:
            return Problem(line, f"Insulin Value {quoted(raw)} is not a number", "insulin")
        try:
            timestamp = self.when(stamp)
        except ValueError as exc:
            return Problem(line, str(exc), "insulin")
        item = {
            "timestamp": timestamp,
            "units": units,
            "kind": kind,
            "insulin_type": subtype,
            "source": SOURCE,
        }
        return Record("insulin", line, item)

    def exercise(self, line: int, row: list[str], stamp: str) -> Record | Problem:
        raw = self.cell(row, "duration")
        try:
            duration = _duration(raw)
        except ValueError:
            reason = f"Exercise duration {quoted(raw)} is not hh:mm:ss"
            return Problem(line, reason if raw else "Exercise row has no duration", "activity")
        if not duration:
            return Problem(line, "Exercise duration is zero", "activity")
        try:
            start = self.when(stamp)
        except ValueError as exc:
            return Problem(line, str(exc), "activity")
        item: dict[str, Any] = {
            "start": start,
            "end": self.clock.later(start, duration),
            "activity_type": "exercise",
            "source": SOURCE,
        }
        intensity = _INTENSITY.get(self.cell(row, "subtype").lower())
        if intensity:
            item["intensity"] = intensity
        return Record("activity", line, item)


def _header(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    for n, (_, row) in enumerate(rows):
        if any(c.strip().startswith("Timestamp") for c in row) and any(
            c.strip() == "Event Type" for c in row
        ):
            return row
        if n + 1 >= _HEADER_SEARCH_ROWS:
            break
    raise FileRejected("This is not a Dexcom Clarity export: its header row was not found.")


def parse(stream: IO[bytes], ctx: ParseContext) -> Iterator[Record | Problem]:
    source = csvtext.CsvRows(stream)
    rows = iter(source)
    header = _header(rows)
    cols = _columns(header)
    if not {"time", "type", "glucose"} <= cols.keys():
        raise FileRejected(
            "This Dexcom Clarity export lacks the Timestamp, Event Type or Glucose Value column."
        )
    unit_match = _UNIT.search(header[cols["glucose"]])
    unit = "mmol/L" if unit_match and unit_match.group(1).lower() == "mmol/l" else "mg/dL"
    reader = _Reader(ctx, cols, unit)

    # Clarity writes ISO times; a copy saved by Excel has them in the computer's format,
    # day or month first: the first timed rows decide for the whole file.
    rows, reader.parse_stamp = settle_date_order(
        rows, cols["time"], DateOrderVote(), unit, reader.clock, source, ctx
    )
    ctx.meta["skipped_rows"] = reader.skipped  # filled while parsing: {"Health event": 2}
    yield from reader.rows(rows)

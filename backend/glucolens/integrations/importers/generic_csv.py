"""Any other CSV with a time and a glucose value per row (meters, apps, spreadsheets).

The columns are found from the header (``timestamp``/``time``/``date``..., ``value``/
``glucose``/``sgv``..., optional ``unit``), or taken from ``ctx.options["timestamp_column"]``
and ``["value_column"]`` when the person picked them; a header that names no clear pair
raises :class:`NeedsMapping` with the columns to pick from. A file without a header is read as
``time, value[, unit]``.

The unit comes, in order, from ``ctx.options["unit"]``, a unit column, the value column's
name ("Glucose (mmol/L)"), or the values themselves: a median below 35 is mmol/L (no one
lives at 35 mg/dL; 35 mmol/L is above every meter's range).

Times with an offset are kept; local times without one are placed with the file's time zone
(see :mod:`.wallclock`), and dates in a day/month order settled per file.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import re
import statistics
from collections.abc import Iterator
from typing import IO, Any

from glucolens.core.units import MMOL, normalize_unit
from glucolens.integrations.importers import clarity, csvtext, libreview
from glucolens.integrations.importers.base import (
    FileFormat,
    FileRejected,
    NeedsMapping,
    ParseContext,
    Problem,
    Record,
)
from glucolens.integrations.importers.csvtext import parse_number, quoted
from glucolens.integrations.importers.wallclock import (
    DateOrderVote,
    LocalClock,
    LocalTimeError,
    stamp_parser,
)

FORMAT = FileFormat(name="csv", label="CSV (time, value)", source="csv")
SOURCE = FORMAT.source
MMOL_MEDIAN_BELOW = 35.0
UNIT_SAMPLE = 200  # values looked at to tell mmol/L from mg/dL
_TIME_NAMES = {
    "timestamp",
    "time",
    "datetime",
    "date",
    "ts",
    "date time",
    "date/time",
    "device timestamp",
    "local time",
    "time stamp",
}
_VALUE_NAMES = {
    "value",
    "glucose",
    "glucose value",
    "sgv",
    "bg",
    "reading",
    "blood glucose",
    "sensor glucose",
}
_UNIT_NAMES = {"unit", "units", "glucose unit"}
# Words in a column's name that suggest its role; English first, then the languages of
# spreadsheets people keep by hand (German, French, Spanish, Italian, Portuguese).
_TIME_WORDS = ("time", "date", "zeit", "datum", "heure", "fecha", "hora")
_VALUE_WORDS = ("glucose", "sgv", "bg", "value", "glukose", "blutzucker", "glyc", "gluc", "glic")
_NOT_TIME = ("zone", "offset", "duration", "period")
_SENTINELS = {"low": "Low", "high": "High", "lo": "Low", "hi": "High"}


def sniff(head: bytes) -> bool:
    """Delimited text that is not a format of its own (the detector tries this one last)."""
    if csvtext.looks_binary(head) or clarity.sniff(head) or libreview.sniff(head):
        return False
    lines = csvtext.head_lines(head, 20)
    if not lines or lines[0].lstrip().startswith(("{", "[", "<")):
        return False  # JSON, XML, HTML
    sample = lines[:-1] if len(lines) > 2 else lines
    return (
        sum(len(row) >= 2 for row in csv.reader(sample, delimiter=csvtext.detect_delimiter(sample)))
        > 0
    )


def _norm(name: str) -> str:
    """Header cell for matching: lower case, units in brackets and separators dropped."""
    text = re.sub(r"[(\[].*?[)\]]", " ", name.lower())
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def _pick(
    header: list[str], exact: set[str], words: tuple[str, ...], avoid: tuple[str, ...]
) -> int | None:
    names = [_norm(h) for h in header]
    hits = [i for i, n in enumerate(names) if n in exact]
    if not hits:
        hits = [
            i
            for i, n in enumerate(names)
            if any(w in n for w in words) and not any(a in n for a in avoid)
        ]
    return hits[0] if len(hits) == 1 else None


def _is_data_row(row: list[str]) -> bool:
    if len(row) < 2:
        return False
    try:
        parse_number(row[1])
    except ValueError:
        return False
    for order in ("DMY", "MDY"):
        try:
            stamp_parser(order)(row[0])  # type: ignore[arg-type]
        except ValueError:
            continue
        return True
    return False


class _Columns:
    def __init__(self, header: list[str] | None, options: dict[str, Any]) -> None:
        self.names = [h.strip() for h in header] if header else []
        if header is None:
            self.time, self.value = 0, 1
            self.unit: int | None = 2
            self.time_name, self.value_name = "timestamp", "value"
            return
        wanted_time = str(options.get("timestamp_column") or "").strip()
        wanted_value = str(options.get("value_column") or "").strip()
        columns = [n for n in self.names if n]
        if wanted_time or wanted_value:
            for wanted in (wanted_time, wanted_value):
                if wanted not in self.names:
                    raise NeedsMapping(f"The file has no column {wanted!r}; pick one.", columns)
            self.time, self.value = self.names.index(wanted_time), self.names.index(wanted_value)
        else:
            t = _pick(header, _TIME_NAMES, _TIME_WORDS, _NOT_TIME)
            v = _pick(header, _VALUE_NAMES, _VALUE_WORDS, ("rate", "trend", "target"))
            if t is None or v is None or t == v:
                raise NeedsMapping(
                    "Which columns hold the time and the glucose value? The header does not "
                    "say clearly.",
                    columns,
                )
            self.time, self.value = t, v
        self.time_name, self.value_name = self.names[self.time], self.names[self.value]
        self.unit = next((i for i, n in enumerate(self.names) if _norm(n) in _UNIT_NAMES), None)


def parse(stream: IO[bytes], ctx: ParseContext) -> Iterator[Record | Problem]:
    source = csvtext.CsvRows(stream)
    rows = iter(source)
    first = next(rows, None)
    if first is None:
        raise FileRejected("The file is empty.")
    headerless = _is_data_row(first[1])
    cols = _Columns(None if headerless else first[1], ctx.options)
    if headerless:
        rows = itertools.chain([first], rows)

    unit = normalize_unit(ctx.options.get("unit")) if ctx.options.get("unit") else None
    unit_basis = "chosen" if unit else ""
    if unit is None and not headerless:
        value_header = cols.value_name.lower()
        if "mmol" in value_header or "mg/dl" in value_header:
            unit, unit_basis = (
                normalize_unit("mmol/L" if "mmol" in value_header else "mg/dL"),
                "the header",
            )
    vote = DateOrderVote()
    values: list[float] = []

    def settles(entry: tuple[int, list[str]]) -> bool:
        row = entry[1]
        if cols.time < len(row):
            vote.observe(row[cols.time])
        if unit is None and cols.value < len(row) and len(values) < UNIT_SAMPLE:
            with contextlib.suppress(ValueError):  # a bad value is reported with its row
                values.append(parse_number(row[cols.value]))
        return vote.settled is not None and (unit is not None or len(values) >= UNIT_SAMPLE)

    rows = csvtext.lookahead(rows, csvtext.LOOKAHEAD_ROWS, settles)
    if unit is None and values:
        median = statistics.median(values)
        unit = MMOL if median < MMOL_MEDIAN_BELOW else "mg/dL"
        side = "below" if unit == MMOL else "at or above"
        unit_basis = f"the values (median {side} {MMOL_MEDIAN_BELOW:g})"
    unit = unit or ctx.unit
    clock = LocalClock(str(ctx.options.get("timezone") or ctx.timezone))
    order, basis = vote.result(unit, clock.name)
    parse_stamp = stamp_parser(order)
    ctx.meta.update(
        unit=unit,
        unit_basis=unit_basis or "the account's unit",
        timezone=clock.name,
        date_order=order,
        date_order_basis=basis,
        encoding=source.encoding,
        delimiter=source.delimiter,
        columns={"timestamp": cols.time_name, "value": cols.value_name},
    )
    need = max(cols.time, cols.value) + 1
    for line, row in rows:
        if len(row) < need:
            have = f"{len(row)} field" + ("" if len(row) == 1 else "s")
            reason = f"the row has {have}; the time and value columns need {need}"
            yield Problem(line, reason, "glucose")
            continue
        raw_time, raw_value = row[cols.time].strip(), row[cols.value].strip()
        value: float | str
        if raw_value.lower() in _SENTINELS:
            value = _SENTINELS[raw_value.lower()]
        else:
            try:
                value = parse_number(raw_value)
            except ValueError:
                reason = f"{cols.value_name} {quoted(raw_value)} is not a number"
                yield Problem(
                    line, reason if raw_value else f"{cols.value_name} is empty", "glucose"
                )
                continue
        row_unit = unit
        if cols.unit is not None and cols.unit < len(row) and row[cols.unit].strip():
            found = normalize_unit(row[cols.unit])
            if found is None:
                reason = f"unit {quoted(row[cols.unit])} is neither mg/dL nor mmol/L"
                yield Problem(line, reason, "glucose")
                continue
            row_unit = found
        try:
            naive = parse_stamp(raw_time)
        except ValueError:
            reason = f"{cols.time_name} {quoted(raw_time)} is not a date and time"
            yield Problem(line, reason if raw_time else f"{cols.time_name} is empty", "glucose")
            continue
        try:
            timestamp = clock.iso(naive)
        except LocalTimeError as exc:
            yield Problem(line, str(exc), "glucose")
            continue
        item = {"timestamp": timestamp, "value": value, "unit": row_unit, "source": SOURCE}
        yield Record("glucose", line, item)

"""What each exported file holds: one ``Table`` per kind of health data, with its columns
and how a database row becomes an output row.

The same output row feeds the CSV (``None`` is an empty cell) and the JSON export (``None``
is ``null``), so both formats carry the same columns under the same names. Every row keeps
its provenance: ``source``, ``external_id`` and, for glucose, ``kind`` and ``duplicate_of``
(the id of the canonical copy when another source's copy of the reading was kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import DateTime, type_coerce

from glucolens.core.db import UTCDateTime
from glucolens.core.models_common import HealthRow
from glucolens.core.units import from_mgdl
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings.models import GlucoseReading, InsulinDose

Cell = str | int | float | None

_TEXT = frozenset(
    ("flag", "trend", "device", "kind", "source", "external_id", "insulin_type", "meal_type",
     "description", "activity_type", "intensity")
)  # fmt: skip
_FORMULA_START = frozenset("=+-@\t\r")


@lru_cache(maxsize=512)
def _offset(offset_min: int) -> tuple[dt.timedelta, str]:
    sign = "-" if offset_min < 0 else "+"
    hours, minutes = divmod(abs(offset_min), 60)
    return dt.timedelta(minutes=offset_min), f"{sign}{hours:02d}:{minutes:02d}"


def utc_iso(when: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``: ``2026-03-01T09:05:00Z``.

    Exported times are selected without UTCDateTime's per-value conversion (it was a third of
    an export's time): SQLite gives the naive UTC it stores, PostgreSQL aware datetimes in the
    session's zone, UTC on a default server, where slicing the ``+00:00`` off is enough.
    """
    if when is None:
        return None
    text = when.isoformat()
    if when.tzinfo is None:
        return text + "Z"
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return when.astimezone(dt.UTC).isoformat()[:-6] + "Z"


def local_iso(when: dt.datetime | None, offset_min: int) -> str | None:
    """The local wall time the event was recorded at, with that offset:
    ``2026-03-01T10:05:00+01:00``."""
    if when is None:
        return None
    delta, suffix = _offset(offset_min)
    text = (when + delta).isoformat()
    if when.tzinfo is None:
        return text + suffix
    if text.endswith("+00:00"):
        return text[:-6] + suffix
    return (when.astimezone(dt.UTC) + delta).isoformat()[:-6] + suffix


RowFn = Callable[[Sequence[Any], str], tuple[Cell, ...]]


@dataclass(frozen=True)
class Table:
    name: str  # file stem and JSON key: "glucose" -> glucose.csv
    model: type[HealthRow]
    time_attr: str  # the column rows are ordered (and paged) by
    header: tuple[str, ...]
    # Selected in this order; the first two are always id and the time column (paging).
    columns: tuple[str, ...]
    row: RowFn  # (selected values, the user's unit) -> output row, aligned with ``header``
    description: str

    def select_columns(self) -> list[Any]:
        cols = [getattr(self.model, c) for c in self.columns]
        return [
            type_coerce(c, DateTime(timezone=True)) if isinstance(c.type, UTCDateTime) else c
            for c in cols
        ]

    @cached_property
    def text_cells(self) -> tuple[int, ...]:
        """Positions of the free-text cells (the only ones a formula can hide in)."""
        return tuple(i for i, name in enumerate(self.header) if name in _TEXT)

    def csv_row(self, row: tuple[Cell, ...]) -> tuple[Cell, ...]:
        """``row`` with formula-like text cells quoted (OWASP "CSV injection"): only the CSV
        files get the apostrophe; the JSON export keeps every value exactly as stored."""
        for i in self.text_cells:
            cell = row[i]
            if cell and cell[0] in _FORMULA_START:  # type: ignore[index]
                break
        else:
            return row
        return tuple(
            "'" + c if isinstance(c, str) and c[:1] in _FORMULA_START and c else c for c in row
        )


_TRAILER = ("source", "external_id", "created_at_utc")


def _glucose(r: Sequence[Any], unit: str) -> tuple[Cell, ...]:
    (id_, ts, off, mgdl, flag, trend, device, kind, period, dup, source, ext, created) = r
    return (
        id_,
        utc_iso(ts),
        local_iso(ts, off),
        off,
        mgdl,
        from_mgdl(mgdl, unit),
        unit,
        flag,
        trend,
        device,
        kind,
        period,
        dup,
        source,
        ext,
        utc_iso(created),
    )


def _insulin(r: Sequence[Any], _unit: str) -> tuple[Cell, ...]:
    id_, ts, off, units, kind, insulin_type, source, ext, created = r
    return (id_, utc_iso(ts), local_iso(ts, off), off, units, kind, insulin_type, source, ext,
            utc_iso(created))  # fmt: skip


def _meal(r: Sequence[Any], _unit: str) -> tuple[Cell, ...]:
    id_, ts, off, carbs, protein, fat, kcal, meal_type, text, source, ext, created = r
    return (id_, utc_iso(ts), local_iso(ts, off), off, carbs, protein, fat, kcal, meal_type,
            text, source, ext, utc_iso(created))  # fmt: skip


def _span(r: Sequence[Any], _unit: str) -> tuple[Cell, ...]:
    """Sleep and activities: id, start, offset, end, the kind's own fields, provenance."""
    id_, start, off, end = r[:4]
    source, ext, created = r[-3:]
    return (id_, utc_iso(start), utc_iso(end), local_iso(start, off), local_iso(end, off), off,
            *r[4:-3], source, ext, utc_iso(created))  # fmt: skip


_SLEEP_STAGES = ("in_bed_min", "asleep_min", "awake_min", "deep_min", "core_min", "rem_min")
_ACTIVITY_FIELDS = ("activity_type", "intensity", "kcal", "steps", "avg_hr")
_SPAN_HEADER = ("id", "start_utc", "end_utc", "start_local", "end_local", "utc_offset_min")

TABLES: tuple[Table, ...] = (
    Table(
        name="glucose",
        model=GlucoseReading,
        time_attr="ts",
        header=(
            "id",
            "timestamp_utc",
            "local_time",
            "utc_offset_min",
            "value_mgdl",
            "value",
            "unit",
            "flag",
            "trend",
            "device",
            "kind",
            "period_min",
            "duplicate_of",
            *_TRAILER,
        ),  # fmt: skip
        columns=(
            "id",
            "ts",
            "utc_offset_min",
            "value_mgdl",
            "flag",
            "trend",
            "device",
            "kind",
            "period_min",
            "dup_of",
            "source",
            "external_id",
            "created_at",
        ),  # fmt: skip
        row=_glucose,
        description=(
            "Every glucose reading as stored, canonical or not. value_mgdl is the stored value;\n"
            "value is the same in your display unit (unit column). flag is low/high when the\n"
            "sensor reported its Low/High sentinel (value is then the sensor's bound). kind is\n"
            "cgm (sensor stream), scan (Libre scan) or meter (fingerstick); period_min is the\n"
            "sensor's sampling period when known. duplicate_of is empty for canonical readings\n"
            "and holds the id of the kept reading when this row is another source's copy of it."
        ),
    ),
    Table(
        name="insulin",
        model=InsulinDose,
        time_attr="ts",
        header=(
            "id",
            "timestamp_utc",
            "local_time",
            "utc_offset_min",
            "units",
            "kind",
            "insulin_type",
            *_TRAILER,
        ),  # fmt: skip
        columns=(
            "id",
            "ts",
            "utc_offset_min",
            "units",
            "kind",
            "insulin_type",
            "source",
            "external_id",
            "created_at",
        ),  # fmt: skip
        row=_insulin,
        description="Insulin doses in units; kind is bolus or basal.",
    ),
    Table(
        name="meals",
        model=Meal,
        time_attr="ts",
        header=(
            "id",
            "timestamp_utc",
            "local_time",
            "utc_offset_min",
            "carbs_g",
            "protein_g",
            "fat_g",
            "kcal",
            "meal_type",
            "description",
            *_TRAILER,
        ),  # fmt: skip
        columns=(
            "id",
            "ts",
            "utc_offset_min",
            "carbs_g",
            "protein_g",
            "fat_g",
            "kcal",
            "meal_type",
            "description",
            "source",
            "external_id",
            "created_at",
        ),  # fmt: skip
        row=_meal,
        description="Meals: grams of carbohydrate, protein and fat, energy in kcal.",
    ),
    Table(
        name="sleep",
        model=SleepSession,
        time_attr="start",
        header=(*_SPAN_HEADER, *_SLEEP_STAGES, *_TRAILER),
        columns=(
            "id",
            "start",
            "utc_offset_min",
            "end",
            *_SLEEP_STAGES,
            "source",
            "external_id",
            "created_at",
        ),  # fmt: skip
        row=_span,
        description="Sleep sessions; the stage columns are minutes.",
    ),
    Table(
        name="activities",
        model=Activity,
        time_attr="start",
        header=(*_SPAN_HEADER, *_ACTIVITY_FIELDS, *_TRAILER),
        columns=(
            "id",
            "start",
            "utc_offset_min",
            "end",
            *_ACTIVITY_FIELDS,
            "source",
            "external_id",
            "created_at",
        ),  # fmt: skip
        row=_span,
        description="Activities: intensity low/moderate/high, energy in kcal, average heart rate.",
    ),
)

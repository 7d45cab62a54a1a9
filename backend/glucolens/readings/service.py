"""Glucose and insulin business rules: validation, unit conversion, idempotent ingest."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import lock_user_writes, utcnow
from glucolens.core.errors import ValidationFailed
from glucolens.core.schemas import SOURCE_MAX_LENGTH, SOURCE_PATTERN, text_problem
from glucolens.core.timeutil import (
    EARLIEST_DATA,
    FUTURE_TOLERANCE,
    data_time_problem,
    offset_minutes,
    parse_iso_time,
)
from glucolens.core.units import MMOL, from_mgdl, normalize_unit, to_mgdl
from glucolens.readings import aggregates
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseReading, InsulinDose
from glucolens.readings.schemas import GlucoseIn, GlucoseOut, InsulinIn, InsulinOut
from glucolens.records.schemas import BulkReport, Rejected

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
    if not _SOURCE.match(source):
        raise RowError("source", "source may contain only letters, digits and _ . : -")
    return source


_ALLOWED = frozenset({"timestamp", "value", "unit", "trend", "device", "source", "external_id"})


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
        unit is None
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
        "created_at": now,
    }


def glucose_to_row(body: GlucoseIn, user: User) -> dict[str, Any]:
    try:
        row = glucose_row(body.model_dump(exclude_none=True), user, utcnow())
    except RowError as exc:
        raise ValidationFailed(
            f"Invalid {exc.field}: {exc.reason}.",
            details=[{"field": exc.field, "reason": exc.reason}],
        ) from exc
    row.pop("user_id")
    row.pop("created_at")
    return row


def glucose_to_out(row: GlucoseReading, user: User) -> GlucoseOut:
    return GlucoseOut(
        id=row.id,
        timestamp=row.ts,
        value=from_mgdl(row.value_mgdl, user.unit) or 0.0,
        unit=user.unit,
        value_mgdl=row.value_mgdl,
        flag=row.flag,
        trend=row.trend,
        device=row.device,
        source=row.source,
        external_id=row.external_id,
        utc_offset_min=row.utc_offset_min,
        created_at=row.created_at,
    )


def on_glucose_change(db: Session, user: User, instants: list[dt.datetime]) -> None:
    aggregates.refresh_days(db, user, instants)
    record_change(db, user, "glucose", instants)


def on_insulin_change(db: Session, user: User, instants: list[dt.datetime]) -> None:
    record_change(db, user, "insulin", instants)


_COPY_COLS = (
    "ts",
    "utc_offset_min",
    "value_mgdl",
    "flag",
    "trend",
    "device",
    "source",
    "external_id",
)
_COPY_TYPES = ["timestamptz", "int2", "float8", "text", "text", "text", "text", "text"]


def _conflict_free(cur: Any, rows: list[dict[str, Any]]) -> bool:
    """True when no row repeats a key within the batch or matches a stored reading."""
    keys = {
        (r["source"], r["external_id"]) if r["external_id"] is not None else (r["source"], r["ts"])
        for r in rows
    }
    if len(keys) != len(rows):
        return False
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM glucose_incoming gi JOIN glucose_readings g "
        "ON g.user_id = %(u)s AND g.source = gi.source AND g.external_id = gi.external_id) "
        "OR EXISTS (SELECT 1 FROM glucose_incoming gi JOIN glucose_readings g "
        "ON g.user_id = %(u)s AND g.source = gi.source AND g.ts = gi.ts "
        "AND g.external_id IS NULL WHERE gi.external_id IS NULL)",
        {"u": rows[0]["user_id"]},
    )
    return not cur.fetchone()[0]


def _insert_glucose_pg(db: Session, rows: list[dict[str, Any]]) -> int:
    """Binary COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING."""
    cols = ", ".join(_COPY_COLS)
    cur = db.connection().connection.cursor()  # the DBAPI cursor, inside this transaction
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS glucose_incoming (ts timestamptz, utc_offset_min int2, "
        "value_mgdl float8, flag text, trend text, device text, source text, external_id text) "
        "ON COMMIT DELETE ROWS"
    )
    with cur.copy(f"COPY glucose_incoming ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        for r in rows:
            copy.write_row(
                (
                    r["ts"],
                    r["utc_offset_min"],
                    r["value_mgdl"],
                    r["flag"],
                    r["trend"],
                    r["device"],
                    r["source"],
                    r["external_id"],
                )
            )
    insert = (
        f"INSERT INTO glucose_readings (user_id, created_at, {cols}) "  # noqa: S608 - constants
        f"SELECT %s, %s, {cols} FROM glucose_incoming"
    )
    params = (rows[0]["user_id"], rows[0]["created_at"])
    if _conflict_free(cur, rows):
        # A first import: nothing to skip, so a plain INSERT (no speculative insertion per
        # row). A concurrent writer could still collide; then fall back below.
        cur.execute("SAVEPOINT glucose_bulk")
        try:
            cur.execute(insert, params)
            inserted = int(cur.rowcount)
            cur.execute("RELEASE SAVEPOINT glucose_bulk")
            cur.execute("TRUNCATE glucose_incoming")
            return inserted
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT glucose_bulk")
    cur.execute(insert + " ON CONFLICT DO NOTHING", params)
    inserted = int(cur.rowcount)
    cur.execute("TRUNCATE glucose_incoming")
    return inserted


_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite


def _insert_glucose_sqlite(db: Session, rows: list[dict[str, Any]]) -> int:
    """executemany through the DBAPI, values formatted exactly as the ORM stores them."""
    uid = rows[0]["user_id"].hex
    created = rows[0]["created_at"].astimezone(dt.UTC).strftime(_SQLITE_TIME)
    params = [
        (
            uid,
            created,
            r["ts"].astimezone(dt.UTC).strftime(_SQLITE_TIME),
            r["utc_offset_min"],
            r["value_mgdl"],
            r["flag"],
            r["trend"],
            r["device"],
            r["source"],
            r["external_id"],
        )
        for r in rows
    ]
    sql = (
        f"INSERT INTO glucose_readings (user_id, created_at, {', '.join(_COPY_COLS)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * 10)}) ON CONFLICT DO NOTHING"
    )
    raw = db.connection().connection
    before = raw.total_changes  # type: ignore[attr-defined]
    raw.cursor().executemany(sql, params)
    return int(raw.total_changes - before)  # type: ignore[attr-defined]


def ingest_glucose_batch(db: Session, user: User, items: list[Any]) -> BulkReport:
    if len(items) > BULK_MAX_GLUCOSE:
        raise ValidationFailed(
            f"At most {BULK_MAX_GLUCOSE} readings per request; got {len(items)}. Split the batch.",
            details=[{"field": "items", "reason": f"more than {BULK_MAX_GLUCOSE} items"}],
        )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        try:
            rows.append(glucose_row(item, user, now))
        except RowError as exc:
            rejected.append(Rejected(index=index, field=exc.field or None, reason=exc.reason))
    inserted = 0
    if rows:
        # One transaction holds the rows, their day aggregates and data_changed_at: a crash
        # anywhere before commit leaves none of them, so a retried upload inserts them all.
        lock_user_writes(db, user.id)
        if db.get_bind().dialect.name == "postgresql":
            inserted = _insert_glucose_pg(db, rows)
        else:
            inserted = _insert_glucose_sqlite(db, rows)
    if inserted:
        instants = [r["ts"] for r in rows]
        whole = inserted == len(rows)
        if not (
            whole and aggregates.add_fresh_days(db, user, instants, [r["value_mgdl"] for r in rows])
        ):
            aggregates.refresh_days(db, user, instants)
        record_change(db, user, "glucose", instants, source=rows[0]["source"])
    return BulkReport(inserted=inserted, duplicates=len(rows) - inserted, rejected=rejected)


def insulin_to_row(body: InsulinIn, user: User) -> dict[str, Any]:
    return {
        "ts": body.timestamp.astimezone(dt.UTC),
        "utc_offset_min": offset_minutes(body.timestamp),
        "units": body.units,
        "kind": body.kind,
        "insulin_type": body.insulin_type,
        "source": body.source,
        "external_id": body.external_id,
    }


def insulin_to_out(row: InsulinDose, _user: User) -> InsulinOut:
    return InsulinOut(
        id=row.id,
        timestamp=row.ts,
        units=row.units,
        kind=row.kind,
        insulin_type=row.insulin_type,
        source=row.source,
        external_id=row.external_id,
        utc_offset_min=row.utc_offset_min,
        created_at=row.created_at,
    )

"""Writing glucose rows fast: binary COPY on PostgreSQL, executemany on SQLite, both
``ON CONFLICT DO NOTHING`` so a repeated upload adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from glucolens.core.sql import is_postgres

_COPY_COLS = (
    "ts",
    "utc_offset_min",
    "value_mgdl",
    "flag",
    "trend",
    "device",
    "source",
    "external_id",
    "kind",
    "period_min",
)
_COPY_TYPES = [
    "timestamptz",
    "int2",
    "float8",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "int2",
]


def _conflict_free(cur: Any, rows: list[dict[str, Any]]) -> bool:
    """True when no row repeats a key within the batch or matches a stored reading."""
    keys = {
        (r["source"], r["external_id"])
        if r["external_id"] is not None
        else (r["source"], r["kind"], r["ts"])
        for r in rows
    }
    if len(keys) != len(rows):
        return False
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM glucose_incoming gi JOIN glucose_readings g "
        "ON g.user_id = %(u)s AND g.source = gi.source AND g.external_id = gi.external_id) "
        "OR EXISTS (SELECT 1 FROM glucose_incoming gi JOIN glucose_readings g "
        "ON g.user_id = %(u)s AND g.source = gi.source AND g.kind = gi.kind AND g.ts = gi.ts "
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
        "value_mgdl float8, flag text, trend text, device text, source text, external_id text, "
        "kind text, period_min int2) "
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
                    r["kind"],
                    r["period_min"],
                )
            )
    # A temporary table has no statistics: without them the planner guesses a few rows and
    # may join the whole of the user's history for the duplicate check below.
    cur.execute("ANALYZE glucose_incoming")
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
            r["kind"],
            r["period_min"],
        )
        for r in rows
    ]
    sql = (
        f"INSERT INTO glucose_readings (user_id, created_at, {', '.join(_COPY_COLS)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * 12)}) ON CONFLICT DO NOTHING"
    )
    raw = db.connection().connection
    before = raw.total_changes  # type: ignore[attr-defined]
    raw.cursor().executemany(sql, params)
    return int(raw.total_changes - before)  # type: ignore[attr-defined]


def insert_glucose(db: Session, rows: list[dict[str, Any]]) -> int:
    """Insert validated rows of one user; returns how many were new."""
    if is_postgres(db):
        return _insert_glucose_pg(db, rows)
    return _insert_glucose_sqlite(db, rows)

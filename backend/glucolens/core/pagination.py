"""Keyset (cursor) pagination over (time desc, id desc)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, or_

from glucolens.core.errors import ValidationFailed
from glucolens.core.timeutil import query_time_problem

# BIGINT: the largest id PostgreSQL (and SQLite's INTEGER) can hold.
MAX_ROW_ID = 2**63 - 1


def encode_cursor(ts: dt.datetime, row_id: int) -> str:
    raw = f"{ts.astimezone(dt.UTC).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed("Invalid cursor.", details=[{"field": "cursor", "reason": reason}])


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """A cursor is client input like any other: its time and id are bounded before they
    reach SQL (a year-1 time or an id over BIGINT would fail in the driver)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        ts_raw, _, id_raw = base64.urlsafe_b64decode(padded).decode().partition("|")
        ts, row_id = dt.datetime.fromisoformat(ts_raw), int(id_raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid("not a cursor from this API") from exc
    if query_time_problem(ts) is not None or not 0 <= row_id <= MAX_ROW_ID:
        raise _invalid("not a cursor from this API (time or id out of range)")
    return ts, row_id


def apply_keyset(stmt: Select[Any], time_col: Any, id_col: Any, cursor: str | None) -> Select[Any]:
    if cursor:
        ts, row_id = decode_cursor(cursor)
        stmt = stmt.where(or_(time_col < ts, and_(time_col == ts, id_col < row_id)))
    return stmt.order_by(time_col.desc(), id_col.desc())

"""Keyset (cursor) pagination over (time desc, id desc)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, or_

from glucolens.core.errors import ValidationFailed


def encode_cursor(ts: dt.datetime, row_id: int) -> str:
    raw = f"{ts.astimezone(dt.UTC).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        ts_raw, _, id_raw = base64.urlsafe_b64decode(padded).decode().partition("|")
        return dt.datetime.fromisoformat(ts_raw), int(id_raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "Invalid cursor.", details=[{"field": "cursor", "reason": "not a cursor from this API"}]
        ) from exc


def apply_keyset(stmt: Select[Any], time_col: Any, id_col: Any, cursor: str | None) -> Select[Any]:
    if cursor:
        ts, row_id = decode_cursor(cursor)
        stmt = stmt.where(or_(time_col < ts, and_(time_col == ts, id_col < row_id)))
    return stmt.order_by(time_col.desc(), id_col.desc())

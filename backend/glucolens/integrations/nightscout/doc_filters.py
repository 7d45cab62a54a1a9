"""Filters on stored Nightscout documents: (field, operator, value) from the v1 ``find[...]``
parameters or v3's ``field$op=value``, turned into SQL conditions.

Only the fields and operators below exist: anything else raises FilterError naming it before
a statement is built, and every value is a bound parameter. Time fields (``created_at``,
``date``, ``srvModified`` ...) take ms since the epoch or ISO 8601 (no offset reads as UTC);
the other fields are compared as text in the stored JSON.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, cast, func, or_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from glucolens.core.sql import is_postgres

OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
RANGE = ("$gt", "$gte", "$lt", "$lte")
TIME_FIELDS = {
    "created_at": "date_ms",
    "date": "date_ms",
    "mills": "date_ms",
    "srvModified": "srv_modified_ms",
    "srvCreated": "srv_created_ms",
}
ID_FIELDS = ("_id", "identifier")
TEXT_FIELDS = {
    # uuid: xDrip+ finds its treatments by it (NightscoutUploader.java findTreatmentByUUID)
    "treatments": ("eventType", "enteredBy", "device", "app", "uuid", "syncIdentifier", "notes"),
    "devicestatus": ("device", "app"),
    "profile": ("defaultProfile", "app"),
}
MAX_IN = 1_000


class FilterError(ValueError):
    """A filter this server does not understand; the message names it."""


def fields(collection: str) -> tuple[str, ...]:
    return (*ID_FIELDS, *TIME_FIELDS, *TEXT_FIELDS.get(collection, ()))


def parse_time(raw: Any, name: str) -> int:
    """ms since the epoch from ms (number or numeric text) or ISO 8601."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        ms = float(raw)
    else:
        text = str(raw).strip()
        try:
            ms = float(text)
        except ValueError:
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise FilterError(f"{name}: {text[:30]!r} is neither ms nor ISO 8601") from None
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            ms = when.timestamp() * 1000
    if not math.isfinite(ms) or not -1e14 < ms < 1e14:
        raise FilterError(f"{name}: out of range")
    return int(ms)


def _values(raw: Any, name: str) -> list[Any]:
    items = list(raw) if isinstance(raw, list | tuple) else str(raw).split("|")
    if not 0 < len(items) <= MAX_IN:
        raise FilterError(f"{name}: $in and $nin take 1 to {MAX_IN} values")
    return items


def _json_text(db: Session, model: Any, name: str) -> Any:
    if is_postgres(db):
        return func.jsonb_extract_path_text(cast(model.doc, JSONB), name)
    return func.json_extract(model.doc, f"$.{name}")


def _compare(col: Any, op: str, value: Any, values: list[Any] | None) -> ColumnElement[bool]:
    if op == "$in":
        return col.in_(values)  # type: ignore[no-any-return]
    if op == "$nin":
        return or_(col.is_(None), col.not_in(values))
    if op == "$ne":
        return or_(col.is_(None), col != value)
    return {  # type: ignore[no-any-return]
        "$eq": col == value,
        "$gt": col > value,
        "$gte": col >= value,
        "$lt": col < value,
        "$lte": col <= value,
    }[op]


def conditions(
    db: Session, model: Any, collection: str, filters: Sequence[tuple[str, str, Any]]
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, op, raw in filters:
        label = f"{str(name)[:40]} {str(op)[:10]}"
        if name not in fields(collection):
            raise FilterError(f"{str(name)[:40]}: filtering {collection} on it is not supported")
        if op not in OPERATORS:
            raise FilterError(f"{label}: unknown operator")
        many = op in ("$in", "$nin")
        if name in TIME_FIELDS:
            col = getattr(model, TIME_FIELDS[name])
            times = [parse_time(v, label) for v in _values(raw, label)] if many else None
            out.append(_compare(col, op, None if many else parse_time(raw, label), times))
            continue
        if op in RANGE:
            raise FilterError(f"{label}: {name} takes $eq, $ne, $in or $nin")
        col = model.identifier if name in ID_FIELDS else _json_text(db, model, name)
        texts = [str(v)[:200] for v in _values(raw, label)] if many else None
        out.append(_compare(col, op, None if many else str(raw)[:200], texts))
    return out

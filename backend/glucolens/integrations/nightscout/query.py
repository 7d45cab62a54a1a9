"""``GET /api/v1/entries`` filters as Nightscout clients send them
(``find[date][$gte]=<ms>``, ``find[dateString][$lt]=<ISO>``, ``find[type]=sgv``,
``find[sgv][$gte]=<mg/dL>``, ``count``).

Only the forms below are understood; anything else under ``find`` is a 400 naming it, so no
client-chosen operator or field ever reaches SQL (the values are bound parameters).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_

from glucolens.integrations.nightscout.auth import NightscoutError
from glucolens.readings.models import GlucoseReading

DEFAULT_COUNT = 10  # Nightscout's default
MAX_COUNT = 50_000  # larger asks are served this many (clients ask for 999999 "all")
_FIND = re.compile(r"find\[([A-Za-z_]+)\](?:\[(\$[A-Za-z]+)\])?")
_OPS = {"$gt", "$gte", "$lt", "$lte", "$eq"}
TYPES = ("sgv", "mbg")
ROW_ID = re.compile(r"[0-9a-f]{24}")  # entries.row_id: a GlucoLens row as a Mongo-like _id


def bad(description: str) -> NightscoutError:
    return NightscoutError(400, "Bad Request", description)


@dataclass
class EntryQuery:
    count: int = DEFAULT_COUNT
    types: tuple[str, ...] = TYPES
    bounds: list[tuple[str, dt.datetime]] = field(default_factory=list)
    values: list[tuple[str, float]] = field(default_factory=list)  # find[sgv], mg/dL
    filtered: bool = False  # any find[...] was given (DELETE needs one)
    canonical_only: bool = True  # False: copies kept from other sources too (DELETE)

    def where(self) -> ColumnElement[bool]:
        t = GlucoseReading
        kinds = []
        if "sgv" in self.types:  # the canonical CGM stream (readings/canonical.py)
            cgm = t.kind == "cgm"
            kinds.append(and_(cgm, t.dup_of.is_(None)) if self.canonical_only else cgm)
        if "mbg" in self.types and not self.values:  # mbg entries have no sgv field
            kinds.append(t.kind == "meter")
        conds: list[ColumnElement[bool]] = [or_(*kinds)] if kinds else [false()]
        conds += [_compare(t.ts, op, when) for op, when in self.bounds]
        conds += [_compare(t.value_mgdl, op, value) for op, value in self.values]
        return and_(*conds)

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        return stmt.where(self.where()).order_by(GlucoseReading.ts.desc()).limit(self.count)


def _compare(col: Any, op: str, value: Any) -> ColumnElement[bool]:
    return {  # type: ignore[no-any-return]
        "$gt": col > value,
        "$gte": col >= value,
        "$lt": col < value,
        "$lte": col <= value,
    }.get(op, col == value)


def _mgdl(raw: str, key: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise bad(f"{key}: {raw[:30]!r} is not a number (mg/dL)") from None
    if not math.isfinite(value) or not 0 <= value <= 10_000:
        raise bad(f"{key}: out of range")
    return value


def _ms(raw: str, key: str) -> dt.datetime:
    try:
        ms = float(raw)
    except ValueError:
        raise bad(f"{key}: {raw[:30]!r} is not a time in milliseconds") from None
    if not 0 <= ms < 1e14:
        raise bad(f"{key}: out of range")
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.UTC)


def _iso(raw: str, key: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise bad(f"{key}: {raw[:30]!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)  # Nightscout reads UTC


def parse_count(raw: str) -> int:
    """Nightscout's ``count``: a whole number from 1; asks over MAX_COUNT get MAX_COUNT."""
    try:
        wanted = int(raw)
    except ValueError:
        raise bad(f"count: {raw[:20]!r} is not a whole number") from None
    if wanted < 1:
        raise bad("count: must be at least 1")
    return min(wanted, MAX_COUNT)


def parse(params: Mapping[str, str], types: tuple[str, ...] = TYPES, count: int = DEFAULT_COUNT
          ) -> EntryQuery:  # fmt: skip
    query = EntryQuery(count=count, types=types)
    raw_count = params.get("count")
    if raw_count is not None:
        query.count = parse_count(raw_count)
    for key, value in params.items():
        if not key.startswith("find"):
            continue
        m = _FIND.fullmatch(key)
        if not m:
            raise bad(f"{key[:60]}: not a filter this server understands")
        name, op = m.group(1), m.group(2) or "$eq"
        query.filtered = True
        if op not in _OPS:
            raise bad(f"{key[:60]}: unknown operator {op[:20]!r}")
        if name == "type":
            if op != "$eq" or value not in TYPES:
                raise bad(f"{key[:60]}: type must equal sgv or mbg")
            query.types = tuple(t for t in query.types if t == value)
        elif name == "date":
            query.bounds.append((op, _ms(value, key[:60])))
        elif name == "dateString":
            query.bounds.append((op, _iso(value, key[:60])))
        elif name == "sgv":
            query.values.append((op, _mgdl(value, key[:60])))
        else:
            raise bad(f"{key[:60]}: filtering on {name[:20]!r} is not supported")
    return query

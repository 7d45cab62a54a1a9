"""Shared pieces of input and output schemas.

Input types here are strict where coercion would store something the caller did not mean:
times are ISO 8601 strings with an offset (``0`` is not 1970), numbers are JSON numbers
(``false`` is not 0), and text is storable on every backend (no NUL, no lone surrogate).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from glucolens.core.timeutil import (
    data_time_problem,
    iso_utc,
    parse_iso_time,
    query_date_problem,
    query_time_problem,
)


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None. PostgreSQL rejects NUL in text, and a
    lone surrogate (JSON "\\ud800") cannot be encoded as UTF-8 by any driver."""
    if "\x00" in value:
        return "must not contain the NUL character (\\u0000)"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain a lone surrogate (invalid Unicode)"
    return None


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
    elif isinstance(value, list | tuple):
        for item in value:
            _storable(item)
    return value


class StorableTextIn(BaseModel):
    """Base of request bodies: every text field, present and future, is checked for
    characters no database can store, and the error names the field."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return _storable(value)


def _plausible_data_time(value: dt.datetime) -> dt.datetime:
    problem = data_time_problem(value, dt.datetime.now(dt.UTC))
    if problem:
        raise ValueError(f"time {problem}")
    return value


def _query_time(value: dt.datetime) -> dt.datetime:
    problem = query_time_problem(value)
    if problem:
        raise ValueError(f"time {problem}")
    return value


def _iso_date(raw: object) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if not isinstance(raw, str):
        raise ValueError("must be an ISO 8601 date (YYYY-MM-DD), not a number")
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw[:20]!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _query_date(value: dt.date) -> dt.date:
    problem = query_date_problem(value)
    if problem:
        raise ValueError(f"date {problem}")
    return value


_ISO = BeforeValidator(parse_iso_time)
# Input: when a health record happened. ISO 8601 with offset, from 2000-01-01 up to 5 minutes
# from now (clock skew).
PastTime = Annotated[dt.datetime, _ISO, AfterValidator(_plausible_data_time)]
# Input: a bound of a range query, 1900-01-01 <= t < 2200-01-01.
QueryTime = Annotated[dt.datetime, _ISO, AfterValidator(_query_time)]
# Input: a local date bounding a range query, 1900-01-01 <= d < 2200-01-01.
QueryDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_query_date)]
# Output: always UTC with a Z.
UtcTime = Annotated[dt.datetime, PlainSerializer(iso_utc, return_type=str)]

SOURCE_PATTERN = r"^[A-Za-z0-9_.:-]+$"
SOURCE_MAX_LENGTH = 32
SourceField = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SOURCE_MAX_LENGTH,
        pattern=SOURCE_PATTERN,
        description="Where the row came from (manual, healthkit, dexcom, ...).",
    ),
]
ExternalId = Annotated[
    str | None, Field(default=None, max_length=128, description="Dedupe key within a source.")
]


class StrictIn(StorableTextIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: SourceField = "manual"
    external_id: ExternalId = None


class RowOut(BaseModel):
    id: int
    source: str
    external_id: str | None
    utc_offset_min: int
    created_at: UtcTime

"""Shared pieces of input and output schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from glucolens.core.timeutil import FUTURE_TOLERANCE, iso_utc


def _not_in_future(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset or Z (e.g. 2026-03-29T07:30:00+01:00)")
    if value - dt.datetime.now(dt.UTC) > FUTURE_TOLERANCE:
        raise ValueError("timestamp is more than 5 minutes in the future")
    return value


# Input: an aware time that is not in the future (5 minutes of clock skew allowed).
PastTime = Annotated[dt.datetime, AfterValidator(_not_in_future)]
# Output: always UTC with a Z.
UtcTime = Annotated[dt.datetime, PlainSerializer(iso_utc, return_type=str)]

SourceField = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Where the row came from (manual, healthkit, dexcom, ...).",
    ),
]
ExternalId = Annotated[
    str | None, Field(default=None, max_length=128, description="Dedupe key within a source.")
]


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: SourceField = "manual"
    external_id: ExternalId = None


class RowOut(BaseModel):
    id: int
    source: str
    external_id: str | None
    utc_offset_min: int
    created_at: UtcTime

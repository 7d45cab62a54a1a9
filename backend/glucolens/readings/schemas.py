"""Glucose and insulin schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictFloat, StrictInt, field_validator

from glucolens.core.schemas import PastTime, RowOut, StrictIn, UtcTime


class GlucoseIn(StrictIn):
    timestamp: PastTime
    value: StrictFloat | str = Field(
        description='A number in `unit`, or the sensor sentinels "Low" / "High".'
    )
    unit: str | None = Field(default=None, max_length=16, description="mg/dL (default) or mmol/L")
    trend: str | None = Field(default=None, max_length=24)
    device: str | None = Field(default=None, max_length=64)
    kind: Literal["cgm", "scan", "meter"] = Field(
        default="cgm",
        description='"cgm" sensor readings (the stream metrics use), "scan" Libre scans, '
        '"meter" fingersticks; scans and meter readings never enter CGM metrics.',
    )
    period_min: StrictInt | None = Field(
        default=None, ge=1, le=60, description="The sensor's sampling period in minutes if known."
    )

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, v: object) -> object:
        if isinstance(v, bool):
            raise ValueError("value must be a number or 'Low'/'High'")
        return v


class GlucoseOut(RowOut):
    timestamp: UtcTime
    value: float
    unit: str
    value_mgdl: float
    flag: str | None
    trend: str | None
    device: str | None
    kind: str
    period_min: int | None
    duplicate_of: int | None = Field(
        description="The id of the reading from a higher-priority source this row is a copy "
        "of (it is then left out of the canonical stream); null for canonical readings."
    )


class InsulinIn(StrictIn):
    timestamp: PastTime
    units: StrictFloat = Field(gt=0, le=100, description="Units of insulin (0–100]")
    kind: Literal["bolus", "basal"]
    insulin_type: str | None = Field(default=None, max_length=64)


class InsulinOut(RowOut):
    timestamp: UtcTime
    units: float
    kind: str
    insulin_type: str | None

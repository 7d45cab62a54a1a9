"""Sleep, meal and activity schemas."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import Field, StrictFloat, StrictInt, model_validator

from glucolens.core.schemas import PastTime, RowOut, StrictIn, UtcTime

# Numbers are strict (StrictFloat, StrictInt): JSON `false` is not 0 and "30" is not 30.
Minutes = Field(default=None, ge=0, le=1440)
MAX_SPAN = dt.timedelta(hours=24)


class _Span(StrictIn):
    start: PastTime
    end: PastTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > MAX_SPAN:
            raise ValueError("a single entry cannot last more than 24 hours")
        return self


class SleepIn(_Span):
    in_bed_min: StrictFloat | None = Minutes
    asleep_min: StrictFloat | None = Minutes
    awake_min: StrictFloat | None = Minutes
    deep_min: StrictFloat | None = Minutes
    core_min: StrictFloat | None = Minutes
    rem_min: StrictFloat | None = Minutes

    @model_validator(mode="after")
    def _stages_fit(self) -> Self:
        span = (self.end - self.start).total_seconds() / 60
        staged = sum(v or 0 for v in (self.deep_min, self.core_min, self.rem_min))
        if self.asleep_min is not None and self.asleep_min > span + 1:
            raise ValueError("asleep_min is longer than the session")
        if staged > span + 1:
            raise ValueError("deep + core + REM minutes exceed the session length")
        return self


class SleepOut(RowOut):
    start: UtcTime
    end: UtcTime
    duration_min: float
    in_bed_min: float | None
    asleep_min: float | None
    awake_min: float | None
    deep_min: float | None
    core_min: float | None
    rem_min: float | None


MealType = Literal["breakfast", "lunch", "dinner", "snack"]


class MealIn(StrictIn):
    timestamp: PastTime
    carbs_g: StrictFloat | None = Field(default=None, ge=0, le=500)
    protein_g: StrictFloat | None = Field(default=None, ge=0, le=500)
    fat_g: StrictFloat | None = Field(default=None, ge=0, le=500)
    kcal: StrictFloat | None = Field(default=None, ge=0, le=10000)
    description: str | None = Field(default=None, max_length=500)
    meal_type: MealType | None = None


class MealOut(RowOut):
    timestamp: UtcTime
    carbs_g: float | None
    protein_g: float | None
    fat_g: float | None
    kcal: float | None
    description: str | None
    meal_type: str | None


class ActivityIn(_Span):
    activity_type: str = Field(min_length=1, max_length=40)
    intensity: Literal["low", "moderate", "high"] | None = None
    kcal: StrictFloat | None = Field(default=None, ge=0, le=10000)
    steps: StrictInt | None = Field(default=None, ge=0, le=200000)
    avg_hr: StrictFloat | None = Field(default=None, ge=20, le=250)


class ActivityOut(RowOut):
    start: UtcTime
    end: UtcTime
    duration_min: float
    activity_type: str
    intensity: str | None
    kcal: float | None
    steps: int | None
    avg_hr: float | None

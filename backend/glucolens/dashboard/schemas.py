"""Dashboard responses. Glucose values are in ``unit``; percentages are 0–100."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from glucolens.core.schemas import UtcTime


class Bands(BaseModel):
    very_low_pct: float | None
    low_pct: float | None
    in_range_pct: float | None
    high_pct: float | None
    very_high_pct: float | None


class Window(BaseModel):
    days: int
    start: UtcTime
    end: UtcTime
    mean: float | None
    sd: float | None
    cv_pct: float | None
    gmi_pct: float | None
    min: float | None
    max: float | None
    reading_count: int
    expected_count: int
    wear_pct: float | None
    days_with_data: int
    sufficient_data: bool
    bands: Bands
    target_pct: float | None


class Summary(BaseModel):
    unit: str
    timezone: str
    target_low: float
    target_high: float
    windows: list[Window]


class Day(BaseModel):
    date: dt.date
    mean: float | None
    sd: float | None
    cv_pct: float | None
    min: float | None
    max: float | None
    reading_count: int
    wear_pct: float | None
    in_range_pct: float | None
    below_pct: float | None
    above_pct: float | None
    bands: Bands


class Daily(BaseModel):
    unit: str
    timezone: str
    target_low: float
    target_high: float
    days: list[Day]


class AgpBin(BaseModel):
    minute: float
    p5: float | None
    p25: float | None
    p50: float | None
    p75: float | None
    p95: float | None


class Agp(BaseModel):
    unit: str
    timezone: str
    days: int
    start: UtcTime
    end: UtcTime
    reading_count: int
    bins: list[AgpBin]


class SeriesPoint(BaseModel):
    t: UtcTime
    v: float
    min: float | None = None
    max: float | None = None


class Series(BaseModel):
    unit: str
    start: UtcTime
    end: UtcTime
    total: int
    downsampled: bool
    bucket_s: int | None
    points: list[SeriesPoint]


class DataRange(BaseModel):
    timezone: str
    first_reading_at: UtcTime | None
    last_reading_at: UtcTime | None
    first_day: dt.date | None = Field(description="local date of the first reading")
    last_day: dt.date | None = Field(description="local date of the newest reading")
    reading_count: int


VariabilityKey = Literal[
    "mage", "conga_1h", "modd", "mag", "lbgi", "hbgi", "adrr", "j_index", "grade"
]


class VariabilityMetric(BaseModel):
    key: VariabilityKey
    label: str
    value: float | None = Field(description="null when status is 'insufficient'")
    unit: str | None = Field(description="the glucose unit, the unit per hour, or null (index)")
    meaning: str = Field(description="what the metric says, in one line")
    reference: str = Field(description="reference range and its source, in one line")
    reference_low: float | None = Field(description="in ``unit``; null when there is none")
    reference_high: float | None
    status: Literal["ok", "insufficient"]
    reason: str | None = Field(description="why there is no value")
    min_whole_days: int = Field(description="days with >= 70% of readings the metric needs")


class Variability(BaseModel):
    unit: str
    timezone: str
    days: int
    start: UtcTime
    end: UtcTime
    reading_count: int
    whole_days: int = Field(description="local days in the window with >= 70% of readings")
    interval_min: int | None = Field(description="the sensor interval the grid uses")
    metrics: list[VariabilityMetric]

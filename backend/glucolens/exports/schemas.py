"""The export's query and the shape of the JSON export (documented in the OpenAPI schema;
the body itself is streamed, never built as one of these)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class ExportFormat(StrEnum):
    zip = "zip"
    json = "json"


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    utc_offset_min: int
    source: str
    external_id: str | None
    created_at_utc: str


class GlucoseRow(_Row):
    timestamp_utc: str
    local_time: str
    value_mgdl: float
    value: float
    unit: str
    flag: str | None
    trend: str | None
    device: str | None
    kind: str
    period_min: int | None
    duplicate_of: int | None


class InsulinRow(_Row):
    timestamp_utc: str
    local_time: str
    units: float
    kind: str
    insulin_type: str | None


class MealRow(_Row):
    timestamp_utc: str
    local_time: str
    carbs_g: float | None
    protein_g: float | None
    fat_g: float | None
    kcal: float | None
    meal_type: str | None
    description: str | None


class _SpanRow(_Row):
    start_utc: str
    end_utc: str
    start_local: str
    end_local: str


class SleepRow(_SpanRow):
    in_bed_min: float | None
    asleep_min: float | None
    awake_min: float | None
    deep_min: float | None
    core_min: float | None
    rem_min: float | None


class ActivityRow(_SpanRow):
    activity_type: str
    intensity: str | None
    kcal: float | None
    steps: int | None
    avg_hr: float | None


class InsightOut(BaseModel):
    kind: str
    status: str
    computed_at_utc: str | None
    data_version: str | None
    data: dict[str, Any]


class ExportCounts(BaseModel):
    glucose: int
    insulin: int
    meals: int
    sleep: int
    activities: int


class ExportDocument(BaseModel):
    """``GET /export?format=json``. ``profile.account`` (sessions, API keys, imports) is
    present only for signed-in users, not for API keys."""

    model_config = ConfigDict(extra="forbid")

    format: str
    version: int
    exported_at_utc: str
    units: dict[str, str]
    counts: ExportCounts
    profile: dict[str, Any]
    glucose: list[GlucoseRow]
    insulin: list[InsulinRow]
    meals: list[MealRow]
    sleep: list[SleepRow]
    activities: list[ActivityRow]
    insights: list[InsightOut]

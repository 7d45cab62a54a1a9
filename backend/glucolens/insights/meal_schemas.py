"""Per-meal glucose responses, their ranking and comparisons (docs/meal-responses.md).

Glucose values are in the user's unit; iAUC is in that unit times minutes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from glucolens.core.schemas import UtcTime

Reason = Literal["no_trace", "no_baseline", "gappy", "meal_before", "meal_after", "trace_ends"]
TimeOfDay = Literal["morning", "midday", "evening", "night"]


class MealResponseOut(BaseModel):
    meal_id: int
    timestamp: UtcTime
    description: str | None
    food: str | None = Field(description="the description normalised (case, spaces)")
    meal_type: str | None
    carbs_g: float | None
    baseline: float | None = Field(description="median of the readings in the 30 min before")
    peak: float | None
    peak_rise: float | None = Field(description="peak in the 2 h after minus baseline")
    time_to_peak_min: float | None
    iauc: float | None = Field(description="incremental area above baseline over 2 h (unit·min)")
    back_to_baseline_min: float | None = Field(
        description="minutes until glucose is back at baseline; null when not within 3 h"
    )
    coverage_pct: float = Field(description="readings present, % of the window −30 to +120 min")
    confidence: Literal["high", "low"]
    reasons: list[Reason]
    time_of_day: TimeOfDay
    sleep_h: float | None = Field(description="hours asleep in the night before, when logged")
    short_sleep: bool | None
    active_before: bool | None = Field(
        description="an activity in the 3 h before; null: none logged"
    )


class FoodOut(BaseModel):
    food: str
    n: int = Field(description="high-confidence meals of this food")
    n_low_confidence: int
    median_iauc: float | None
    median_peak_rise: float | None
    median_time_to_peak_min: float | None


class GroupOut(BaseModel):
    key: str
    label: str
    n: int
    median_iauc: float | None
    median_peak_rise: float | None


class ComparisonOut(BaseModel):
    dimension: Literal["time_of_day", "sleep", "activity"]
    status: Literal["ok", "too_few", "no_data"]
    groups: list[GroupOut]
    p_value: float | None
    higher: str | None = Field(description="group with the larger median iAUC, when p < 0.05")


class Thresholds(BaseModel):
    min_group: int
    min_food_meals: int
    short_sleep_h: float
    active_before_h: float
    min_coverage_pct: float


class MealInsights(BaseModel):
    unit: Literal["mg/dL", "mmol/L"]
    timezone: str
    days: int
    start: UtcTime
    end: UtcTime
    n_meals: int
    n_measured: int
    n_high_confidence: int
    meals: list[MealResponseOut] = Field(description="every meal in the window, newest first")
    ranked_meal_ids: list[int] = Field(description="high-confidence meals, largest iAUC first")
    foods: list[FoodOut]
    foods_status: Literal["ok", "too_few"]
    comparisons: list[ComparisonOut]
    thresholds: Thresholds


class TracePoint(BaseModel):
    minute: float = Field(description="minutes from the meal")
    value: float


class MealResponseDetail(BaseModel):
    unit: Literal["mg/dL", "mmol/L"]
    timezone: str
    response: MealResponseOut
    trace: list[TracePoint] = Field(description="smoothed glucose, −30 to +180 min")

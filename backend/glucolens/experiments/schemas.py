"""Experiment requests and responses. Glucose values are in ``unit`` (the user's unit);
time in range is in percent (differences in percentage points)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from glucolens.core.schemas import QueryDate, StorableTextIn, UtcTime

Outcome = Literal["window_mean", "window_peak", "day_mean", "day_tir"]
Assignment = Literal["intervention", "baseline"]
ClockTime = Annotated[
    str,
    Field(
        pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$",
        description="local clock time HH:MM (24:00 for the end of the day)",
        examples=["19:00"],
    ),
]
UnitIn = Literal["mg/dL", "mmol/L"]
OUTCOME_HELP = (
    "window_mean: mean glucose in a daily clock window; window_peak: highest glucose in "
    "it; day_mean: mean glucose over the day; day_tir: time in range 70-180 mg/dL (%)"
)


class ExperimentIn(StorableTextIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=120, examples=["Walk after dinner"])
    intervention: str = Field(
        min_length=1,
        max_length=500,
        description="what to do on intervention days",
        examples=["walk 15 minutes after dinner"],
    )
    outcome: Outcome = Field(description=OUTCOME_HELP)
    window_start: ClockTime | None = Field(default=None, description="for window outcomes")
    window_end: ClockTime | None = Field(default=None, description="for window outcomes")
    target_effect: float = Field(
        gt=0,
        le=500,
        strict=True,
        description="the smallest change you care about (in unit; percentage points for "
        "day_tir); sets the days needed",
    )
    unit: UnitIn | None = Field(default=None, description="unit of target_effect; yours if absent")
    block_days: int = Field(default=2, ge=1, le=7, strict=True, description="days per block")
    planned_days: int | None = Field(
        default=None,
        ge=1,
        le=240,
        strict=True,
        description="length; rounded up to whole pairs of blocks; the power plan's if absent",
    )
    start_date: QueryDate | None = Field(default=None, description="first local day; today")


class AdherenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: QueryDate = Field(description="a local date of the experiment, today or before")
    followed: bool | None = Field(
        strict=True, description="true: followed the day's assignment; false: not; null: clear"
    )


class NoiseOut(BaseModel):
    sd: float = Field(description="day-to-day SD of the outcome (in unit)")
    rho: float = Field(description="correlation of one day's outcome with the next")
    usable_fraction: float = Field(description="share of days with enough sensor data")
    history_days: int = Field(description="measured days the fit used (0: population default)")
    from_history: bool
    note: str


class PowerPoint(BaseModel):
    days: int
    power: float = Field(description="0 to 1")


class PlanOut(BaseModel):
    outcome: Outcome
    outcome_label: str
    unit: str = Field(description="unit of the outcome and of the effect ('%' for day_tir)")
    target_effect: float
    block_days: int
    days_needed: int | None = Field(description="for 80% power at alpha 0.05; null: over 240")
    noise: NoiseOut
    power_curve: list[PowerPoint]
    message: str


class DayOut(BaseModel):
    date: dt.date
    assignment: Assignment
    followed: bool | None
    outcome: float | None = Field(description="the day's outcome once the day is over")
    when: Literal["past", "today", "future", "after_end"]


class TodayOut(BaseModel):
    date: dt.date
    assignment: Assignment | None
    instruction: str


class AdherenceOut(BaseModel):
    marked_days: int
    not_followed_days: int
    note: str | None


class ResultOut(BaseModel):
    status: Literal["helped", "worse", "no_clear_effect", "not_enough_days"]
    final: bool = Field(description="false while the planned days are not done")
    difference: float | None = Field(description="intervention minus baseline (in unit)")
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    pairs_used: int
    min_pairs: int
    intervention_days: int
    baseline_days: int
    verdict: str
    method: str


class ExperimentSummary(BaseModel):
    id: uuid.UUID
    title: str
    intervention: str
    outcome: Outcome
    outcome_label: str
    status: Literal["scheduled", "running", "complete", "stopped"]
    start_date: dt.date
    end_date: dt.date
    planned_days: int
    days_done: int
    today_assignment: Assignment | None
    created_at: UtcTime


class ExperimentOut(ExperimentSummary):
    window_start: str | None
    window_end: str | None
    target_effect: float
    unit: str
    block_days: int
    timezone: str
    plan: PlanOut
    today: TodayOut
    days: list[DayOut]
    adherence: AdherenceOut
    result: ResultOut
    ended_at: UtcTime | None


class ExperimentList(BaseModel):
    items: list[ExperimentSummary]

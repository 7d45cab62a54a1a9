"""Sleep, meal and activity routes (create, list, update, delete, bulk)."""

from __future__ import annotations

from glucolens.lifestyle import service
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.lifestyle.schemas import (
    ActivityIn,
    ActivityOut,
    MealIn,
    MealOut,
    SleepIn,
    SleepOut,
)
from glucolens.records.router import build_router
from glucolens.records.service import Resource

RESOURCES = [
    Resource(
        name="sleep",
        path="/api/v1/sleep",
        model=SleepSession,
        create_schema=SleepIn,
        out_schema=SleepOut,
        time_attr="start",
        to_row=service.span_to_row,
        to_out=service.sleep_to_out,
        on_change=service.on_lifestyle_change,
    ),
    Resource(
        name="meals",
        path="/api/v1/meals",
        model=Meal,
        create_schema=MealIn,
        out_schema=MealOut,
        time_attr="ts",
        to_row=service.meal_to_row,
        to_out=service.meal_to_out,
        on_change=service.on_lifestyle_change,
    ),
    Resource(
        name="activities",
        path="/api/v1/activities",
        model=Activity,
        create_schema=ActivityIn,
        out_schema=ActivityOut,
        time_attr="start",
        to_row=service.span_to_row,
        to_out=service.activity_to_out,
        on_change=service.on_lifestyle_change,
    ),
]

routers = [build_router(r) for r in RESOURCES]

"""Sleep sessions, meals and activities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import UTCDateTime
from glucolens.core.models_common import HealthRow
from glucolens.readings.models import _dedupe_indexes


class SleepSession(HealthRow):
    __tablename__ = "sleep_sessions"
    __table_args__ = (
        *_dedupe_indexes("sleep_sessions", "start"),
        Index("ix_sleep_user_start", "user_id", "start"),
    )

    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    in_bed_min: Mapped[float | None] = mapped_column(Float)
    asleep_min: Mapped[float | None] = mapped_column(Float)
    awake_min: Mapped[float | None] = mapped_column(Float)
    deep_min: Mapped[float | None] = mapped_column(Float)
    core_min: Mapped[float | None] = mapped_column(Float)
    rem_min: Mapped[float | None] = mapped_column(Float)


class Meal(HealthRow):
    __tablename__ = "meals"
    __table_args__ = (
        *_dedupe_indexes("meals", "ts"),
        Index("ix_meals_user_ts", "user_id", "ts"),
    )

    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    carbs_g: Mapped[float | None] = mapped_column(Float)
    protein_g: Mapped[float | None] = mapped_column(Float)
    fat_g: Mapped[float | None] = mapped_column(Float)
    kcal: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    meal_type: Mapped[str | None] = mapped_column(String(16))


class Activity(HealthRow):
    __tablename__ = "activities"
    __table_args__ = (
        *_dedupe_indexes("activities", "start"),
        Index("ix_activities_user_start", "user_id", "start"),
    )

    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    activity_type: Mapped[str] = mapped_column(String(40))
    intensity: Mapped[str | None] = mapped_column(String(16))
    kcal: Mapped[float | None] = mapped_column(Float)
    steps: Mapped[int | None] = mapped_column(Integer)
    avg_hr: Mapped[float | None] = mapped_column(Float)

"""Personal experiments: the plan and schedule, and the days a user marked as (not) followed.

Days are local dates in the time zone the experiment was created in (``timezone``), so the
schedule does not move when the user travels or changes the setting later.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, UTCDateTime, utcnow


class Experiment(Base):
    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_user", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    intervention: Mapped[str] = mapped_column(Text)
    # analytics.experiment_outcomes.OUTCOMES; the window in minutes after local midnight
    outcome: Mapped[str] = mapped_column(String(16))
    window_start_min: Mapped[int] = mapped_column(Integer)
    window_end_min: Mapped[int] = mapped_column(Integer)
    # The effect the user cares about, in mg/dL (percentage points for time in range).
    target_effect: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date] = mapped_column(Date)
    planned_days: Mapped[int] = mapped_column(Integer)
    block_days: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    # One label a day: "intervention" or "baseline" (analytics.experiments.make_schedule).
    schedule: Mapped[list[str]] = mapped_column(JSON)
    # The power plan made at creation (day-to-day SD and correlation, days needed).
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    # active -> ended (by the user, early or when done)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # The last local day that counts once ended (the day before the stop, or the last day).
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ExperimentDay(Base):
    """The user's mark for one day: followed the day's assignment or not."""

    __tablename__ = "experiment_days"
    __table_args__ = (UniqueConstraint("experiment_id", "day", name="uq_experiment_days_day"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    experiment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experiments.id", ondelete="CASCADE")
    )
    day: Mapped[dt.date] = mapped_column(Date)
    followed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

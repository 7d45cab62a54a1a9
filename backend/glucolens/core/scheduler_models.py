"""The leader-safe scheduler's one table (see core/scheduler.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, UTCDateTime


class ScheduledJob(Base):
    """One periodic job: the next slot to run, claimed by one process with a conditional
    UPDATE, so a slot runs once however many processes tick, and survives restarts."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_owner: Mapped[str | None] = mapped_column(String(64))
    last_duration_ms: Mapped[float | None] = mapped_column(Float)
    last_error: Mapped[str | None] = mapped_column(String(200))
    runs: Mapped[int] = mapped_column(BigInteger, default=0)

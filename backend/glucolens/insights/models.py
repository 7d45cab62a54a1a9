"""Stored analytics results (the seed's "patterns" table) and analytics jobs."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, BigIntPK, UTCDateTime, utcnow


class InsightResult(Base):
    __tablename__ = "insight_results"
    __table_args__ = (Index("uq_insight_user_kind", "user_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))  # ok | insufficient_data | failed
    data: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    data_version: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float | None] = mapped_column(Float)


class InsightJob(Base):
    __tablename__ = "insight_jobs"
    __table_args__ = (Index("ix_insight_jobs_user", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Written every few seconds by the process running the job; a running job whose
    # heartbeat stopped belongs to a process that died (insights/service.reap_dead_jobs).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PatternStreamState(Base):
    """One user's streaming matrix profile (``IncrementalProfile.to_bytes``) between
    insight runs, so that the next run only feeds the new readings to ``stumpi``."""

    __tablename__ = "pattern_stream_states"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    window_points: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    last_ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

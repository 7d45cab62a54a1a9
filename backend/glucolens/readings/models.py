"""Glucose readings, insulin doses, and per-day glucose aggregates."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, UTCDateTime, utcnow
from glucolens.core.models_common import HealthRow


def _dedupe_indexes(table: str, time_col: str) -> tuple[Index, Index]:
    """Idempotency keys: (user, source, external_id), else (user, source, time)."""
    return (
        Index(
            f"uq_{table}_external",
            "user_id",
            "source",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            f"uq_{table}_time",
            "user_id",
            "source",
            time_col,
            unique=True,
            sqlite_where=text("external_id IS NULL"),
            postgresql_where=text("external_id IS NULL"),
        ),
    )


class GlucoseReading(HealthRow):
    __tablename__ = "glucose_readings"
    __table_args__ = (
        _dedupe_indexes("glucose_readings", "ts")[0],
        # The time key includes the kind: a calibration or a Libre scan taken at the second
        # of a sensor reading from the same source is another reading, not a duplicate.
        Index(
            "uq_glucose_readings_time",
            "user_id",
            "source",
            "kind",
            "ts",
            unique=True,
            sqlite_where=text("external_id IS NULL"),
            postgresql_where=text("external_id IS NULL"),
        ),
        # Range scans per user; value included so aggregates are index-only on PostgreSQL.
        Index("ix_glucose_user_ts", "user_id", "ts", postgresql_include=["value_mgdl"]),
        # Rows by write time: Nightscout v3 history and lastModified (integrations/nightscout).
        Index("ix_glucose_user_created", "user_id", "created_at"),
        # The canonical CGM stream every reader uses (see readings/canonical.py).
        Index(
            "ix_glucose_canonical",
            "user_id",
            "ts",
            postgresql_include=["value_mgdl"],
            sqlite_where=text("kind = 'cgm' AND dup_of IS NULL"),
            postgresql_where=text("kind = 'cgm' AND dup_of IS NULL"),
        ),
    )

    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    value_mgdl: Mapped[float] = mapped_column(Float)
    # "low" / "high" when the sensor reported its Low/High sentinel instead of a number.
    flag: Mapped[str | None] = mapped_column(String(8))
    trend: Mapped[str | None] = mapped_column(String(24))
    device: Mapped[str | None] = mapped_column(String(64))
    # "cgm" (sensor readings, the stream metrics use), "scan" (Libre scans) or "meter"
    # (fingersticks): scans and meter readings are shown and exported, never mixed into CGM metrics.
    kind: Mapped[str] = mapped_column(String(8), default="cgm", server_default="cgm")
    # The sensor's sampling period in minutes when known (5 Dexcom, 15 Libre history).
    period_min: Mapped[int | None] = mapped_column(SmallInteger)
    # Set when this row is another source's copy of a reading kept from a higher-priority
    # source: the id of that canonical reading. NULL = canonical.
    dup_of: Mapped[int | None] = mapped_column(BigInteger)


class InsulinDose(HealthRow):
    __tablename__ = "insulin_doses"
    __table_args__ = (
        *_dedupe_indexes("insulin_doses", "ts"),
        Index("ix_insulin_user_ts", "user_id", "ts"),
    )

    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    units: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(8))  # bolus | basal
    insulin_type: Mapped[str | None] = mapped_column(String(64))


class GlucoseDaily(Base):
    """Per local day aggregates, kept current on every write.

    ``hist`` counts readings per whole mg/dL (index 0 = 20 mg/dL ... 580 = 600 mg/dL), so any
    band or target range is answered from these rows without touching raw readings.
    """

    __tablename__ = "glucose_daily"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sum_mgdl: Mapped[float] = mapped_column(Float)
    sumsq_mgdl: Mapped[float] = mapped_column(Float)
    min_mgdl: Mapped[float] = mapped_column(Float)
    max_mgdl: Mapped[float] = mapped_column(Float)
    interval_min: Mapped[int] = mapped_column(Integer, default=5)
    hist: Mapped[str] = mapped_column(Text)  # JSON list of 581 counts
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

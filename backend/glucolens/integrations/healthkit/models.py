"""HealthKit sync: every sample the device sent (keyed by its HealthKit UUID, with provenance
and tombstones), the batches already answered (idempotency) and per-type sync state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, BigIntPK, UTCDateTime, utcnow


class HealthKitSample(Base):
    """One HealthKit sample as received, or the tombstone of one the device deleted.

    ``value`` is canonical (mg/dL, g, U, steps; the HKCategoryValueSleepAnalysis raw value
    for sleep; none for workouts) and was converted once, on arrival; the value and unit as
    sent are kept beside it. The GlucoLens rows made from it (glucose, meal, insulin, sleep,
    activity) carry source ``healthkit`` and, where one sample makes one row, its UUID as
    ``external_id``.
    """

    __tablename__ = "healthkit_samples"
    __table_args__ = (
        Index("uq_healthkit_samples_uuid", "user_id", "uuid", unique=True),
        Index("ix_healthkit_samples_type_start", "user_id", "type", "start"),
        Index(
            "ix_healthkit_samples_sync_id",
            "user_id",
            "type",
            "sync_identifier",
            postgresql_where=text("sync_identifier IS NOT NULL"),
            sqlite_where=text("sync_identifier IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    uuid: Mapped[str] = mapped_column(String(36))  # upper-case, as HealthKit prints it
    type: Mapped[str] = mapped_column(String(24))
    # Null only for the tombstone of a sample the server never saw.
    start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    utc_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    value: Mapped[float | None] = mapped_column(Float)
    original_value: Mapped[float | None] = mapped_column(Float)
    original_unit: Mapped[str | None] = mapped_column(String(48))
    source_name: Mapped[str | None] = mapped_column(String(128))
    source_bundle_id: Mapped[str | None] = mapped_column(String(128))
    # The rest of the provenance: source revision (version, product type, OS version), the
    # device (name, manufacturer, model, versions) and the type's own fields (insulin
    # reason, meal time, was user entered, workout type, energy, distance, glucose kind).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sync_identifier: Mapped[str | None] = mapped_column(String(128))
    sync_version: Mapped[int | None] = mapped_column(BigInteger)
    # Set when the device deleted the sample (HKDeletedObject) or a higher sync version
    # replaced it: the row stays as a tombstone so a late re-send does not bring it back.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HealthKitBatch(Base):
    """A sync batch already answered: a retry with the same ``batch_id`` gets this answer."""

    __tablename__ = "healthkit_batches"
    __table_args__ = (Index("ix_healthkit_batches_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HealthKitTypeState(Base):
    """Per user and sample type: whether it syncs, and what the last syncs saw."""

    __tablename__ = "healthkit_type_states"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(24), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # [{"bundle_id", "name", "last_seen_at"}], at most MAX_SOURCES_SEEN, newest first.
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)

"""Columns every health-data row carries."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from glucolens.core.db import Base, BigIntPK, UTCDateTime, utcnow


class HealthRowMixin:
    """Primary key, owner, provenance (source + external_id for dedupe) and creation time."""

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    external_id: Mapped[str | None] = mapped_column(String(128))
    # The UTC offset (minutes) the event was recorded at, so local wall time is recoverable.
    utc_offset_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def user_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


class HealthRow(HealthRowMixin, Base):
    """The abstract base of every health-data table: what generic code (records/) may rely on."""

    __abstract__ = True

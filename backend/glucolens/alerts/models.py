"""Alert configuration, per-user evaluation state, alerts (episodes), decisions, snoozes,
deliveries and web-push subscriptions.

Thresholds are stored in mg/dL whatever the user's display unit. An ``Alert`` row is one
episode of one kind: it opens once, repeats its notification while open, and closes with a
reason. Every decision about notifying (sent, or not and why) is an ``AlertDecision`` row, so
nothing is suppressed silently. Each channel attempt is an ``AlertDelivery`` row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, BigIntPK, UTCDateTime, utcnow

_USER_FK = "users.id"


class AlertSettings(Base):
    """One row per user: quiet hours, mute, channels and the emergency contact."""

    __tablename__ = "alert_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"), primary_key=True
    )
    # Local wall-clock "HH:MM" in the user's time zone; both None = no quiet hours.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # Kinds quiet hours silence (never urgent_low, urgent_low_soon or stale_data).
    quiet_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    mute_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # {"email": bool, "push": bool, "webhook": bool}; the WebSocket and the history always.
    channels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(120))
    emergency_contact_email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertConfig(Base):
    """One row per user and kind, created with the defaults on first read."""

    __tablename__ = "alert_configs"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_alert_configs_user_kind"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    # urgent_low, urgent_low_soon, low, high, urgent_high, rising_fast, falling_fast,
    # stale_data, pattern
    kind: Mapped[str] = mapped_column(String(24))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # mg/dL for glucose kinds, mg/dL/min for rates, minutes for stale data.
    threshold: Mapped[float | None] = mapped_column(Float)
    repeat_min: Mapped[int | None] = mapped_column(Integer)
    persist_min: Mapped[int | None] = mapped_column(Integer)
    # Kind-specific extras (stale data's urgent_after_min, a forecast horizon, ...).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertState(Base):
    """Per-user evaluation state: the newest reading seen, pending persist timers. The stale
    scheduler scans this table (one indexed query), not the readings."""

    __tablename__ = "alert_state"
    __table_args__ = (Index("ix_alert_state_last_reading", "last_reading_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"), primary_key=True
    )
    last_reading_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_value_mgdl: Mapped[float | None] = mapped_column(Float)
    last_evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # {"low": "<iso time the condition was first seen>", ...} for "must persist N min".
    pending: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Alert(Base):
    """One episode of one kind for one user."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_user_opened", "user_id", "opened_at"),
        Index("ix_alerts_user_status_kind", "user_id", "status", "kind"),
        # The scheduler's scan of open episodes (alerts/tick.py): a few rows among all history.
        Index(
            "ix_alerts_open",
            "kind",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))  # urgent | warning | info
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_reason: Mapped[str | None] = mapped_column(String(32))
    trigger_value_mgdl: Mapped[float | None] = mapped_column(Float)
    trigger_reading_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_value_mgdl: Mapped[float | None] = mapped_column(Float)
    last_reading_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Last time the condition held (re-crossing within 15 min continues the episode).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notify_count: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Kind-specific facts (pattern id, forecast minutes, stale minutes, ...); no free text.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AlertDecision(Base):
    """Each decision on an alert: notified, repeated, escalated, suppressed (with its reason),
    continued, acknowledged, resolved."""

    __tablename__ = "alert_decisions"
    __table_args__ = (Index("ix_alert_decisions_alert", "alert_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("alerts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    # snoozed, stale, quiet_hours, muted, episode_open, rate_limited, persist_pending, ...
    reason: Mapped[str | None] = mapped_column(String(24))
    value_mgdl: Mapped[float | None] = mapped_column(Float)


class AlertSnooze(Base):
    """A snooze of some kinds until a time; cancelled snoozes keep their row."""

    __tablename__ = "alert_snoozes"
    __table_args__ = (Index("ix_alert_snoozes_user_until", "user_id", "until"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    kinds: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PushSubscription(Base):
    """A browser's Web Push subscription (RFC 8030 endpoint and RFC 8291 keys)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "endpoint_hash", name="uq_push_subscriptions_endpoint"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(Text)
    endpoint_hash: Mapped[str] = mapped_column(String(64))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(SmallInteger, default=0)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AlertDelivery(Base):
    """One channel's attempt(s) to deliver one notification of one alert."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_alert", "alert_id"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("alerts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_FK, ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(12))  # websocket | email | push | webhook
    recipient: Mapped[str] = mapped_column(String(20), default="user")  # | emergency_contact
    purpose: Mapped[str] = mapped_column(String(12))  # raise | repeat | escalate | test | feed
    push_subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")  # sent | failed | gone
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

"""Request and response bodies of /api/v1/alerts.

Glucose values and thresholds travel in the user's unit (``unit`` says which) beside the
stored mg/dL (``*_mgdl``), so a client never converts and an integrator can ignore units.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StrictFloat, StrictInt

from glucolens.alerts import defaults as d
from glucolens.core.schemas import QueryTime, StorableTextIn, UtcTime

AlertKind = Literal[
    "urgent_low",
    "urgent_low_soon",
    "low",
    "high",
    "urgent_high",
    "rising_fast",
    "falling_fast",
    "stale_data",
    "pattern",
]
# The history also holds test notifications.
HistoryKind = Literal[AlertKind, "test"]
Severity = Literal["urgent", "warning", "info"]
Status = Literal["open", "resolved"]
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
MAX_IDS = 500


class _In(StorableTextIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- alerts ---------------------------------------------------------------------------------


class DecisionOut(BaseModel):
    """One decision about notifying: sent, repeated, escalated, or not sent and why."""

    at: UtcTime
    action: str = Field(
        description="notified, repeated, escalated, suppressed (with a reason), severity, "
        "acknowledged, ..."
    )
    reason: str | None = Field(
        description="Why a notification was not sent (snoozed, stale, quiet_hours, muted, "
        "episode_open, rate_limited, persist_pending, ...), else null."
    )
    value: float | None = Field(description="The glucose value then, in the user's unit.")
    value_mgdl: float | None


class AlertOut(BaseModel):
    """One alert: an episode of one kind, from opening to resolution."""

    id: uuid.UUID
    kind: str
    severity: str
    status: str
    opened_at: UtcTime
    resolved_at: UtcTime | None
    resolved_reason: str | None
    unit: str = Field(description="The unit of value and last_value (the user's).")
    value: float | None = Field(description="The value that opened the alert.")
    value_mgdl: float | None
    last_value: float | None = Field(description="The newest value seen while open.")
    last_value_mgdl: float | None
    trigger_reading_at: UtcTime | None
    last_reading_at: UtcTime | None
    acknowledged_at: UtcTime | None
    read_at: UtcTime | None
    escalated_at: UtcTime | None
    last_notified_at: UtcTime | None
    notify_count: int
    title: str = Field(description="Short text, e.g. 'Urgent low: 52 mg/dL'.")
    message: str = Field(description="One or two sentences for a notification body.")
    details: dict[str, Any]
    decisions: list[DecisionOut] | None = Field(
        default=None, description="Every notify/suppress decision, oldest first (history only)."
    )


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page.")


class ActiveOut(BaseModel):
    items: list[AlertOut]


class UnreadCountOut(BaseModel):
    unread: int


class MarkReadIn(_In):
    ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_IDS)
    all: StrictBool = Field(default=False, description="true marks every alert read")


class MarkReadOut(BaseModel):
    updated: int = Field(description="How many alerts were unread and are read now.")
    unread: int


# -- configuration --------------------------------------------------------------------------


class Bounds(BaseModel):
    min: float
    max: float


class KindConfigOut(BaseModel):
    kind: str
    severity: str
    enabled: bool
    threshold: float | None = Field(
        description="In threshold_unit: the user's glucose unit, that unit per minute for "
        "rising/falling fast, minutes without data for stale_data; null for pattern."
    )
    threshold_mgdl: float | None = Field(description="As stored (mg/dL, mg/dL/min or min).")
    threshold_unit: str | None
    bounds: Bounds | None = Field(description="Allowed threshold range, in threshold_unit.")
    repeat_min: int | None
    repeat_bounds: Bounds | None
    persist_min: int | None
    persists: bool = Field(description="Whether persist_min applies to this kind.")
    options: dict[str, Any]
    max_snooze_min: int
    quiet_allowed: bool = Field(description="Whether quiet hours and mute may silence it.")
    confirm_to_disable: bool = Field(
        description="Turning it off needs confirm_disable_urgent_low: true."
    )


class Channels(BaseModel):
    email: bool
    push: bool
    webhook: bool


class SettingsOut(BaseModel):
    timezone: str = Field(description="Quiet hours are wall-clock times in this zone.")
    quiet_start: str | None
    quiet_end: str | None
    quiet_kinds: list[str]
    mute_until: UtcTime | None
    channels: Channels
    webhook_url: str | None
    emergency_contact_name: str | None
    emergency_contact_email: str | None


class ConfigOut(BaseModel):
    unit: str
    kinds: list[KindConfigOut]
    settings: SettingsOut
    max_mute_min: int = d.MAX_MUTE_MIN


class KindConfigIn(_In):
    """Fields left out keep their current value; null on persist_min clears it."""

    kind: AlertKind
    enabled: StrictBool | None = None
    threshold: StrictFloat | None = Field(
        default=None, allow_inf_nan=False, description="In the user's unit (see GET)."
    )
    repeat_min: StrictInt | None = Field(default=None, ge=1, le=24 * 60)
    persist_min: StrictInt | None = Field(default=None, ge=0, le=24 * 60)
    urgent_after_min: StrictInt | None = Field(
        default=None, ge=1, le=24 * 60, description="stale_data only: urgent from this age."
    )
    horizon_min: StrictInt | None = Field(
        default=None, ge=1, le=24 * 60, description="urgent_low_soon only: forecast horizon."
    )


class ChannelsIn(_In):
    email: StrictBool | None = None
    push: StrictBool | None = None
    webhook: StrictBool | None = None


class SettingsIn(_In):
    """Fields left out keep their current value; null clears a nullable one."""

    quiet_start: str | None = Field(default=None, pattern=HHMM, examples=["22:00"])
    quiet_end: str | None = Field(default=None, pattern=HHMM, examples=["07:00"])
    quiet_kinds: list[AlertKind] | None = Field(default=None, max_length=len(d.KINDS))
    mute_minutes: StrictInt | None = Field(
        default=None, ge=0, description="Mute all that may be muted for this long; 0 unmutes."
    )
    mute_until: QueryTime | None = Field(default=None, description="Or: mute until this time.")
    channels: ChannelsIn | None = None
    webhook_url: str | None = Field(default=None, max_length=2000)
    emergency_contact_name: str | None = Field(default=None, max_length=120)
    emergency_contact_email: EmailStr | None = Field(default=None, max_length=320)


class ConfigIn(_In):
    kinds: list[KindConfigIn] | None = Field(default=None, max_length=len(d.KINDS))
    settings: SettingsIn | None = None
    confirm_disable_urgent_low: StrictBool = Field(
        default=False, description="Required (true) to turn urgent_low off."
    )


# -- snoozes --------------------------------------------------------------------------------


class SnoozeIn(_In):
    kinds: list[AlertKind] = Field(min_length=1, max_length=len(d.KINDS))
    minutes: StrictInt = Field(
        ge=1,
        description=f"At most {d.MAX_SNOOZE_MIN[d.URGENT_LOW]} for urgent_low and "
        f"urgent_low_soon, {d.DEFAULT_MAX_SNOOZE_MIN} for the others.",
    )


class SnoozeOut(BaseModel):
    id: uuid.UUID
    kinds: list[str]
    created_at: UtcTime
    until: UtcTime
    cancelled_at: UtcTime | None
    active: bool


class SnoozesOut(BaseModel):
    items: list[SnoozeOut]


class HistoryFilters(BaseModel):
    """Parsed query of GET /history (kept together so the service takes one argument)."""

    kind: str | None = None
    status: str | None = None
    unread: bool | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

"""The alert kinds, their defaults and fixed limits (issue 14's table), in mg/dL.

Everyone reads configs through ``effective_configs``: a user's stored rows over these
defaults, so a kind the user never touched behaves as documented in docs/alerts.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

URGENT_LOW = "urgent_low"
URGENT_LOW_SOON = "urgent_low_soon"
LOW = "low"
HIGH = "high"
URGENT_HIGH = "urgent_high"
RISING_FAST = "rising_fast"
FALLING_FAST = "falling_fast"
STALE_DATA = "stale_data"
PATTERN = "pattern"
TEST = "test"  # a test notification (POST /api/v1/alerts/test); never from the engine

KINDS: tuple[str, ...] = (
    URGENT_LOW,
    URGENT_LOW_SOON,
    LOW,
    HIGH,
    URGENT_HIGH,
    RISING_FAST,
    FALLING_FAST,
    STALE_DATA,
    PATTERN,
)
GLUCOSE_KINDS = frozenset({URGENT_LOW, URGENT_LOW_SOON, LOW, HIGH, URGENT_HIGH})
RATE_KINDS = frozenset({RISING_FAST, FALLING_FAST})
LOW_SIDE = frozenset({URGENT_LOW, URGENT_LOW_SOON, LOW, FALLING_FAST})
HIGH_SIDE = frozenset({HIGH, URGENT_HIGH, RISING_FAST})
# Quiet hours and mute-all may never silence these.
NEVER_QUIET = frozenset({URGENT_LOW, URGENT_LOW_SOON, STALE_DATA})
# Turning these off needs an explicit confirmation in the request.
CONFIRM_TO_DISABLE = frozenset({URGENT_LOW})

SEVERITY = {
    URGENT_LOW: "urgent",
    URGENT_LOW_SOON: "urgent",
    LOW: "warning",
    HIGH: "warning",
    URGENT_HIGH: "urgent",
    RISING_FAST: "warning",
    FALLING_FAST: "warning",
    STALE_DATA: "warning",  # "urgent" once stale for options["urgent_after_min"]
    PATTERN: "info",
    TEST: "info",
}

MAX_SNOOZE_MIN = {URGENT_LOW: 30, URGENT_LOW_SOON: 30}
DEFAULT_MAX_SNOOZE_MIN = 12 * 60
MAX_MUTE_MIN = 12 * 60

STALE_READING_MIN = 10  # no glucose alert from a reading older than this
EPISODE_REJOIN_MIN = 15  # re-crossing within this continues the episode
HYSTERESIS_MGDL = {URGENT_LOW: 5.0, LOW: 5.0, URGENT_LOW_SOON: 5.0, HIGH: 10.0, URGENT_HIGH: 10.0}
ESCALATE_AFTER_MIN = 10  # urgent low unacknowledged this long: email the emergency contact

# Bounds a threshold must stay within (mg/dL; mg/dL/min for rates; minutes for stale data).
THRESHOLD_BOUNDS: dict[str, tuple[float, float]] = {
    URGENT_LOW: (40.0, 70.0),
    URGENT_LOW_SOON: (40.0, 90.0),
    LOW: (50.0, 110.0),
    HIGH: (120.0, 400.0),
    URGENT_HIGH: (180.0, 400.0),
    RISING_FAST: (1.0, 5.0),
    FALLING_FAST: (1.0, 5.0),
    STALE_DATA: (10.0, 180.0),
}


@dataclass(frozen=True)
class KindConfig:
    kind: str
    enabled: bool
    threshold: float | None
    repeat_min: int | None
    persist_min: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


DEFAULTS: dict[str, KindConfig] = {
    URGENT_LOW: KindConfig(URGENT_LOW, True, 55.0, 5),
    # Forecast <= threshold within options["horizon_min"]; only while falling and below 110.
    URGENT_LOW_SOON: KindConfig(
        URGENT_LOW_SOON, True, 55.0, 5, options={"horizon_min": 20, "below_mgdl": 110.0}
    ),
    LOW: KindConfig(LOW, True, 70.0, 15),
    HIGH: KindConfig(HIGH, True, 250.0, 60),
    URGENT_HIGH: KindConfig(URGENT_HIGH, False, 300.0, 30),
    # 3 consecutive readings or the 15-min slope; falling only below, rising only above 150.
    RISING_FAST: KindConfig(RISING_FAST, False, 2.0, 30, options={"only_beyond_mgdl": 150.0}),
    FALLING_FAST: KindConfig(FALLING_FAST, False, 2.0, 30, options={"only_beyond_mgdl": 150.0}),
    # threshold = minutes without a reading; urgent from options["urgent_after_min"].
    STALE_DATA: KindConfig(STALE_DATA, True, 20.0, 20, options={"urgent_after_min": 60}),
    PATTERN: KindConfig(PATTERN, True, None, None),
}


def effective_configs(rows: Iterable[Any]) -> dict[str, KindConfig]:
    """The defaults overlaid with a user's stored ``AlertConfig`` rows (None fields keep the
    default, except ``persist_min``, whose default is None)."""
    out = dict(DEFAULTS)
    for row in rows:
        base = out.get(row.kind)
        if base is None:
            continue
        out[row.kind] = replace(
            base,
            enabled=bool(row.enabled),
            threshold=row.threshold if row.threshold is not None else base.threshold,
            repeat_min=row.repeat_min if row.repeat_min is not None else base.repeat_min,
            persist_min=row.persist_min,
            options={**base.options, **(row.options or {})},
        )
    return out


# Notification channels besides the WebSocket and the history (always on). A user who never
# chose gets web push (to browsers that subscribed) and no email or webhook: email is opt-in
# because SMTP may not be configured and an inbox is a shared place; a webhook needs a URL.
CHANNELS: tuple[str, ...] = ("email", "push", "webhook")
DEFAULT_CHANNELS: dict[str, bool] = {"email": False, "push": True, "webhook": False}


def effective_channels(stored: dict[str, Any] | None) -> dict[str, bool]:
    """``AlertSettings.channels`` over ``DEFAULT_CHANNELS`` (unknown keys ignored)."""
    out = dict(DEFAULT_CHANNELS)
    for name, on in (stored or {}).items():
        if name in out:
            out[name] = bool(on)
    return out

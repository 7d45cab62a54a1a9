"""The scheduler's rules (alerts/tick.py), pure like alerts/rules.py: stale data and the
urgent-low escalation, which no reading can trigger.
"""

from __future__ import annotations

import datetime as dt

from glucolens.alerts.defaults import (
    ESCALATE_AFTER_MIN,
    STALE_DATA,
    STALE_READING_MIN,
    URGENT_LOW,
    KindConfig,
)
from glucolens.alerts.rules import (
    MINUTE,
    Decision,
    Episode,
    UserAlerting,
    repeat_decision,
    suppression,
)


def stale_severity(minutes: float, cfg: KindConfig) -> str | None:
    """None while data is fresh; warning after ``threshold`` minutes; urgent after
    ``options["urgent_after_min"]``."""
    if minutes >= float(cfg.options.get("urgent_after_min", 60)):
        return "urgent"
    if minutes >= float(cfg.threshold or 20):
        return "warning"
    return None


def stale_data_decision(
    last_reading_at: dt.datetime,
    ep: Episode | None,
    user: UserAlerting,
    now: dt.datetime,
    *,
    glucose_episode_open: bool = False,
) -> Decision | None:
    """The stale-data rule, evaluated by the scheduler. An open glucose episode whose data
    stopped turns into a stale-data alert at the stale guard (10 min), whatever the
    stale-data settings, rather than going quiet; otherwise the user's threshold applies.
    The alert keeps repeating while unacknowledged and notifies again when it turns urgent."""
    cfg = user.configs[STALE_DATA]
    minutes = (now - last_reading_at).total_seconds() / 60.0
    severity = stale_severity(minutes, cfg) if cfg.enabled else None
    if severity is None and glucose_episode_open and minutes >= STALE_READING_MIN:
        severity = "warning"
    details = {"stale_min": int(minutes)}
    if ep is None or not ep.is_open:
        if severity is None:
            return None
        reason = suppression(STALE_DATA, now, user)
        return Decision(
            STALE_DATA,
            "open",
            notify=reason is None,
            reason=reason,
            purpose="raise" if reason is None else None,
            severity=severity,
            details=details,
        )
    if severity is None and minutes < STALE_READING_MIN:
        # Data is back (the engine closes it on the reading; this is the scheduler's net).
        return Decision(STALE_DATA, "close", reason="data_returned", details=details)
    if severity == "urgent" and ep.severity != "urgent":
        reason = suppression(STALE_DATA, now, user)
        return Decision(
            STALE_DATA,
            "severity",
            notify=reason is None,
            reason=reason,
            purpose="repeat" if reason is None else None,
            severity="urgent",
            details=details,
        )
    rep = repeat_decision(STALE_DATA, ep, cfg, user, now)
    if rep is not None:
        rep.details = details
    return rep


def escalation(ep: Episode, user: UserAlerting, now: dt.datetime) -> Decision | None:
    """An urgent low unacknowledged for 10 minutes goes to the emergency contact, once; with
    no contact set the decision is recorded all the same (reason ``no_contact``)."""
    if ep.kind != URGENT_LOW or not ep.is_open or ep.acknowledged_at or ep.escalated_at:
        return None
    if now - ep.opened_at < ESCALATE_AFTER_MIN * MINUTE:
        return None
    if user.has_emergency_contact:
        return Decision(URGENT_LOW, "escalate", notify=True, purpose="escalate")
    return Decision(URGENT_LOW, "escalate", reason="no_contact")

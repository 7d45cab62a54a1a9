"""Writing the rules' decisions (alerts/rules.py) as rows, for the ingest evaluation
(alerts/engine.py) and the scheduler tick (alerts/tick.py): an ``Alert`` per episode, an
``AlertDecision`` per decision (notified, repeated, escalated, suppressed with its reason,
continued, resolved), the notification through ``alerts.delivery.notify`` in the same
transaction, and the ``Broadcast`` of resolved and updated alerts (the API's ``alert_out``).
Also the conversions between those rows and the rules' inputs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from glucolens.alerts import rules
from glucolens.alerts.defaults import LOW, SEVERITY, STALE_DATA, URGENT_LOW, effective_configs
from glucolens.alerts.delivery import notify
from glucolens.alerts.models import Alert, AlertDecision, AlertSettings, AlertSnooze
from glucolens.alerts.service import alert_out
from glucolens.auth.models import User
from glucolens.core import metrics
from glucolens.core.events import Broadcast, publish

# Decision actions as the history shows them (frontend/src/lib/alerts.ts).
ACTION = {"raise": "notified", "repeat": "repeated", "escalate": "escalated"}


def _iso(raw: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def to_episode(a: Alert) -> rules.Episode:
    details = a.details or {}
    return rules.Episode(
        kind=a.kind,
        is_open=a.status == "open",
        opened_at=a.opened_at,
        last_seen_at=a.last_seen_at,
        last_notified_at=a.last_notified_at,
        notify_count=a.notify_count or 0,
        acknowledged_at=a.acknowledged_at,
        escalated_at=a.escalated_at,
        severity=a.severity,
        last_suppressed=details.get("last_suppressed"),
        notify_after=_iso(details.get("notify_after")),
    )


def user_alerting(
    tz: str | None,
    configs: Iterable[Any],
    prefs: AlertSettings | None,
    snoozes: Iterable[AlertSnooze],
) -> rules.UserAlerting:
    return rules.UserAlerting(
        configs=effective_configs(configs),
        tz=tz or "UTC",
        snoozes=tuple(
            rules.Snooze(frozenset(s.kinds or ()), s.until, s.created_at) for s in snoozes
        ),
        quiet_start=prefs.quiet_start if prefs else None,
        quiet_end=prefs.quiet_end if prefs else None,
        quiet_kinds=frozenset(prefs.quiet_kinds or ()) if prefs else frozenset(),
        mute_until=prefs.mute_until if prefs else None,
        has_emergency_contact=bool(prefs and prefs.emergency_contact_email),
    )


def record(
    db: Session,
    alert: Alert,
    action: str,
    reason: str | None,
    now: dt.datetime,
    value_mgdl: float | None = None,
) -> None:
    db.add(
        AlertDecision(
            alert_id=alert.id,
            user_id=alert.user_id,
            at=now,
            action=action,
            reason=reason,
            value_mgdl=value_mgdl,
        )
    )


def _broadcast(db: Session, user: User, alert: Alert, type_: str) -> None:
    data = alert_out(alert, user).model_dump(mode="json", exclude={"decisions"})
    publish(db, Broadcast(user.id, type_, data))


Outbox = list[tuple[Alert, str, dict[str, Any]]]


def send(
    db: Session,
    alert: Alert,
    purpose: str,
    now: dt.datetime,
    outbox: Outbox | None = None,
    **kw: Any,
) -> None:
    """Notify (the delivery rows are written in this transaction), at once or, with an
    ``outbox``, when the caller flushes it (the tick: one batched INSERT of all its episodes
    and decisions before the first notify's flush). The emergency contact's email does not
    move the user's repeat clock."""
    if purpose != "escalate":
        alert.last_notified_at = now
        alert.notify_count = (alert.notify_count or 0) + 1
        details = dict(alert.details or {})
        details.pop("last_suppressed", None)
        alert.details = details
    if outbox is None:
        notify(db, alert, purpose, **kw)
    else:
        outbox.append((alert, purpose, kw))


def suppress(db: Session, user: User, alert: Alert, reason: str, now: dt.datetime) -> None:
    alert.details = {**(alert.details or {}), "last_suppressed": reason}
    _broadcast(db, user, alert, "alert.updated")


def close(
    db: Session,
    user: User,
    alert: Alert,
    reason: str,
    now: dt.datetime,
    value_mgdl: float | None = None,
) -> None:
    alert.status, alert.resolved_at, alert.resolved_reason = "resolved", now, reason
    record(db, alert, "resolved", reason, now, value_mgdl)
    _broadcast(db, user, alert, "alert.resolved")


def apply(
    db: Session,
    user: User,
    episodes: dict[str, Alert],
    d: rules.Decision,
    now: dt.datetime,
    *,
    reading: rules.Reading | None = None,
    configs: Mapping[str, Any] | None = None,
    outbox: Outbox | None = None,
) -> Alert | None:
    """Write one decision: the episode row, its decision row, the notification."""
    alert = episodes.get(d.kind)
    if d.action == "pending":
        return None  # no episode yet: "must persist" is the AlertState's pending timer
    if d.action == "open":
        metrics.ALERTS_RAISED.labels(kind=d.kind).inc()
        cfg = (configs or {}).get(d.kind)
        details = dict(d.details)
        if cfg is not None and cfg.threshold is not None and d.kind != STALE_DATA:
            details["threshold_mgdl"] = cfg.threshold
        alert = Alert(
            id=uuid.uuid4(),
            user_id=user.id,
            kind=d.kind,
            severity=d.severity or SEVERITY.get(d.kind, "warning"),
            status="open",
            opened_at=now,
            trigger_value_mgdl=reading.value_mgdl if reading else None,
            trigger_reading_at=reading.at if reading else None,
            last_value_mgdl=reading.value_mgdl if reading else None,
            last_reading_at=reading.at if reading else None,
            last_seen_at=reading.at if reading else None,
            notify_count=0,
            details=details,
        )
        db.add(alert)
        episodes[d.kind] = alert
    if alert is None:
        return None
    if d.action == "rejoin":
        alert.status, alert.resolved_at, alert.resolved_reason = "open", None, None
        alert.last_seen_at = reading.at if reading else now
        record(db, alert, "continued", d.reason, now, d.value_mgdl)
        _broadcast(db, user, alert, "alert.updated")
        return alert
    if d.action == "close":
        close(db, user, alert, d.reason or "recovered", now, d.value_mgdl)
        return alert
    if d.action == "severity":
        alert.severity = d.severity or alert.severity
    if d.details and d.action != "open":
        alert.details = {**(alert.details or {}), **d.details}
    if d.action == "escalate":
        alert.escalated_at = now
    value = d.value_mgdl if d.value_mgdl is not None else alert.last_value_mgdl
    if d.notify and d.purpose:
        action = "severity" if d.action == "severity" else ACTION[d.purpose]
        record(db, alert, action, None, now, value)
        kw = {"recipient": "emergency_contact"} if d.purpose == "escalate" else {}
        send(db, alert, d.purpose, now, outbox, **kw)
    else:
        action = "escalate" if d.action == "escalate" else "suppressed"
        record(db, alert, action, d.reason, now, value)
        if d.reason:
            metrics.ALERTS_SUPPRESSED.labels(kind=d.kind, reason=d.reason).inc()
        if d.reason and d.action != "escalate":
            suppress(db, user, alert, d.reason, now)
    return alert


def break_low_snoozes(
    db: Session, user_id: uuid.UUID, now: dt.datetime, alert: Alert | None
) -> None:
    """An urgent low opened: snoozes of low or urgent low end now (issue 14, rule 3)."""
    rows = db.scalars(
        select(AlertSnooze).where(
            AlertSnooze.user_id == user_id,
            AlertSnooze.until > now,
            AlertSnooze.cancelled_at.is_(None),
        )
    ).all()
    broken = [s.id for s in rows if {LOW, URGENT_LOW} & set(s.kinds or ())]
    if not broken:
        return
    db.execute(update(AlertSnooze).where(AlertSnooze.id.in_(broken)).values(cancelled_at=now))
    if alert is not None:
        record(db, alert, "snooze_broken", "escalation", now, alert.trigger_value_mgdl)

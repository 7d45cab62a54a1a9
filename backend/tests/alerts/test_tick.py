"""The alerts' scheduler tick (alerts/tick.py) on the real database: stale data, repeats,
escalation and mute expiry. Exactly-once per slot across processes is core/scheduler's
(tests/core/test_scheduler*.py); here each test calls the tick for a given instant.

Stale-data behaviour follows what CGM users ask of Nightscout's server-side "stale data"
alarm (off by default there): warn at 20 min, urgent at 60, and never go quiet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from glucolens.alerts import tick
from glucolens.alerts.models import (
    Alert,
    AlertConfig,
    AlertDecision,
    AlertDelivery,
    AlertSettings,
    AlertState,
)
from glucolens.core.db import utcnow

MIN = dt.timedelta(minutes=1)


def with_state(db, user, last_min_ago: float, value: float = 120.0, now=None) -> dt.datetime:
    now = now or utcnow()
    db.add(
        AlertState(user_id=user.id, last_reading_at=now - last_min_ago * MIN, last_value_mgdl=value)
    )
    db.commit()
    return now


def open_alert(db, user, kind: str, now: dt.datetime, **kw: Any) -> Alert:
    severity = kw.pop("severity", "urgent" if kind.startswith("urgent") else "warning")
    alert = Alert(user_id=user.id, kind=kind, severity=severity, status="open", details={}, **kw)
    alert.opened_at = kw.get("opened_at", now - 30 * MIN)
    db.add(alert)
    db.commit()
    return alert


def rows(db, user) -> list[tuple[str, str, str | None]]:
    db.expire_all()
    return [
        tuple(r)
        for r in db.execute(
            select(Alert.kind, AlertDecision.action, AlertDecision.reason)
            .join(Alert, Alert.id == AlertDecision.alert_id)
            .where(AlertDecision.user_id == user.id)
            .order_by(AlertDecision.id)
        )
    ]


def alerts_of(db, user, kind: str) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).where(Alert.user_id == user.id, Alert.kind == kind)))


def test_stale_data_warns_after_twenty_minutes_without_a_reading(db, make_user):
    user = make_user()
    now = with_state(db, user, 20)
    tick.tick(now)
    (alert,) = alerts_of(db, user, "stale_data")
    assert (alert.status, alert.severity, alert.notify_count) == ("open", "warning", 1)
    assert alert.details["stale_min"] == 20


def test_stale_data_waits_for_the_threshold(db, make_user):
    user = make_user()
    tick.tick(with_state(db, user, 19))
    assert alerts_of(db, user, "stale_data") == []


def test_stale_data_turns_urgent_at_sixty_minutes_and_notifies(db, make_user):
    user = make_user()
    now = with_state(db, user, 60)
    open_alert(db, user, "stale_data", now, last_notified_at=now - 5 * MIN, notify_count=1)
    tick.tick(now)
    (alert,) = alerts_of(db, user, "stale_data")
    assert (alert.severity, alert.notify_count) == ("urgent", 2)
    assert rows(db, user) == [("stale_data", "severity", None)]


def test_stale_data_keeps_alerting_at_its_repeat(db, make_user):
    user = make_user()
    now = with_state(db, user, 25)
    tick.tick(now)
    tick.tick(now + 10 * MIN)  # not due yet
    tick.tick(now + 20 * MIN)
    (alert,) = alerts_of(db, user, "stale_data")
    assert alert.notify_count == 2
    assert rows(db, user) == [("stale_data", "notified", None), ("stale_data", "repeated", None)]


def test_open_low_whose_data_stops_closes_into_a_stale_data_alert(db, make_user):
    user = make_user()
    now = with_state(db, user, 10, value=62)
    open_alert(db, user, "low", now, last_value_mgdl=62, last_notified_at=now - 10 * MIN)
    tick.tick(now)
    (low,) = alerts_of(db, user, "low")
    (stale,) = alerts_of(db, user, "stale_data")
    assert (low.status, low.resolved_reason) == ("resolved", "stale")
    assert stale.status == "open" and stale.details["from_kinds"] == ["low"]


def test_urgent_low_repeats_every_five_minutes_until_acknowledged(db, make_user):
    user = make_user()
    now = with_state(db, user, 2, value=50)
    alert = open_alert(
        db,
        user,
        "urgent_low",
        now,
        last_value_mgdl=50,
        last_notified_at=now - 5 * MIN,
        notify_count=1,
        opened_at=now - 5 * MIN,
    )
    tick.tick(now)
    tick.tick(now + 2 * MIN)
    assert alerts_of(db, user, "urgent_low")[0].notify_count == 2
    alert = db.get(Alert, alert.id)
    alert.acknowledged_at = now + 3 * MIN
    db.commit()
    tick.tick(now + 5 * MIN)
    assert alerts_of(db, user, "urgent_low")[0].notify_count == 2


def test_low_does_not_repeat_from_the_tick_once_the_value_is_back_in_range(db, make_user):
    user = make_user()
    now = with_state(db, user, 2, value=72)
    open_alert(db, user, "low", now, last_value_mgdl=72, last_notified_at=now - 30 * MIN)
    tick.tick(now)
    assert rows(db, user) == []


def test_urgent_low_unacknowledged_ten_minutes_emails_the_emergency_contact(db, make_user):
    user = make_user()
    now = with_state(db, user, 2, value=50)
    db.add(AlertSettings(user_id=user.id, emergency_contact_email="sam@example.org", channels={}))
    alert = open_alert(
        db,
        user,
        "urgent_low",
        now,
        last_value_mgdl=50,
        last_notified_at=now - MIN,
        notify_count=2,
        opened_at=now - 10 * MIN,
    )
    tick.tick(now)
    tick.tick(now + MIN)  # once only
    contact = db.scalars(
        select(AlertDelivery).where(
            AlertDelivery.alert_id == alert.id, AlertDelivery.recipient == "emergency_contact"
        )
    ).all()
    assert [(d.channel, d.purpose) for d in contact] == [("email", "escalate")]
    assert alerts_of(db, user, "urgent_low")[0].escalated_at is not None
    assert ("urgent_low", "escalated", None) in rows(db, user)


def test_escalation_without_an_emergency_contact_is_recorded_with_its_reason(db, make_user):
    user = make_user()
    now = with_state(db, user, 2, value=50)
    open_alert(
        db,
        user,
        "urgent_low",
        now,
        last_value_mgdl=50,
        last_notified_at=now - MIN,
        notify_count=2,
        opened_at=now - 12 * MIN,
    )
    tick.tick(now)
    assert rows(db, user) == [("urgent_low", "escalate", "no_contact")]


def test_quiet_hours_never_silence_stale_data(db, make_user):
    user = make_user()
    now = with_state(db, user, 30)
    db.add(
        AlertSettings(
            user_id=user.id,
            quiet_start="00:00",
            quiet_end="23:59",
            quiet_kinds=["stale_data", "low", "high"],
            mute_until=now + 60 * MIN,
            channels={},
        )
    )
    db.commit()
    tick.tick(now)
    assert alerts_of(db, user, "stale_data")[0].notify_count == 1


def test_ended_mute_is_cleared(db, make_user):
    user = make_user()
    now = utcnow()
    db.add(AlertSettings(user_id=user.id, mute_until=now - MIN, channels={}))
    db.commit()
    assert tick.tick(now).mutes_cleared == 1
    db.expire_all()
    assert db.get(AlertSettings, user.id).mute_until is None


def test_stale_alert_closes_when_data_is_back(db, make_user):
    user = make_user()
    now = with_state(db, user, 1)
    open_alert(db, user, "stale_data", now, last_notified_at=now - 20 * MIN, notify_count=1)
    tick.tick(now)
    assert alerts_of(db, user, "stale_data")[0].resolved_reason == "data_returned"


def test_users_with_fresh_data_and_nothing_open_are_not_candidates(db, make_user):
    fresh, stale = make_user(), make_user()
    now = with_state(db, fresh, 3)
    with_state(db, stale, 12, now=now)
    assert tick.find_candidates(db, now) == [stale.id]


def test_a_user_whose_rows_fail_does_not_hold_back_the_others(db, make_user):
    broken, fine = make_user(), make_user()
    now = with_state(db, broken, 25)
    with_state(db, fine, 25, now=now)
    # Options that are not an object (written around the API's validation) break evaluation.
    db.add(AlertConfig(user_id=broken.id, kind="low", enabled=True, options=[1]))
    db.commit()
    report = tick.tick(now)
    assert report.failed == 1
    assert alerts_of(db, fine, "stale_data")[0].notify_count == 1


def test_the_tick_is_registered_as_a_sixty_second_periodic_job():
    from glucolens.core.scheduler import registered
    from glucolens.subscribers import wire_subscribers

    wire_subscribers()
    job = next(j for j in registered() if j.name == "alerts.tick")
    assert job.every == dt.timedelta(seconds=60) and job.fn is tick.run_tick


def test_rule8_each_notification_is_a_delivery_of_the_same_alert_row(db, make_user):
    user = make_user()
    now = with_state(db, user, 25)
    tick.tick(now)
    tick.tick(now + 20 * MIN)
    (alert,) = alerts_of(db, user, "stale_data")
    purposes = db.scalars(
        select(AlertDelivery.purpose)
        .where(AlertDelivery.alert_id == alert.id, AlertDelivery.channel == "websocket")
        .order_by(AlertDelivery.id)
    ).all()
    assert purposes == ["raise", "repeat"]

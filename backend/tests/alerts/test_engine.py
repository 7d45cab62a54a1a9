"""Alert evaluation on ingest (alerts/engine.py), through the real API and database.

Readings are posted the way uploaders post them (one live 5-minute CGM reading per request,
as xDrip+ and Nightscout uploaders do; a Clarity export as one big batch of history)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from glucolens.alerts.models import (
    Alert,
    AlertConfig,
    AlertDecision,
    AlertDelivery,
    AlertSettings,
    AlertSnooze,
    AlertState,
)
from glucolens.auth.models import User
from glucolens.core.db import get_sessionmaker

MIN = dt.timedelta(minutes=1)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def account(make_user, auth_headers):
    user = make_user()
    return user, auth_headers(user)


def post(client, headers, *points: tuple[dt.datetime, float], source: str = "xdrip") -> None:
    items = [{"timestamp": t.isoformat(), "value": v, "source": source} for t, v in points]
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code in (200, 201), r.text
    assert r.json()["inserted"] == len(items)


def alerts(user: User) -> list[Alert]:
    with get_sessionmaker()() as db:
        return list(
            db.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.opened_at))
        )


def decisions(user: User) -> list[tuple[str, str, str | None]]:
    with get_sessionmaker()() as db:
        rows = db.execute(
            select(Alert.kind, AlertDecision.action, AlertDecision.reason)
            .join(Alert, Alert.id == AlertDecision.alert_id)
            .where(AlertDecision.user_id == user.id)
            .order_by(AlertDecision.id)
        ).all()
    return [tuple(r) for r in rows]


def test_live_low_reading_opens_one_alert_notified_over_the_websocket(client, account):
    user, headers = account
    post(client, headers, (now() - MIN, 65))
    (alert,) = alerts(user)
    assert (alert.kind, alert.status, alert.severity) == ("low", "open", "warning")
    assert alert.trigger_value_mgdl == 65 and alert.notify_count == 1
    assert decisions(user) == [("low", "notified", None)]
    with get_sessionmaker()() as db:
        channels = db.scalars(
            select(AlertDelivery.channel).where(AlertDelivery.alert_id == alert.id)
        )
        assert "websocket" in set(channels)


def test_rule1_backfill_of_thirty_days_with_lows_raises_none(client, account):
    user, headers = account
    end = now() - 2 * 60 * MIN
    history = [(end - i * 5 * MIN, 50.0 if i % 40 < 6 else 120.0) for i in range(30 * 288)]
    post(client, headers, *history, source="dexcom_clarity")
    assert alerts(user) == []


def test_rule1_history_ending_now_is_judged_on_its_newest_reading_only(client, account):
    user, headers = account
    end = now() - MIN
    history = [(end - i * 5 * MIN, 50.0 if 0 < i < 10 else 120.0) for i in range(288)]
    post(client, headers, *history)
    assert alerts(user) == []


def test_rule1_a_batch_already_evaluated_is_not_evaluated_again(client, account):
    user, headers = account
    t = now() - 2 * MIN
    post(client, headers, (t, 65))
    # An older reading arriving late (a second uploader's gap fill) changes nothing.
    post(client, headers, (t - 3 * MIN, 40), source="nightscout")
    assert decisions(user) == [("low", "notified", None)]
    with get_sessionmaker()() as db:
        state = db.get(AlertState, user.id)
        assert state is not None and (state.last_reading_at, state.last_value_mgdl) == (t, 65)


def test_rule2_reading_older_than_ten_minutes_alerts_nothing(client, account):
    user, headers = account
    post(client, headers, (now() - 11 * MIN, 40))
    assert alerts(user) == []


def test_rule4_recovery_closes_only_past_the_hysteresis_margin(client, account):
    user, headers = account
    t = now() - 9 * MIN
    post(client, headers, (t, 66))
    post(client, headers, (t + 3 * MIN, 73))
    assert alerts(user)[0].status == "open"
    post(client, headers, (t + 6 * MIN, 76))
    (alert,) = alerts(user)
    assert (alert.status, alert.resolved_reason) == ("resolved", "recovered")
    assert decisions(user)[-1] == ("low", "resolved", "recovered")


def test_rule4_recrossing_within_fifteen_minutes_continues_the_same_alert(client, account):
    user, headers = account
    t = now() - 9 * MIN
    post(client, headers, (t, 66))
    post(client, headers, (t + 3 * MIN, 76))
    post(client, headers, (t + 6 * MIN, 67))
    (alert,) = alerts(user)
    assert alert.status == "open" and alert.notify_count == 1
    assert decisions(user) == [
        ("low", "notified", None),
        ("low", "resolved", "recovered"),
        ("low", "continued", "episode_open"),
    ]


def test_rule3_urgent_low_breaks_a_low_snooze_and_notifies(client, account, db):
    user, headers = account
    db.add(AlertSnooze(user_id=user.id, kinds=["low"], until=now() + 60 * MIN))
    db.commit()
    post(client, headers, (now() - MIN, 50))
    by_kind = {a.kind: a for a in alerts(user)}
    assert by_kind["urgent_low"].notify_count == 1
    # Low was decided under the snooze (no double alarm); the snooze ends for what follows.
    assert ("low", "suppressed", "snoozed") in decisions(user)
    db.expire_all()
    assert db.scalars(select(AlertSnooze.cancelled_at)).one() is not None
    assert ("urgent_low", "snooze_broken", "escalation") in decisions(user)


def test_rule3_cancelled_snooze_silences_nothing(client, account, db):
    user, headers = account
    db.add(AlertSnooze(user_id=user.id, kinds=["high"], until=now() + 60 * MIN, cancelled_at=now()))
    db.commit()
    post(client, headers, (now() - MIN, 260))
    assert decisions(user) == [("high", "notified", None)]


def test_rule5_suppressed_notification_is_recorded_with_its_reason(client, account, db):
    user, headers = account
    db.add(AlertSettings(user_id=user.id, mute_until=now() + 60 * MIN, quiet_kinds=[], channels={}))
    db.commit()
    post(client, headers, (now() - MIN, 260))
    (alert,) = alerts(user)
    assert alert.notify_count == 0 and alert.details["last_suppressed"] == "muted"
    assert decisions(user) == [("high", "suppressed", "muted")]


def test_rule2_a_reading_closes_the_open_stale_data_alert(client, account, db):
    user, headers = account
    db.add(Alert(user_id=user.id, kind="stale_data", severity="warning", status="open", details={}))
    db.commit()
    post(client, headers, (now() - MIN, 120))
    (alert,) = alerts(user)
    assert (alert.status, alert.resolved_reason) == ("resolved", "data_returned")


def test_evaluation_failure_never_breaks_ingest_and_logs_no_values(client, account, db, caplog):
    user, headers = account
    # A config row whose options are not an object (written around the API's validation)
    # makes the evaluation itself raise.
    db.add(AlertConfig(user_id=user.id, kind="low", enabled=True, options=[61.7]))
    db.commit()
    with caplog.at_level(logging.ERROR, logger="glucolens.alerts.engine"):
        post(client, headers, (now() - MIN, 61.7))
    (failed,) = [r for r in caplog.records if r.getMessage() == "alert evaluation failed"]
    assert failed.fields == {"user_id": str(user.id), "error": "TypeError"}  # type: ignore[attr-defined]
    assert failed.exc_info is None  # no traceback, whose text could hold the values
    assert alerts(user) == []  # rolled back as a whole


def test_two_evaluations_of_the_same_reading_at_once_notify_once(account, db):
    """Two processes (or the tick and an ingest) evaluating one user at the same moment: the
    AlertState lock lets one decide; the other sees the reading already evaluated."""
    import threading

    from glucolens.alerts import engine
    from glucolens.core.events import DataChanged
    from glucolens.readings.models import GlucoseReading

    user, _ = account
    t = now() - MIN
    db.add(GlucoseReading(user_id=user.id, ts=t, value_mgdl=64.0, source="xdrip", kind="cgm"))
    db.commit()  # a plain row: no DataChanged, so nothing has evaluated it yet
    evt = DataChanged(user.id, frozenset({"glucose"}), t, t, t, "xdrip")
    start = threading.Barrier(2)

    def evaluate() -> None:
        start.wait()
        engine.on_data_changed(evt)

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert decisions(user) == [("low", "notified", None)]


def test_evaluations_raised_and_suppressed_alerts_are_counted_for_prometheus(
    make_user, auth_headers, db
):
    import re

    from fastapi.testclient import TestClient

    from glucolens.core.config import Settings
    from glucolens.main import create_app

    token = "metrics-token-for-engine-tests"
    client = TestClient(create_app(Settings(metrics_token=token)), base_url="https://testserver")

    def sample(series: str) -> float:
        text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
        m = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    names = (
        'glucolens_alert_evaluations_total{trigger="ingest"}',
        'glucolens_alerts_raised_total{kind="high"}',
        'glucolens_alert_notifications_suppressed_total{kind="high",reason="muted"}',
    )
    before = [sample(n) for n in names]
    user = make_user()
    db.add(AlertSettings(user_id=user.id, mute_until=now() + 60 * MIN, channels={}))
    db.commit()
    post(client, auth_headers(user), (now() - MIN, 262))
    assert [sample(n) - b for n, b in zip(names, before, strict=True)] == [1, 1, 1]

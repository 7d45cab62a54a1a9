"""notify(): which delivery rows a notification gets, that everything goes out after commit
only, and what each recipient reads (real SMTP, push and webhook servers)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from glucolens.alerts.delivery import notify, wait_for
from glucolens.alerts.models import Alert, AlertDelivery, AlertSettings, PushSubscription
from glucolens.core.events import Broadcast, subscribe, unsubscribe
from glucolens.core.logging import configure_logging
from glucolens.subscribers import wire_subscribers
from tests.alerts._delivery_servers import (
    BrowserKeys,
    body_of,
    start_receiver,
)

VALUE_MGDL = 47.3  # distinctive, so a leak into logs or a contact's mail is unmistakable

pytestmark = pytest.mark.usefixtures("short_delivery_timeout")


@pytest.fixture
def broadcasts() -> Iterator[list[Broadcast]]:
    wire_subscribers()
    seen: list[Broadcast] = []
    subscribe(Broadcast, seen.append)
    yield seen
    unsubscribe(Broadcast, seen.append)


def make_alert(db, user, kind="urgent_low", severity="urgent", value=VALUE_MGDL) -> Alert:
    alert = Alert(
        user_id=user.id,
        kind=kind,
        severity=severity,
        trigger_value_mgdl=value,
        last_value_mgdl=value,
        details={},
    )
    db.add(alert)
    db.flush()
    return alert


def settings_row(db, user, **kw) -> AlertSettings:
    row = AlertSettings(user_id=user.id, **kw)
    db.add(row)
    db.flush()
    return row


def add_subscription(db, user, endpoint: str, keys: BrowserKeys) -> PushSubscription:
    """Stored directly: the API only accepts public https push services (tested in
    test_push_api.py); the sender itself posts wherever the stored endpoint points."""
    sub = PushSubscription(
        user_id=user.id,
        endpoint=endpoint,
        endpoint_hash=uuid.uuid4().hex,
        p256dh=keys.p256dh,
        auth=keys.auth_b64,
    )
    db.add(sub)
    db.flush()
    return sub


def notify_and_commit(db, alert, purpose="raise", **kw) -> list[AlertDelivery]:
    rows = notify(db, alert, purpose, **kw)
    ids = [r.id for r in rows]
    db.commit()
    assert wait_for(ids, 10)
    return list(
        db.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.id.in_(ids))
            .order_by(AlertDelivery.id)
            .execution_options(populate_existing=True)
        )
    )


def channels_of(rows) -> list[tuple[str, str, str | None]]:
    return [(r.channel, r.status, r.last_error) for r in rows]


def test_raise_broadcasts_alert_raised_after_commit_and_marks_websocket_sent(
    db, make_user, broadcasts, client
):
    """``client``: a running app in this process, whose hub can publish."""
    user = make_user()
    alert = make_alert(db, user)
    notify(db, alert, "raise")
    assert broadcasts == []  # nothing before commit
    db.commit()
    (msg,) = broadcasts
    assert (msg.user_id, msg.type, msg.data["id"]) == (user.id, "alert.raised", str(alert.id))
    assert msg.data["title"] == "Urgent low: 47 mg/dL"
    db.expire_all()
    (row,) = db.scalars(select(AlertDelivery)).all()
    wait_for([row.id], 5)
    db.refresh(row)
    assert (row.channel, row.status, row.recipient) == ("websocket", "sent", "user")


def test_a_websocket_message_the_hub_could_not_publish_is_recorded_failed_not_sent(
    db, make_user, broadcasts
):
    """No server in this process and no Redis: nobody can receive it, and the row says so."""
    alert = make_alert(db, make_user())
    notify(db, alert, "raise")
    db.commit()
    assert len(broadcasts) == 1
    db.expire_all()
    (row,) = db.scalars(select(AlertDelivery)).all()
    wait_for([row.id], 5)
    db.refresh(row)
    assert (row.channel, row.status, row.last_error) == ("websocket", "failed", "hub_unavailable")


def test_repeat_broadcasts_alert_updated(db, make_user, broadcasts):
    alert = make_alert(db, make_user())
    notify_and_commit(db, alert, "repeat")
    assert [b.type for b in broadcasts] == ["alert.updated"]


def test_rollback_sends_and_broadcasts_nothing(db, make_user, broadcasts, inbox):
    user = make_user()
    settings_row(db, user, channels={"email": True})
    db.commit()
    notify(db, make_alert(db, user), "raise")
    db.rollback()
    assert broadcasts == []
    assert db.scalars(select(AlertDelivery)).all() == []
    assert inbox.messages == []


def test_email_without_smtp_is_recorded_as_failed_not_skipped(db, make_user, broadcasts, client):
    user = make_user()
    settings_row(db, user, channels={"email": True, "push": False})
    rows = notify_and_commit(db, make_alert(db, user))
    assert channels_of(rows) == [
        ("websocket", "sent", None),
        ("email", "failed", "smtp not configured"),
    ]


def test_email_channel_mails_the_user(db, make_user, broadcasts, inbox):
    user = make_user(email="pat@example.org")
    settings_row(db, user, channels={"email": True, "push": False})
    rows = notify_and_commit(db, make_alert(db, user))
    assert channels_of(rows)[1] == ("email", "sent", None)
    (message,) = inbox.messages
    assert message["To"] == "pat@example.org"
    assert message["Subject"] == "GlucoLens: Urgent low: 47 mg/dL"
    body = body_of(message)
    assert "Glucose is 47 mg/dL" in body
    assert f"https://glucolens.example/alerts/?alert={rows[0].alert_id}" in body


def test_delivery_logs_hold_no_glucose_value_address_or_url(
    db, make_user, broadcasts, inbox, receivers, caplog, client
):
    caplog.set_level(logging.DEBUG)  # first: it restores the root level afterwards
    configure_logging("DEBUG")  # the app's own logging setup, at its most verbose
    hook = start_receiver([500])  # a failure, so the delivery code has something to log
    receivers.append(hook)
    inbox.refuse_rcpt = "550 5.1.1 <pat@example.org> unknown"
    user = make_user(email="pat@example.org")
    url = f"{hook.base}/secret-token-xyz"
    settings_row(db, user, channels={"email": True, "webhook": True}, webhook_url=url)
    rows = notify_and_commit(db, make_alert(db, user))
    assert [r.last_error for r in rows] == [None, "smtp_550", "webhook_500"]
    # Every record but the test SMTP server's own (aiosmtpd logs the whole conversation).
    ours = "\n".join(
        f"{r.getMessage()} {getattr(r, 'fields', '')}"
        for r in caplog.records
        if r.name != "mail.log"
    )
    assert "alert delivery not sent" in ours
    for secret in ("47", "pat@example.org", "secret-token-xyz"):
        assert secret not in ours


def test_email_in_mmol_for_a_mmol_user(db, make_user, broadcasts, inbox):
    user = make_user(unit="mmol/L")
    settings_row(db, user, channels={"email": True, "push": False})
    notify_and_commit(db, make_alert(db, user))
    assert inbox.messages[0]["Subject"] == "GlucoLens: Urgent low: 2.6 mmol/L"


def test_emergency_contact_gets_one_email_without_the_glucose_value(
    db, make_user, broadcasts, inbox
):
    user = make_user(display_name="Pat")
    settings_row(
        db,
        user,
        channels={"email": True, "push": True, "webhook": True},
        webhook_url="https://hooks.example.org/x",
        emergency_contact_name="Sam",
        emergency_contact_email="sam@example.org",
    )
    rows = notify_and_commit(db, make_alert(db, user), "escalate", recipient="emergency_contact")
    assert [(r.channel, r.recipient, r.status) for r in rows] == [
        ("email", "emergency_contact", "sent")
    ]
    # The user's apps hear of it (alert.updated), with no WebSocket row: the email is the
    # delivery.
    assert [b.type for b in broadcasts] == ["alert.updated"]
    (message,) = inbox.messages
    assert inbox.recipients == [["sam@example.org"]]
    body = body_of(message)
    assert body.startswith("Hello Sam,") and "Pat has an urgent low glucose alert" in body
    assert "47" not in body and "47" not in message["Subject"]
    assert "mg/dL" not in body


def test_no_emergency_contact_means_no_rows(db, make_user, broadcasts):
    user = make_user()
    settings_row(db, user, channels={"email": True})
    assert notify(db, make_alert(db, user), "escalate", recipient="emergency_contact") == []


def test_push_goes_to_each_active_subscription_and_decrypts(
    db, make_user, broadcasts, receivers, client
):
    service = start_receiver([201])
    receivers.append(service)
    user = make_user()
    settings_row(db, user, channels={"push": True})
    keys = [BrowserKeys.generate(), BrowserKeys.generate()]
    subs = [add_subscription(db, user, f"{service.base}/s/{i}", k) for i, k in enumerate(keys)]
    dead = add_subscription(db, user, f"{service.base}/s/dead", BrowserKeys.generate())
    dead.disabled_at = dead.created_at
    alert = make_alert(db, user)
    rows = notify_and_commit(db, alert)
    assert sorted(r.push_subscription_id for r in rows if r.channel == "push") == sorted(
        s.id for s in subs
    )
    assert all(r.status == "sent" for r in rows)
    by_path = {req.path: req for req in service.requests}
    for i, k in enumerate(keys):
        message = k.decrypt(by_path[f"/s/{i}"].body)
        assert (message["id"], message["title"], message["value"]) == (
            str(alert.id),
            "Urgent low: 47 mg/dL",
            47.3,
        )
        assert by_path[f"/s/{i}"].headers["urgency"] == "high"
    db.refresh(subs[0])
    assert subs[0].last_success_at is not None


def test_push_410_disables_the_subscription(db, make_user, broadcasts, receivers):
    service = start_receiver([410])
    receivers.append(service)
    user = make_user()
    settings_row(db, user, channels={"push": True})
    sub = add_subscription(db, user, f"{service.base}/s", BrowserKeys.generate())
    rows = notify_and_commit(db, make_alert(db, user))
    assert channels_of(rows)[1] == ("push", "gone", "push_410")
    db.refresh(sub)
    assert sub.disabled_at is not None
    notify_and_commit(db, make_alert(db, user, kind="low", severity="warning"))
    assert len(service.requests) == 1  # never tried again


def test_webhook_channel_posts_the_documented_payload(db, make_user, broadcasts, receivers):
    hook = start_receiver([200])
    receivers.append(hook)
    user = make_user()
    settings_row(db, user, channels={"webhook": True, "push": False}, webhook_url=f"{hook.base}/h")
    alert = make_alert(db, user)
    rows = notify_and_commit(db, alert)
    assert channels_of(rows)[1] == ("webhook", "sent", None)
    payload = json.loads(hook.requests[0].body)
    assert {k: payload[k] for k in ("id", "kind", "severity", "title", "value", "unit")} == {
        "id": str(alert.id),
        "kind": "urgent_low",
        "severity": "urgent",
        "title": "Urgent low: 47 mg/dL",
        "value": 47.3,
        "unit": "mg/dL",
    }
    assert payload["url"].endswith(f"/alerts/?alert={alert.id}") and payload["at"].endswith("Z")


def test_a_pattern_feed_item_goes_to_the_websocket_only(db, make_user, broadcasts, client):
    user = make_user()
    settings_row(db, user, channels={"email": True, "push": True})
    alert = make_alert(db, user, kind="pattern", severity="info", value=None)
    rows = notify_and_commit(db, alert, "feed")
    assert channels_of(rows) == [("websocket", "sent", None)]


def test_unknown_purpose_is_refused(db, make_user):
    with pytest.raises(ValueError):
        notify(db, make_alert(db, make_user()), "shout")


def test_a_live_urgent_low_posted_through_the_api_reaches_push_and_webhook(
    client, make_user, auth_headers, db, receivers
):
    """End to end: ingest -> engine (after commit) -> notify -> pool -> channels."""
    service, hook = start_receiver([201]), start_receiver([200])
    receivers.extend([service, hook])
    user = make_user()
    keys = BrowserKeys.generate()
    settings_row(db, user, channels={"push": True, "webhook": True}, webhook_url=f"{hook.base}/h")
    add_subscription(db, user, f"{service.base}/p", keys)
    db.commit()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = {"timestamp": now.isoformat(), "value": 48, "device": "Dexcom G7"}
    assert client.post("/api/v1/glucose", json=body, headers=auth_headers(user)).status_code == 201

    def kinds() -> tuple[set[str], set[str]]:
        pushed = {keys.decrypt(r.body)["title"] for r in list(service.requests)}
        posted = {json.loads(r.body)["kind"] for r in list(hook.requests)}
        return pushed, posted

    def arrived() -> bool:
        # The engine decides which kinds fire (it may open low beside urgent low).
        pushed, posted = kinds()
        return "Urgent low: 48 mg/dL" in pushed and "urgent_low" in posted

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not arrived():
        time.sleep(0.02)
    assert arrived(), kinds()
    rows = db.scalars(select(AlertDelivery.id)).all()
    assert wait_for(rows, 10)  # the other sends finish before the tables are cleaned

"""/api/v1/alerts/push (subscriptions, VAPID public key) and POST /api/v1/alerts/test.

Subscription bodies have the shape of the browser's ``PushSubscription.toJSON()`` (W3C Push
API; keys per RFC 8291 section 3: p256dh a 65-byte uncompressed P-256 point, auth 16 bytes),
with endpoints shaped like the real push services' (FCM, Mozilla autopush)."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from glucolens.alerts import push_service
from glucolens.alerts.models import Alert, AlertSettings, PushSubscription
from glucolens.alerts.push_schemas import PushSubscriptionIn
from glucolens.alerts.vapid import get_vapid
from glucolens.core.db import get_sessionmaker
from glucolens.main import create_app
from tests.alerts._delivery_servers import BrowserKeys, b64url, b64url_decode, start_receiver
from tests.auth.test_api_keys import create_key

P = "/api/v1/alerts/push"
FCM = "https://fcm.googleapis.com/fcm/send/dGVzdC1lbmRwb2ludA:APA91bH"
MOZ = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk"

pytestmark = pytest.mark.usefixtures("short_delivery_timeout")


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app()


def browser_json(endpoint: str = FCM, keys: BrowserKeys | None = None) -> dict[str, Any]:
    keys = keys or BrowserKeys.generate()
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth_b64},
    }


def test_the_public_key_is_the_signing_keys_uncompressed_point(client, make_user, auth_headers):
    r = client.get(f"{P}/vapid-public-key", headers=auth_headers(make_user()))
    assert r.status_code == 200
    key = r.json()["public_key"]
    raw = b64url_decode(key)
    assert (len(raw), raw[0], "=" in key) == (65, 4, False)
    assert key == get_vapid().public_key


def test_subscribe_stores_the_subscription_and_shows_only_its_origin(
    client, make_user, auth_headers, db
):
    user = make_user()
    r = client.post(f"{P}/subscriptions", json=browser_json(), headers=auth_headers(user))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["endpoint_origin"], body["active"], body["failures"]) == (
        "https://fcm.googleapis.com",
        True,
        0,
    )
    assert "APA91bH" not in r.text  # the endpoint itself is a capability URL
    (row,) = db.scalars(select(PushSubscription)).all()
    assert (row.user_id, row.endpoint) == (user.id, FCM)


def test_subscribing_the_same_endpoint_again_updates_keys_and_reenables(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    first = client.post(f"{P}/subscriptions", json=browser_json(MOZ), headers=headers).json()
    row = db.scalar(select(PushSubscription))
    row.disabled_at = row.created_at
    db.commit()
    fresh = BrowserKeys.generate()
    again = client.post(f"{P}/subscriptions", json=browser_json(MOZ, fresh), headers=headers).json()
    assert again["id"] == first["id"] and again["active"] is True
    db.expire_all()
    (row,) = db.scalars(select(PushSubscription)).all()
    assert (row.p256dh, row.auth) == (fresh.p256dh, fresh.auth_b64)


def test_an_endpoint_moves_to_the_account_that_subscribed_it_last(
    client, make_user, auth_headers, db
):
    """Two people sharing a browser profile: the first one's alerts stop going there."""
    alice, bob = make_user(), make_user()
    client.post(f"{P}/subscriptions", json=browser_json(), headers=auth_headers(alice))
    client.post(f"{P}/subscriptions", json=browser_json(), headers=auth_headers(bob))
    assert [r.user_id for r in db.scalars(select(PushSubscription))] == [bob.id]


def _bad_point() -> str:
    raw = bytearray(b64url_decode(BrowserKeys.generate().p256dh))
    raw[-1] ^= 1  # no longer on the curve
    return b64url(bytes(raw))


BAD_KEYS = [
    ("p256dh", b64url(b"\x04" + b"\x01" * 63)),  # 64 bytes
    ("p256dh", "not base64url!"),
    ("p256dh", b64url(b"\x02" + b"\x01" * 64)),  # not uncompressed
    ("p256dh", "BAD"),
    ("auth", b64url(b"\x01" * 15)),
    ("auth", b64url(b"\x01" * 17)),
    ("auth", "%%%"),
]


def test_malformed_keys_are_refused_naming_the_key(client, make_user, auth_headers):
    # A loop, not parametrize: on PostgreSQL each test case costs a truncation.
    headers = auth_headers(make_user())
    for field, value in BAD_KEYS:
        body = browser_json()
        body["keys"][field] = value
        r = client.post(f"{P}/subscriptions", json=body, headers=headers)
        assert r.status_code == 422, (field, value, r.text)
        assert field in r.text, (field, value)


def test_a_p256dh_that_is_not_a_curve_point_is_refused(client, make_user, auth_headers):
    body = browser_json()
    body["keys"]["p256dh"] = _bad_point()
    r = client.post(f"{P}/subscriptions", json=body, headers=auth_headers(make_user()))
    assert r.status_code == 422 and "P-256" in r.text


BAD_ENDPOINTS = [
    "http://fcm.googleapis.com/fcm/send/x",
    "https://localhost/push",
    "https://127.0.0.1:8443/push",
    "https://10.0.0.5/push",
    "https://169.254.169.254/latest",
    "https://[::1]/push",
    "not a url",
    "https://example.org:99999/x",
]


def test_endpoint_must_be_a_public_https_push_service(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    for endpoint in BAD_ENDPOINTS:
        r = client.post(f"{P}/subscriptions", json=browser_json(endpoint), headers=headers)
        assert r.status_code == 422, (endpoint, r.text)
        assert "endpoint" in r.text, endpoint


def test_subscriptions_are_listed_per_user(client, make_user, auth_headers):
    alice, bob = make_user(), make_user()
    client.post(f"{P}/subscriptions", json=browser_json(FCM), headers=auth_headers(alice))
    client.post(f"{P}/subscriptions", json=browser_json(MOZ), headers=auth_headers(bob))
    items = client.get(f"{P}/subscriptions", headers=auth_headers(alice)).json()["items"]
    assert [i["endpoint_origin"] for i in items] == ["https://fcm.googleapis.com"]


def test_delete_removes_own_subscription_and_404s_on_anyone_elses(client, make_user, auth_headers):
    alice, bob = make_user(), make_user()
    sub = client.post(f"{P}/subscriptions", json=browser_json(), headers=auth_headers(alice)).json()
    assert (
        client.delete(f"{P}/subscriptions/{sub['id']}", headers=auth_headers(bob)).status_code
        == 404
    )
    assert (
        client.delete(f"{P}/subscriptions/{sub['id']}", headers=auth_headers(alice)).status_code
        == 204
    )
    assert client.get(f"{P}/subscriptions", headers=auth_headers(alice)).json()["items"] == []
    r = client.delete(f"{P}/subscriptions/{uuid.uuid4()}", headers=auth_headers(alice))
    assert r.status_code == 404


def test_an_api_key_reads_the_public_key_but_cannot_subscribe_or_test(
    client, make_user, auth_headers
):
    user = make_user()
    key = create_key(client, auth_headers(user), ["read", "write:readings"]).json()["key"]
    headers = {"X-API-Key": key}
    assert client.get(f"{P}/vapid-public-key", headers=headers).status_code == 200
    assert (
        client.post(f"{P}/subscriptions", json=browser_json(), headers=headers).status_code == 403
    )
    assert client.post("/api/v1/alerts/test", headers=headers).status_code == 403


# ---------------------------------------------------------------- POST /api/v1/alerts/test


def test_the_test_notification_goes_through_every_enabled_channel(
    client, make_user, auth_headers, db, inbox, receivers
):
    push_service, hook = start_receiver([201]), start_receiver([200])
    receivers.extend([push_service, hook])
    user = make_user(email="me@example.org")
    keys = BrowserKeys.generate()
    db.add(
        AlertSettings(
            user_id=user.id,
            channels={"email": True, "push": True, "webhook": True},
            webhook_url=f"{hook.base}/h",
        )
    )
    db.add(
        PushSubscription(
            user_id=user.id,
            endpoint=f"{push_service.base}/p",
            endpoint_hash="x",
            p256dh=keys.p256dh,
            auth=keys.auth_b64,
        )
    )  # local service: see test_delivery
    db.commit()
    r = client.post("/api/v1/alerts/test", headers=auth_headers(user))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["complete"] is True
    assert sorted((d["channel"], d["status"]) for d in out["deliveries"]) == [
        ("email", "sent"),
        ("push", "sent"),
        ("webhook", "sent"),
        ("websocket", "sent"),
    ]
    assert inbox.messages[0]["Subject"] == "GlucoLens: Test notification"
    assert keys.decrypt(push_service.requests[0].body)["kind"] == "test"
    assert json.loads(hook.requests[0].body)["kind"] == "test"
    alert = db.get(Alert, uuid.UUID(out["alert_id"]))
    assert (alert.kind, alert.severity, alert.status) == ("test", "info", "resolved")
    assert alert.read_at is not None  # never an unread or open alert


def test_the_test_notification_shows_email_failing_without_smtp(
    client, make_user, auth_headers, db
):
    user = make_user()
    db.add(AlertSettings(user_id=user.id, channels={"email": True, "push": False}))
    db.commit()
    out = client.post("/api/v1/alerts/test", headers=auth_headers(user)).json()
    assert sorted((d["channel"], d["status"], d["last_error"]) for d in out["deliveries"]) == [
        ("email", "failed", "smtp not configured"),
        ("websocket", "sent", None),
    ]


def test_test_notifications_are_rate_limited(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    codes = [client.post("/api/v1/alerts/test", headers=headers).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_the_public_key_is_base64url_of_the_x962_point():
    """applicationServerKey accepts exactly this form (Push API, PushSubscriptionOptions)."""
    key = get_vapid().public_key
    assert base64.urlsafe_b64decode(key + "=")[:1] == b"\x04"


def test_two_tabs_subscribing_one_endpoint_at_once_leave_one_row(make_user, db):
    """The second upsert waits on the first's row (PostgreSQL: on the unique index, then
    takes the savepoint path; SQLite: on the write lock) and updates it."""
    user = make_user()
    body = PushSubscriptionIn.model_validate(browser_json(MOZ))
    first, second = get_sessionmaker()(), get_sessionmaker()()
    try:
        a = push_service.upsert_subscription(first, first.merge(user), body, "tab 1")
        result: list[Any] = []
        other = threading.Thread(
            target=lambda: result.append(
                push_service.upsert_subscription(second, second.merge(user), body, "tab 2")
            )
        )
        other.start()
        time.sleep(0.3)  # the other tab is now waiting on this one's uncommitted row
        first.commit()
        other.join(20)
        second.commit()
    finally:
        first.close()
        second.close()
    assert result and result[0].id == a.id
    rows = db.scalars(select(PushSubscription)).all()
    assert [(r.id, r.user_agent) for r in rows] == [(a.id, "tab 2")]

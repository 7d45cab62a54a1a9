"""The senders against real local servers: SMTP (aiosmtpd), a Web Push service that decrypts
(RFC 8291) and verifies VAPID (RFC 8292), and a webhook receiver."""

from __future__ import annotations

import time

import pytest

from glucolens.alerts import channels
from glucolens.alerts.channels import send_email, send_push, send_webhook, validate_webhook_url
from glucolens.alerts.vapid import get_vapid
from glucolens.core.config import get_settings
from tests.alerts._delivery_servers import (
    BrowserKeys,
    free_port,
    start_receiver,
    verify_vapid,
)

PAYLOAD = {"title": "Urgent low: 52 mg/dL", "body": "Glucose is 52 mg/dL.", "kind": "urgent_low"}

pytestmark = pytest.mark.usefixtures("short_delivery_timeout")


def push_to(receiver, keys: BrowserKeys, **kw):
    subscription = {
        "endpoint": f"{receiver.base}/wpush/v2/abc",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth_b64},
    }
    args = {"vapid": get_vapid(), "ttl_s": 1800, "urgency": "high", "timeout_s": 3.0}
    args.update(kw)
    return send_push(subscription, PAYLOAD, **args)


# ---------------------------------------------------------------- email


def test_email_reaches_the_smtp_server_with_subject_body_and_recipient(inbox):
    outcome = send_email("me@example.org", "GlucoLens: Low", "Low at 10:02.", get_settings())
    assert outcome.ok
    (message,) = inbox.messages
    assert message["Subject"] == "GlucoLens: Low"
    assert message["To"] == "me@example.org"
    assert inbox.recipients == [["me@example.org"]]
    assert "Low at 10:02." in message.get_payload(decode=True).decode()


def test_email_refused_recipient_is_a_permanent_failure_without_the_address(inbox):
    inbox.refuse_rcpt = "550 5.1.1 <me@example.org>: no such user"
    outcome = send_email("me@example.org", "s", "b", get_settings())
    assert (outcome.ok, outcome.retryable, outcome.error_code) == (False, False, "smtp_550")


def test_email_temporary_smtp_refusal_is_retryable(inbox):
    inbox.refuse_rcpt = "451 4.3.0 try again later"
    outcome = send_email("me@example.org", "s", "b", get_settings())
    assert (outcome.retryable, outcome.error_code) == (True, "smtp_451")


def test_email_to_an_unreachable_server_is_retryable(monkeypatch):
    monkeypatch.setenv("GLUCOLENS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GLUCOLENS_SMTP_PORT", str(free_port()))  # nothing listens
    get_settings.cache_clear()
    outcome = send_email("me@example.org", "s", "b", get_settings())
    assert (outcome.retryable, outcome.error_code) == (True, "smtp_connect_error")


def test_email_without_smtp_is_reported_not_configured():
    outcome = send_email("me@example.org", "s", "b", get_settings())
    assert (outcome.ok, outcome.retryable, outcome.error_code) == (
        False,
        False,
        "smtp not configured",
    )


# ---------------------------------------------------------------- web push


def test_push_message_decrypts_with_the_subscription_keys(receivers):
    """aes128gcm per RFC 8291: only the browser's private key and auth secret open it."""
    service = start_receiver([201])
    receivers.append(service)
    keys = BrowserKeys.generate()
    assert push_to(service, keys).ok
    (req,) = service.requests
    assert req.headers["content-encoding"] == "aes128gcm"
    assert keys.decrypt(req.body) == PAYLOAD
    with pytest.raises(Exception):  # noqa: B017 - any failure: another browser cannot read it
        BrowserKeys.generate().decrypt(req.body)


def test_push_carries_a_vapid_jwt_signed_by_the_published_key(receivers):
    service = start_receiver([201])
    receivers.append(service)
    push_to(service, BrowserKeys.generate())
    (req,) = service.requests
    vapid = get_vapid()
    claims = verify_vapid(req.headers["authorization"], vapid.public_key, audience=service.base)
    assert claims["sub"] == vapid.subject
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600  # RFC 8292: at most 24 h


def test_push_sends_ttl_and_urgency_headers(receivers):
    """RFC 8030 5.2/5.3: TTL bounds how long the service keeps it; Urgency wakes the phone."""
    service = start_receiver([201])
    receivers.append(service)
    push_to(service, BrowserKeys.generate(), ttl_s=900, urgency="high", topic="a1")
    (req,) = service.requests
    assert (req.headers["ttl"], req.headers["urgency"], req.headers["topic"]) == (
        "900",
        "high",
        "a1",
    )


def test_push_urgency_follows_severity():
    # Parametrized tables here are loops: on PostgreSQL each test case costs a truncation.
    for severity, urgency in [("urgent", "high"), ("warning", "normal"), ("info", "low")]:
        assert channels.urgency_for(severity) == urgency, severity


@pytest.mark.parametrize("status", [404, 410])
def test_push_404_or_410_means_the_subscription_is_gone(receivers, status):
    service = start_receiver([status])
    receivers.append(service)
    outcome = push_to(service, BrowserKeys.generate())
    assert (outcome.ok, outcome.gone, outcome.retryable) == (False, True, False)
    assert outcome.error_code == f"push_{status}"


def test_push_429_is_retryable_after_the_services_retry_after(receivers):
    service = start_receiver([429])
    service.extra_headers["Retry-After"] = "120"
    receivers.append(service)
    outcome = push_to(service, BrowserKeys.generate())
    assert (outcome.retryable, outcome.gone, outcome.retry_after_s) == (True, False, 120.0)


def test_push_5xx_is_retryable(receivers):
    service = start_receiver([503])
    receivers.append(service)
    assert push_to(service, BrowserKeys.generate()).retryable


def test_push_403_is_a_permanent_failure(receivers):
    """A VAPID key that does not match the subscription's: retrying cannot help."""
    service = start_receiver([403])
    receivers.append(service)
    outcome = push_to(service, BrowserKeys.generate())
    assert (outcome.ok, outcome.retryable, outcome.gone) == (False, False, False)


def test_push_to_an_unreachable_service_is_retryable():
    subscription = {
        "endpoint": f"http://127.0.0.1:{free_port()}/x",
        "keys": {"p256dh": BrowserKeys.generate().p256dh, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
    }
    outcome = send_push(
        subscription, PAYLOAD, vapid=get_vapid(), ttl_s=60, urgency="low", timeout_s=2.0
    )
    assert (outcome.retryable, outcome.error_code) == (True, "push_connect_error")


# ---------------------------------------------------------------- webhook


def test_webhook_posts_the_payload_as_json(receivers):
    hook = start_receiver([204])
    receivers.append(hook)
    outcome = send_webhook(f"{hook.base}/hook", PAYLOAD, timeout_s=3.0, user_agent="ua")
    assert outcome.ok
    (req,) = hook.requests
    assert req.headers["content-type"] == "application/json"
    import json

    assert json.loads(req.body) == PAYLOAD


def test_webhook_failure_statuses(receivers):
    for status, retryable in [(500, True), (503, True), (429, True), (408, True), (404, False)]:
        hook = start_receiver([status])
        receivers.append(hook)
        outcome = send_webhook(f"{hook.base}/hook", PAYLOAD, timeout_s=3.0, user_agent="ua")
        assert (outcome.ok, outcome.retryable, outcome.error_code) == (
            False,
            retryable,
            f"webhook_{status}",
        ), status


def test_webhook_redirect_is_not_followed(receivers):
    hook = start_receiver([302])
    receivers.append(hook)
    outcome = send_webhook(f"{hook.base}/hook", PAYLOAD, timeout_s=3.0, user_agent="ua")
    assert (outcome.ok, outcome.error_code) == (False, "webhook_302")
    assert len(hook.requests) == 1


WEBHOOK_URLS = [
    ("https://hooks.example.org/glucolens?token=abc", True),
    ("http://localhost:8123/api/webhook/x", True),
    ("http://127.0.0.1:9000/x", True),
    ("http://[::1]:9000/x", True),
    ("http://192.168.1.10:8123/api/webhook/x", False),  # plain http across a network
    ("http://hooks.example.org/x", False),
    ("https://169.254.169.254/latest/meta-data", False),  # cloud metadata
    ("ftp://example.org/x", False),
    ("https://", False),
    ("https://example.org:99999/x", False),
]


def test_webhook_url_rules():
    for url, ok in WEBHOOK_URLS:
        assert (validate_webhook_url(url) is None) is ok, url


def test_webhook_refuses_a_plain_http_url_at_send_time():
    """A URL stored before the rules (or by hand) is still not sent over plain http."""
    outcome = send_webhook("http://hooks.example.org/x", PAYLOAD, timeout_s=1.0, user_agent="u")
    assert (outcome.ok, outcome.retryable, outcome.error_code) == (
        False,
        False,
        "webhook_url_invalid",
    )

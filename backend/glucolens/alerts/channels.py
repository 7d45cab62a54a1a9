"""Senders: one attempt on one channel, reported as an ``Outcome``.

A sender never raises and never puts a recipient address, a URL, a glucose value or a
server's reply text into ``Outcome.error_code``: the code is stored on the delivery row and
may be logged, so it is a fixed vocabulary such as ``smtp_550``, ``push_429``,
``webhook_timeout``.

Push and webhook go out with ``requests`` (pywebpush's own HTTP client), email through
auth/mailer.py's ``deliver_mail``.
"""

from __future__ import annotations

import ipaddress
import json
import smtplib
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from pywebpush import WebPushException, webpush

from glucolens.alerts.vapid import VapidKeys
from glucolens.auth.mailer import deliver_mail
from glucolens.core.config import Settings


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retryable: bool = False
    gone: bool = False  # the recipient no longer exists (a push subscription 404/410)
    error_code: str | None = None
    retry_after_s: float | None = None


SENT = Outcome(ok=True)


def _retryable(code: str, retry_after_s: float | None = None) -> Outcome:
    return Outcome(ok=False, retryable=True, error_code=code, retry_after_s=retry_after_s)


def _failed(code: str) -> Outcome:
    return Outcome(ok=False, error_code=code)


# ---------------------------------------------------------------- email


def send_email(to: str, subject: str, body: str, settings: Settings) -> Outcome:
    """SMTP 4xx and connection trouble are worth retrying; 5xx (a refused recipient, a
    rejected login) is not."""
    if not settings.smtp_host:
        return _failed("smtp not configured")
    try:
        deliver_mail(to, subject, body, settings)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        code = min(codes) if codes else 550
        return _smtp_code(code)
    except smtplib.SMTPResponseException as exc:
        return _smtp_code(exc.smtp_code)
    except smtplib.SMTPServerDisconnected:
        return _retryable("smtp_disconnected")
    except smtplib.SMTPNotSupportedError:
        return _failed("smtp_not_supported")
    except smtplib.SMTPException:
        return _retryable("smtp_error")
    except TimeoutError:
        return _retryable("smtp_timeout")
    except OSError:
        return _retryable("smtp_connect_error")
    return SENT


def _smtp_code(code: int) -> Outcome:
    label = f"smtp_{int(code)}"
    return _retryable(label) if 400 <= code < 500 else _failed(label)


# ---------------------------------------------------------------- web push


def urgency_for(severity: str) -> str:
    """RFC 8030 section 5.3: a phone in power saving wakes only for 'high'."""
    return {"urgent": "high", "warning": "normal"}.get(severity, "low")


def send_push(
    subscription: dict[str, Any],
    payload: dict[str, Any],
    *,
    vapid: VapidKeys,
    ttl_s: int,
    urgency: str,
    timeout_s: float,
    topic: str | None = None,
) -> Outcome:
    """One Web Push message: aes128gcm (RFC 8291/8188), VAPID (RFC 8292), TTL and Urgency
    (RFC 8030). 404/410 mean the subscription is gone; 429 and 5xx are retried."""
    headers: dict[str, str | int | float] = {"Urgency": urgency}
    if topic:
        # RFC 8030 5.4: a newer message with the same topic replaces an undelivered one.
        headers["Topic"] = topic
    try:
        webpush(
            subscription_info=subscription,
            data=json.dumps(payload, separators=(",", ":")),
            vapid_private_key=vapid.signer,
            vapid_claims={"sub": vapid.subject},
            content_encoding="aes128gcm",
            ttl=ttl_s,
            timeout=timeout_s,
            headers=headers,
        )
    except WebPushException as exc:
        if exc.response is None:
            return _failed("push_invalid_subscription")
        return _push_status(exc.response.status_code, exc.response.headers.get("Retry-After"))
    except requests.Timeout:
        return _retryable("push_timeout")
    except requests.RequestException:
        return _retryable("push_connect_error")
    except (ValueError, TypeError):
        # Malformed keys that slipped past validation (pywebpush / http_ece raise these).
        return _failed("push_invalid_subscription")
    return SENT


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the backoff is good enough


def _push_status(status: int, retry_after: str | None) -> Outcome:
    code = f"push_{status}"
    if status in (404, 410):
        return Outcome(ok=False, gone=True, error_code=code)
    if status == 429 or status >= 500:
        return _retryable(code, _retry_after(retry_after))
    return _failed(code)


# ---------------------------------------------------------------- webhook

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def validate_webhook_url(url: str) -> str | None:
    """The problem with a webhook URL, or None: https anywhere, http only to this machine
    (a plain-http alert crossing a network would expose health data)."""
    if len(url) > 2000:
        return "webhook_url is longer than 2000 characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return "webhook_url is not a valid URL"
    del port
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "webhook_url must be an https:// URL (or http:// to localhost)"
    if parts.scheme == "http" and not _is_loopback_name(host):
        return "webhook_url must use https:// unless it points at localhost"
    literal = _ip(host)
    if literal is not None and _forbidden(literal):
        return "webhook_url points at a link-local, multicast or unspecified address"
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_loopback_name(host: str) -> bool:
    literal = _ip(host)
    return literal.is_loopback if literal is not None else host in _LOOPBACK_NAMES


def _forbidden(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # Link-local holds the cloud metadata services (169.254.169.254): never a webhook.
    return addr.is_link_local or addr.is_multicast or addr.is_unspecified


def _resolves_safely(host: str, port: int, loopback_only: bool) -> bool:
    """Checked again at send time: a name can resolve somewhere else than when it was saved."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    addrs = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addrs or any(_forbidden(a) for a in addrs):
        return False
    return all(a.is_loopback for a in addrs) if loopback_only else True


def send_webhook(
    url: str, payload: dict[str, Any], *, timeout_s: float, user_agent: str
) -> Outcome:
    """POST the JSON payload; 2xx is delivered. Redirects are not followed (they could lead
    to plain http or another host); 408, 429 and 5xx are retried."""
    if validate_webhook_url(url) is not None:
        return _failed("webhook_url_invalid")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not _resolves_safely(host, port, loopback_only=parts.scheme == "http"):
        return _retryable("webhook_unresolvable")
    try:
        resp = requests.post(
            url,
            data=json.dumps(payload, separators=(",", ":")),
            headers={"Content-Type": "application/json", "User-Agent": user_agent},
            timeout=timeout_s,
            allow_redirects=False,
        )
    except requests.Timeout:
        return _retryable("webhook_timeout")
    except requests.RequestException:
        return _retryable("webhook_connect_error")
    status = resp.status_code
    resp.close()
    if 200 <= status < 300:
        return SENT
    code = f"webhook_{status}"
    if status in (408, 429) or status >= 500:
        return _retryable(code, _retry_after(resp.headers.get("Retry-After")))
    return _failed(code)

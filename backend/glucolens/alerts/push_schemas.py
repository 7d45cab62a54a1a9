"""Schemas of /api/v1/alerts/push and /api/v1/alerts/test.

A subscription arrives as the browser's ``PushSubscription.toJSON()`` (W3C Push API):
``{"endpoint": "https://...", "expirationTime": null, "keys": {"p256dh": ..., "auth": ...}}``
with the keys in base64url: ``p256dh`` the user agent's P-256 public key as an uncompressed
point (65 bytes, RFC 8291 section 3.1), ``auth`` the 16-byte authentication secret (RFC 8291
section 3.2).
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from glucolens.alerts.vapid import b64url_decode
from glucolens.core.schemas import UtcTime

ENDPOINT_MAX = 2000


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(max_length=200, description="base64url, 65-byte uncompressed P-256 point")
    auth: str = Field(max_length=64, description="base64url, 16-byte auth secret")

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        try:
            raw = b64url_decode(value)
        except ValueError:
            raise ValueError("p256dh must be base64url") from None
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("p256dh must be an uncompressed P-256 point (65 bytes)") from None
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValueError("p256dh is not a point on P-256") from None
        return value.rstrip("=")

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        try:
            raw = b64url_decode(value)
        except ValueError:
            raise ValueError("auth must be base64url") from None
        if len(raw) != 16:
            raise ValueError("auth must be 16 bytes") from None
        return value.rstrip("=")


class PushSubscriptionIn(BaseModel):
    """The browser's PushSubscription.toJSON()."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(max_length=ENDPOINT_MAX, description="The push service URL (https).")
    expirationTime: float | None = Field(  # noqa: N815 - the browser's own field name
        default=None, description="Milliseconds since the epoch, or null (most browsers)."
    )
    keys: PushKeys

    @field_validator("endpoint")
    @classmethod
    def _https(cls, value: str) -> str:
        problem = endpoint_problem(value)
        if problem:
            raise ValueError(problem)
        return value


def endpoint_problem(url: str) -> str | None:
    """Push services are public https hosts (RFC 8030 requires TLS); an endpoint pointing at
    this server's own network would turn each alert into a request somewhere internal."""
    if any(c.isspace() for c in url):
        return "endpoint must be a URL without spaces"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "endpoint is not a valid URL"
    if parts.scheme != "https" or not host:
        return "endpoint must be an https:// URL"
    if host == "localhost" or host.endswith(".localhost"):
        return "endpoint must be a public push service, not localhost"
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if not addr.is_global:
        return "endpoint must be a public push service, not a private address"
    return None


class PushSubscriptionOut(BaseModel):
    id: uuid.UUID
    # Only the push service's origin: the full endpoint is a capability URL.
    endpoint_origin: str = Field(description="e.g. https://fcm.googleapis.com")
    user_agent: str | None
    created_at: UtcTime
    last_success_at: UtcTime | None
    failures: int
    active: bool = Field(description="False once the push service said it is gone (404/410).")
    disabled_at: UtcTime | None


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionOut]


class VapidPublicKeyOut(BaseModel):
    public_key: str = Field(
        description="applicationServerKey for PushManager.subscribe(): the uncompressed P-256 "
        "point in base64url without padding."
    )


class DeliveryOut(BaseModel):
    id: int
    channel: Literal["websocket", "email", "push", "webhook"]
    recipient: str
    status: Literal["pending", "sent", "failed", "gone"]
    attempts: int
    last_error: str | None = Field(description="A code such as smtp_550 or push_410.")
    push_subscription_id: uuid.UUID | None
    sent_at: UtcTime | None
    next_attempt_at: UtcTime | None


class TestNotificationOut(BaseModel):
    alert_id: uuid.UUID
    complete: bool = Field(
        description="True when every delivery finished its first attempt within the wait; "
        "pending ones go on in the background (and are retried)."
    )
    deliveries: list[DeliveryOut]

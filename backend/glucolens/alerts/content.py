"""What each channel says about an alert.

Glucose values go to the user's own channels only (WebSocket, their email, their push
subscriptions, their webhook). The emergency contact's email says that an urgent low has
gone unacknowledged, since when, and whom to check on, without the value: the action it asks
for (reach the person) does not depend on the number, and a number in a third person's
mailbox is health data that person never needed (docs/alerts-delivery.md, "Privacy").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from glucolens.alerts.models import Alert, AlertSettings
from glucolens.alerts.service import alert_out
from glucolens.alerts.texts import alert_title_and_body
from glucolens.auth.models import User
from glucolens.core.config import Settings
from glucolens.core.timeutil import zone
from glucolens.core.units import MGDL, from_mgdl


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def _local_hhmm(value: dt.datetime, user: User) -> str:
    try:
        return value.astimezone(zone(user.timezone or "UTC")).strftime("%H:%M")
    except (KeyError, ValueError):
        return value.astimezone(dt.UTC).strftime("%H:%M UTC")


def value_in_unit(alert: Alert, user: User) -> tuple[float | None, str]:
    """The value that opened the alert, in the user's unit (as in the title and AlertOut)."""
    unit = user.unit or MGDL
    return from_mgdl(alert.trigger_value_mgdl, unit), unit


def alert_url(alert: Alert, settings: Settings) -> str:
    return f"{settings.resolved_public_url}/alerts/?alert={alert.id}"


def alert_data(alert: Alert, user: User) -> dict[str, Any]:
    """The WebSocket ``alert.*`` message's data: the API's AlertOut JSON."""
    return alert_out(alert, user).model_dump(mode="json", exclude={"decisions"})


def user_email(alert: Alert, user: User, settings: Settings) -> tuple[str, str]:
    title, message = alert_title_and_body(alert, user)
    body = (
        f"{title}\n\n{message}\n\nOpen GlucoLens: {alert_url(alert, settings)}\n\n"
        "You receive this because email alerts are on in GlucoLens (Settings, Alerts).\n"
    )
    return f"GlucoLens: {title}", body


def emergency_email(
    alert: Alert, user: User, prefs: AlertSettings | None, settings: Settings
) -> tuple[str, str]:
    who = user.display_name or user.email
    since = alert.opened_at
    minutes = max(1, int((dt.datetime.now(dt.UTC) - since).total_seconds() // 60))
    greeting = (
        f"Hello {prefs.emergency_contact_name},\n\n"
        if prefs and prefs.emergency_contact_name
        else ""
    )
    body = (
        f"{greeting}{who} has an urgent low glucose alert in GlucoLens that has not been "
        f"acknowledged for {minutes} minutes (since {_local_hhmm(since, user)}, "
        f"{user.timezone}).\n\n"
        f"Please try to reach {who} now. A very low glucose level can make a person unable "
        "to respond; if you cannot reach them and believe they may need help, call the "
        "emergency services.\n\n"
        f"You receive this because {who} named you as their emergency contact in GlucoLens.\n"
    )
    return f"Urgent: {who} has not answered a low glucose alarm", body


def push_payload(alert: Alert, user: User, purpose: str, settings: Settings) -> dict[str, Any]:
    """The decrypted push message the service worker reads (docs/alerts-delivery.md)."""
    title, message = alert_title_and_body(alert, user)
    value, unit = value_in_unit(alert, user)
    return {
        "type": "alert",
        "id": str(alert.id),
        "kind": alert.kind,
        "severity": alert.severity,
        "purpose": purpose,
        "title": title,
        "body": message,
        "value": value,
        "unit": unit,
        "at": _iso(alert.last_reading_at or alert.opened_at),
        "url": alert_url(alert, settings),
        # One notification per kind on the device; a repeat replaces it and rings again.
        "tag": f"glucolens-{alert.kind}",
        "renotify": purpose in ("repeat", "escalate"),
        "require_interaction": alert.severity == "urgent",
    }


def webhook_payload(alert: Alert, user: User, purpose: str, settings: Settings) -> dict[str, Any]:
    title, message = alert_title_and_body(alert, user)
    value, unit = value_in_unit(alert, user)
    return {
        "id": str(alert.id),
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "purpose": purpose,
        "title": title,
        "message": message,
        "value": value,
        "unit": unit,
        "value_mgdl": alert.trigger_value_mgdl,
        "last_value": from_mgdl(alert.last_value_mgdl, unit),
        "at": _iso(alert.last_reading_at or alert.opened_at),
        "url": alert_url(alert, settings),
    }

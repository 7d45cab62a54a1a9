"""Which delivery rows a batch of notifications gets (``notify_many``; ``delivery.notify`` is
the one-notification form).

A batch costs a few statements whatever its size (the users' settings, their active push
subscriptions and the users themselves, each one ``IN`` query per 500 users, then one flush
of all rows), so the stale-data tick of an outage, which notifies thousands of users at
once, does not pay three round trips per user.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.alerts import content
from glucolens.alerts.defaults import PATTERN, effective_channels
from glucolens.alerts.models import Alert, AlertDelivery, AlertSettings, PushSubscription
from glucolens.auth.models import User
from glucolens.core.config import get_settings
from glucolens.core.db import utcnow
from glucolens.core.events import Broadcast, DeliveriesQueued, publish

WEBSOCKET, EMAIL, PUSH, WEBHOOK = "websocket", "email", "push", "webhook"
USER, EMERGENCY_CONTACT = "user", "emergency_contact"
PURPOSES = frozenset({"raise", "repeat", "escalate", "test", "feed"})
SMTP_MISSING = "smtp not configured"
_CHUNK = 500  # ids per IN (...): far below any driver's parameter limit

# (alert, purpose, recipient)
Notification = tuple[Alert, str, str]
T = TypeVar("T")


def _chunks(ids: Sequence[T]) -> Iterable[Sequence[T]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _by_user(db: Session, model: Any, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    key = model.id if model is User else model.user_id
    out: dict[uuid.UUID, Any] = {}
    for chunk in _chunks(user_ids):
        for obj in db.scalars(select(model).where(key.in_(chunk))):
            out[obj.id if model is User else obj.user_id] = obj
    return out


def _active_subscriptions(
    db: Session, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for chunk in _chunks(user_ids):
        rows = db.execute(
            select(PushSubscription.user_id, PushSubscription.id)
            .where(PushSubscription.user_id.in_(chunk), PushSubscription.disabled_at.is_(None))
            .order_by(PushSubscription.created_at)
        )
        for user_id, sub_id in rows:
            out[user_id].append(sub_id)
    return out


def _quiet(alert: Alert, purpose: str) -> bool:
    """A feed item (a new pattern) reaches the WebSocket and the history only."""
    return purpose == "feed" or alert.kind == PATTERN


def _row(
    alert: Alert,
    purpose: str,
    channel: str,
    recipient: str,
    sub_id: uuid.UUID | None,
    now: dt.datetime,
    smtp: bool,
) -> AlertDelivery:
    row = AlertDelivery(
        alert_id=alert.id,
        user_id=alert.user_id,
        channel=channel,
        recipient=recipient,
        purpose=purpose,
        push_subscription_id=sub_id,
        status="pending",
        attempts=0,
        # The WebSocket row is marked sent after commit, never by the retry job.
        next_attempt_at=None if channel == WEBSOCKET else now,
        created_at=now,
    )
    if channel == EMAIL and not smtp:
        # Visible in the history as failed rather than silently skipped.
        row.status, row.last_error, row.next_attempt_at = "failed", SMTP_MISSING, None
    return row


def notify_many(db: Session, items: Sequence[Notification]) -> list[AlertDelivery]:
    """Write the delivery rows of every notification in ``items`` in the caller's
    transaction and publish their ``Broadcast`` and ``DeliveriesQueued`` events (sent after
    commit only). Rules per notification are ``delivery.notify``'s."""
    for _alert, purpose, recipient in items:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown delivery purpose {purpose!r}")
        if recipient not in (USER, EMERGENCY_CONTACT):
            raise ValueError(f"unknown recipient {recipient!r}")
    if not items:
        return []
    smtp = bool(get_settings().smtp_host)
    user_ids = list({alert.user_id for alert, _p, _r in items})
    prefs = _by_user(db, AlertSettings, user_ids)
    channels = {
        uid: effective_channels(getattr(prefs.get(uid), "channels", None)) for uid in user_ids
    }
    wants_push = [
        a.user_id
        for a, p, r in items
        if r == USER and not _quiet(a, p) and channels[a.user_id][PUSH]
    ]
    subs = _active_subscriptions(db, list(set(wants_push))) if wants_push else {}
    users = _by_user(db, User, user_ids)
    now = utcnow()
    rows: list[AlertDelivery] = []
    per_item: list[list[AlertDelivery]] = []

    for alert, purpose, recipient in items:
        pref = prefs.get(alert.user_id)
        chans = channels[alert.user_id]
        plan: list[tuple[str, str, uuid.UUID | None]] = []  # (channel, recipient, sub)
        if recipient == EMERGENCY_CONTACT:
            if pref is not None and pref.emergency_contact_email:
                plan.append((EMAIL, EMERGENCY_CONTACT, None))
        else:
            plan.append((WEBSOCKET, USER, None))
            if not _quiet(alert, purpose):
                if chans[EMAIL]:
                    plan.append((EMAIL, USER, None))
                if chans[PUSH]:
                    plan.extend((PUSH, USER, sub_id) for sub_id in subs.get(alert.user_id, ()))
                if chans[WEBHOOK] and pref is not None and pref.webhook_url:
                    plan.append((WEBHOOK, USER, None))
        mine = [_row(alert, purpose, c, who, sub, now, smtp) for c, who, sub in plan]
        rows.extend(mine)
        per_item.append(mine)

    db.add_all(rows)
    db.flush()
    for (alert, purpose, _recipient), mine in zip(items, per_item, strict=True):
        user = users.get(alert.user_id)
        if user is None or not mine:
            continue  # an escalation without a contact: nothing happened to tell anyone
        # An escalation to the contact is news for the user's open apps too (escalated_at),
        # without a WebSocket row of its own: the contact's email is the delivery.
        kind = "alert.raised" if purpose == "raise" else "alert.updated"
        socket_row = next((r.id for r in mine if r.channel == WEBSOCKET), None)
        data = content.alert_data(alert, user)
        publish(db, Broadcast(alert.user_id, kind, data, ref=socket_row))
    # One event for the whole batch: after commit, one bulk UPDATE marks the WebSocket rows.
    sends = tuple(r.id for r in rows if r.status == "pending" and r.channel != WEBSOCKET)
    sockets = tuple(r.id for r in rows if r.channel == WEBSOCKET)
    if sends or sockets:
        publish(db, DeliveriesQueued(sends, sockets))
    return rows

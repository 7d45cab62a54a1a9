"""Web Push subscriptions and the test notification (service side of push_endpoints.py)."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glucolens.alerts import delivery
from glucolens.alerts import push_schemas as ps
from glucolens.alerts.defaults import SEVERITY, TEST
from glucolens.alerts.models import Alert, AlertDecision, AlertDelivery, PushSubscription
from glucolens.auth.models import User
from glucolens.core.config import get_settings
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound
from glucolens.core.ratelimit import get_rate_limiter

# Browsers rotate endpoints; the dead ones end up disabled, and only live ones count.
MAX_ACTIVE_SUBSCRIPTIONS = 20
TEST_LIMIT = "5/minute"


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscription_out(row: PushSubscription) -> ps.PushSubscriptionOut:
    parts = urlsplit(row.endpoint)
    return ps.PushSubscriptionOut(
        id=row.id,
        endpoint_origin=f"{parts.scheme}://{parts.netloc}",
        user_agent=row.user_agent,
        created_at=row.created_at,
        last_success_at=row.last_success_at,
        failures=row.failures or 0,
        active=row.disabled_at is None,
        disabled_at=row.disabled_at,
    )


def list_subscriptions(db: Session, user: User) -> ps.PushSubscriptionList:
    rows = db.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at.desc())
    ).all()
    return ps.PushSubscriptionList(items=[subscription_out(r) for r in rows])


def upsert_subscription(
    db: Session, user: User, body: ps.PushSubscriptionIn, user_agent: str | None
) -> ps.PushSubscriptionOut:
    """One row per (user, endpoint): subscribing again refreshes keys and re-enables it.
    A browser's endpoint belongs to the account that registered it last: another account's
    row for it is removed, so one person's alerts never show up in the next person's
    browser after an account switch."""
    digest = endpoint_hash(body.endpoint)
    db.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint_hash == digest, PushSubscription.user_id != user.id
        )
    )
    row = _own(db, user, digest)
    if row is None:
        active = db.scalar(
            select(func.count())
            .select_from(PushSubscription)
            .where(PushSubscription.user_id == user.id, PushSubscription.disabled_at.is_(None))
        )
        if (active or 0) >= MAX_ACTIVE_SUBSCRIPTIONS:
            raise Conflict(
                f"At most {MAX_ACTIVE_SUBSCRIPTIONS} active push subscriptions; delete one first."
            )
        row = PushSubscription(
            user_id=user.id,
            endpoint=body.endpoint,
            endpoint_hash=digest,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            created_at=utcnow(),
        )
        try:
            with db.begin_nested():
                db.add(row)
                db.flush()
        except IntegrityError:
            # The same browser subscribing twice at once (two tabs): the other request's
            # row won the unique (user, endpoint) index; update that one.
            row = _own(db, user, digest)
            if row is None:
                raise
    row.p256dh = body.keys.p256dh
    row.auth = body.keys.auth
    row.user_agent = (user_agent or "")[:200] or None
    row.failures = 0
    row.disabled_at = None
    db.flush()
    return subscription_out(row)


def _own(db: Session, user: User, digest: str) -> PushSubscription | None:
    return db.scalar(
        select(PushSubscription)
        .where(PushSubscription.user_id == user.id, PushSubscription.endpoint_hash == digest)
        .with_for_update()
    )


def delete_subscription(db: Session, user: User, sub_id: uuid.UUID) -> None:
    gone = db.execute(
        delete(PushSubscription).where(
            PushSubscription.id == sub_id, PushSubscription.user_id == user.id
        )
    ).rowcount  # type: ignore[attr-defined]
    if not gone:
        raise NotFound("No such push subscription.")


def delivery_out(row: AlertDelivery) -> ps.DeliveryOut:
    return ps.DeliveryOut(
        id=row.id,
        channel=row.channel,  # type: ignore[arg-type]
        recipient=row.recipient,
        status=row.status,  # type: ignore[arg-type]
        attempts=row.attempts or 0,
        last_error=row.last_error,
        push_subscription_id=row.push_subscription_id,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
    )


def send_test(db: Session, user: User) -> ps.TestNotificationOut:
    """A test notification through every channel the user has on. The alert is created
    resolved and read, so it never counts as an open episode or an unread alert, and it
    is never escalated to the emergency contact.

    The request's transaction is committed here (the sends start only after commit), then
    the handler waits up to the delivery timeout for the first attempts, so the settings
    page can say at once which channel worked."""
    get_rate_limiter().hit(
        TEST_LIMIT, "alerts-test", str(user.id), message="At most 5 test notifications a minute."
    )
    now = utcnow()
    alert = Alert(
        user_id=user.id,
        kind=TEST,
        severity=SEVERITY[TEST],
        status="resolved",
        opened_at=now,
        resolved_at=now,
        resolved_reason="test",
        read_at=now,
        last_notified_at=now,
        notify_count=1,
        details={},
    )
    db.add(alert)
    db.flush()
    db.add(
        AlertDecision(alert_id=alert.id, user_id=user.id, at=now, action="notified", reason="test")
    )
    rows = delivery.notify(db, alert, "test")
    ids = [r.id for r in rows]
    alert_id = alert.id
    db.commit()
    finished = delivery.wait_for(ids, get_settings().alert_delivery_timeout_s + 5)
    fresh = db.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.id.in_(ids))
        .order_by(AlertDelivery.id)
        .execution_options(populate_existing=True)
    ).all()
    return ps.TestNotificationOut(
        alert_id=alert_id, complete=finished, deliveries=[delivery_out(r) for r in fresh]
    )

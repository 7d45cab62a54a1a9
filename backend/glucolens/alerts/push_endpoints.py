"""Routes of /api/v1/alerts/push (Web Push subscriptions, the VAPID public key) and
POST /api/v1/alerts/test (a test notification through every channel that is on).

Reads need ``read``; subscribing, unsubscribing and sending a test need a signed-in user
(``account``), like every other change to how alerts reach someone.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from glucolens.alerts import push_schemas as ps
from glucolens.alerts import push_service
from glucolens.alerts.vapid import get_vapid
from glucolens.auth.deps import AccountAuth, DbSession, ReadAuth
from glucolens.core.errors import ServiceUnavailable, responses
from glucolens.core.transaction import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/alerts", tags=["alerts"])
SubscriptionId = Annotated[uuid.UUID, Path(description="The push subscription's id.")]


@router.get(
    "/push/vapid-public-key",
    response_model=ps.VapidPublicKeyOut,
    responses=responses(401, 403, 429, 503),
    summary="Web Push public key",
)
def vapid_public_key(auth: ReadAuth) -> ps.VapidPublicKeyOut:
    """The server's VAPID public key (RFC 8292), for PushManager.subscribe()."""
    try:
        keys = get_vapid()
    except (ValueError, OSError, RuntimeError) as exc:
        # A bad GLUCOLENS_VAPID_* setting or an unwritable data dir: the operator's to fix.
        raise ServiceUnavailable(
            "Web push is unavailable: the server's VAPID key or subject setting is invalid "
            "or its key file cannot be written (see docs/alerts-delivery.md).",
            retry_after_s=300,
        ) from exc
    return ps.VapidPublicKeyOut(public_key=keys.public_key)


@router.get(
    "/push/subscriptions",
    response_model=ps.PushSubscriptionList,
    responses=responses(401, 403, 429),
    summary="Push subscriptions",
)
def list_subscriptions(auth: ReadAuth, db: DbSession) -> ps.PushSubscriptionList:
    """The user's browsers that receive web push, newest first, with their health."""
    return push_service.list_subscriptions(db, auth.user)


@router.post(
    "/push/subscriptions",
    response_model=ps.PushSubscriptionOut,
    responses=responses(401, 403, 409, 422, 429),
    summary="Subscribe a browser to web push",
)
def subscribe(
    body: ps.PushSubscriptionIn, request: Request, auth: AccountAuth, db: DbSession
) -> ps.PushSubscriptionOut:
    """Stores the browser's PushSubscription.toJSON(); the same endpoint again updates it."""
    agent = request.headers.get("user-agent")
    return push_service.upsert_subscription(db, auth.user, body, agent)


@router.delete(
    "/push/subscriptions/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
    summary="Remove a push subscription",
)
def unsubscribe(subscription_id: SubscriptionId, auth: AccountAuth, db: DbSession) -> Response:
    """Stops web push to that browser."""
    push_service.delete_subscription(db, auth.user, subscription_id)
    return Response(status_code=204)


@router.post(
    "/test",
    response_model=ps.TestNotificationOut,
    responses=responses(401, 403, 429),
    summary="Send a test notification",
)
def test_notification(auth: AccountAuth, db: DbSession) -> ps.TestNotificationOut:
    """Sends a test alert through the WebSocket and every channel that is on (email, web
    push, webhook) and answers once their first attempts finished (at most the delivery
    timeout plus 5 s; ``complete`` says whether they all did)."""
    return push_service.send_test(db, auth.user)

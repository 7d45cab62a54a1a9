"""Routes of /api/v1/alerts: configuration, history, read marks, acknowledging, snoozes.

Reads need the ``read`` scope (an API key may read alerts); every change needs a signed-in
user (``account``): a leaked uploader key must not be able to silence someone's alarms.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from glucolens.alerts import config_service, schemas, service
from glucolens.alerts.schemas import HistoryKind, Status
from glucolens.auth.deps import AccountAuth, DbSession, ReadAuth
from glucolens.core.errors import responses
from glucolens.core.schemas import QueryTime
from glucolens.core.transaction import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/alerts", tags=["alerts"])

MAX_PAGE = 200
AlertId = Annotated[uuid.UUID, Path(description="The alert's id.")]
SnoozeId = Annotated[uuid.UUID, Path(description="The snooze's id.")]
_READ = responses(401, 403, 429)
_READ_QUERY = responses(401, 403, 422, 429)
_WRITE = responses(401, 403, 422, 429)
_WRITE_ONE = responses(401, 403, 404, 422, 429)


@router.get("/config", response_model=schemas.ConfigOut, responses=_READ, summary="Alert settings")
def get_config(auth: ReadAuth, db: DbSession) -> schemas.ConfigOut:
    """Every alert kind's effective configuration in the user's unit, with bounds, and the
    user's quiet hours, mute, channels, webhook and emergency contact."""
    return config_service.get_config(db, auth.user)


@router.post(
    "/config",
    response_model=schemas.ConfigOut,
    responses=_WRITE,
    summary="Change alert settings",
)
def post_config(body: schemas.ConfigIn, auth: AccountAuth, db: DbSession) -> schemas.ConfigOut:
    """Upserts the kinds and settings given (thresholds in the user's unit); answers the
    whole configuration."""
    return config_service.update_config(db, auth.user, body)


@router.put(
    "/config",
    response_model=schemas.ConfigOut,
    responses=_WRITE,
    summary="Change alert settings (same as POST)",
)
def put_config(body: schemas.ConfigIn, auth: AccountAuth, db: DbSession) -> schemas.ConfigOut:
    """The same partial upsert as POST /config."""
    return config_service.update_config(db, auth.user, body)


@router.get(
    "/history",
    response_model=schemas.AlertPage,
    responses=_READ_QUERY,
    summary="Alert history (newest first)",
)
def get_history(
    auth: ReadAuth,
    db: DbSession,
    kind: HistoryKind | None = None,
    status: Status | None = None,
    unread: Annotated[bool | None, Query(description="true: only unread; false: only read")] = None,
    since: Annotated[QueryTime | None, Query(description="opened at or after, with offset")] = None,
    until: Annotated[QueryTime | None, Query(description="opened before, with offset")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> schemas.AlertPage:
    """Alerts with every decision about notifying, suppressed ones and their reasons too."""
    filters = schemas.HistoryFilters(
        kind=kind, status=status, unread=unread, since=since, until=until
    )
    return service.history(db, auth.user, filters, limit, cursor)


@router.get("/active", response_model=schemas.ActiveOut, responses=_READ, summary="Open alerts")
def get_active(auth: ReadAuth, db: DbSession) -> schemas.ActiveOut:
    """The alerts whose episode is still open, newest first."""
    return schemas.ActiveOut(items=service.active(db, auth.user))


@router.get(
    "/unread-count",
    response_model=schemas.UnreadCountOut,
    responses=_READ,
    summary="Unread alerts",
)
def get_unread_count(auth: ReadAuth, db: DbSession) -> schemas.UnreadCountOut:
    """How many alerts the user has not read yet (the bell's badge)."""
    return schemas.UnreadCountOut(unread=service.unread_count(db, auth.user))


@router.put(
    "/mark-read",
    response_model=schemas.MarkReadOut,
    responses=_WRITE,
    summary="Mark alerts read",
)
def mark_read(body: schemas.MarkReadIn, auth: AccountAuth, db: DbSession) -> schemas.MarkReadOut:
    """Marks the given alerts (or all) read; alerts already read keep their time."""
    return service.mark_read(db, auth.user, body)


@router.post(
    "/{alert_id}/acknowledge",
    response_model=schemas.AlertOut,
    responses=_WRITE_ONE,
    summary="Acknowledge an alert",
)
def acknowledge(alert_id: AlertId, auth: AccountAuth, db: DbSession) -> schemas.AlertOut:
    """Stops the alert's repeats and escalation; a second call answers the same time."""
    return service.acknowledge(db, auth.user, alert_id)


@router.get(
    "/snoozes", response_model=schemas.SnoozesOut, responses=_READ, summary="Active snoozes"
)
def get_snoozes(auth: ReadAuth, db: DbSession) -> schemas.SnoozesOut:
    """The snoozes not yet expired or cancelled, soonest to end first."""
    return schemas.SnoozesOut(items=service.active_snoozes(db, auth.user))


@router.post(
    "/snoozes",
    status_code=201,
    response_model=schemas.SnoozeOut,
    responses=_WRITE,
    summary="Snooze alert kinds",
)
def post_snooze(body: schemas.SnoozeIn, auth: AccountAuth, db: DbSession) -> schemas.SnoozeOut:
    """Silences exactly the kinds given for some minutes (urgent lows at most 30)."""
    return service.create_snooze(db, auth.user, body)


@router.delete(
    "/snoozes/{snooze_id}",
    response_model=schemas.SnoozeOut,
    responses=_WRITE_ONE,
    summary="Cancel a snooze",
)
def delete_snooze(snooze_id: SnoozeId, auth: AccountAuth, db: DbSession) -> schemas.SnoozeOut:
    """Ends the snooze now; the row stays, with its cancellation time."""
    return service.cancel_snooze(db, auth.user, snooze_id)

"""Alerts as the user sees them: the history, open alerts, read marks, acknowledging, snoozes.

The configuration lives in alerts/config_service.py. Alerts and decisions are written by the
engine; here the user only acknowledges, reads and snoozes. Every change the other tabs and
devices should see goes out as a ``Broadcast`` after commit.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from glucolens.alerts import defaults as d
from glucolens.alerts import schemas
from glucolens.alerts.models import Alert, AlertDecision, AlertSnooze
from glucolens.alerts.texts import alert_title_and_body
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import NotFound, ValidationFailed
from glucolens.core.events import Broadcast, publish
from glucolens.core.sql import is_postgres, lock_user_writes
from glucolens.core.timeutil import query_time_problem
from glucolens.core.units import from_mgdl

__all__ = ["alert_out", "alert_title_and_body"]

ACK = "acknowledged"  # past tense, like the engine's notified, repeated, suppressed


def decision_out(row: AlertDecision, unit: str) -> schemas.DecisionOut:
    return schemas.DecisionOut(
        at=row.at,
        action=row.action,
        reason=row.reason,
        value=from_mgdl(row.value_mgdl, unit),
        value_mgdl=row.value_mgdl,
    )


def alert_out(
    alert: Alert, user: User, decisions: list[AlertDecision] | None = None
) -> schemas.AlertOut:
    """The API's (and the real-time channel's) view of an alert, in the user's unit."""
    unit = user.unit or "mg/dL"
    title, message = alert_title_and_body(alert, user)
    return schemas.AlertOut(
        id=alert.id,
        kind=alert.kind,
        severity=alert.severity or d.SEVERITY.get(alert.kind, "info"),
        status=alert.status or "open",
        opened_at=alert.opened_at,
        resolved_at=alert.resolved_at,
        resolved_reason=alert.resolved_reason,
        unit=unit,
        value=from_mgdl(alert.trigger_value_mgdl, unit),
        value_mgdl=alert.trigger_value_mgdl,
        last_value=from_mgdl(alert.last_value_mgdl, unit),
        last_value_mgdl=alert.last_value_mgdl,
        trigger_reading_at=alert.trigger_reading_at,
        last_reading_at=alert.last_reading_at,
        acknowledged_at=alert.acknowledged_at,
        read_at=alert.read_at,
        escalated_at=alert.escalated_at,
        last_notified_at=alert.last_notified_at,
        notify_count=alert.notify_count or 0,
        title=title,
        message=message,
        details=dict(alert.details or {}),
        decisions=None if decisions is None else [decision_out(r, unit) for r in decisions],
    )


def _json(out: schemas.AlertOut) -> dict[str, object]:
    return out.model_dump(mode="json", exclude={"decisions"})


def _lock_first(db: Session, user: User) -> None:
    """Before a read-then-write that must happen once (acknowledge, cancel): PostgreSQL locks
    the row (FOR UPDATE); SQLite ignores that, so take its write lock before reading. Not the
    advisory lock on PostgreSQL: acknowledging an urgent low must not wait behind an upload."""
    if not is_postgres(db):
        lock_user_writes(db, user.id)


def _owned(db: Session, user: User, alert_id: uuid.UUID, *, lock: bool = False) -> Alert:
    stmt = select(Alert).where(Alert.id == alert_id, Alert.user_id == user.id)
    if lock:
        _lock_first(db, user)
        stmt = stmt.with_for_update()
    alert = db.execute(stmt).scalar_one_or_none()
    if alert is None:
        raise NotFound("No such alert.")
    return alert


# -- history --------------------------------------------------------------------------------


def _encode_cursor(opened_at: dt.datetime, alert_id: uuid.UUID) -> str:
    raw = f"{opened_at.astimezone(dt.UTC).isoformat()}|{alert_id.hex}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    """Client input like any other: bounded before it reaches SQL."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        ts_raw, _, id_raw = base64.urlsafe_b64decode(padded).decode().partition("|")
        ts, alert_id = dt.datetime.fromisoformat(ts_raw), uuid.UUID(hex=id_raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if ts.tzinfo is None or query_time_problem(ts) is not None:
        raise _bad_cursor()
    return ts, alert_id


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "Invalid cursor.", details=[{"field": "cursor", "reason": "not a cursor from this API"}]
    )


def decisions_by_alert(
    db: Session, alert_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AlertDecision]]:
    out: dict[uuid.UUID, list[AlertDecision]] = defaultdict(list)
    if not alert_ids:
        return out
    rows = db.execute(
        select(AlertDecision)
        .where(AlertDecision.alert_id.in_(alert_ids))
        .order_by(AlertDecision.at, AlertDecision.id)
    ).scalars()
    for row in rows:
        out[row.alert_id].append(row)
    return out


def history(
    db: Session, user: User, filters: schemas.HistoryFilters, limit: int, cursor: str | None
) -> schemas.AlertPage:
    """Newest first (by opening time), each alert with its decisions."""
    stmt = select(Alert).where(Alert.user_id == user.id)
    if filters.kind is not None:
        stmt = stmt.where(Alert.kind == filters.kind)
    if filters.status is not None:
        stmt = stmt.where(Alert.status == filters.status)
    if filters.unread is not None:
        stmt = stmt.where(Alert.read_at.is_(None) if filters.unread else Alert.read_at.is_not(None))
    if filters.since is not None:
        stmt = stmt.where(Alert.opened_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Alert.opened_at < filters.until)
    if cursor:
        ts, after_id = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(Alert.opened_at < ts, and_(Alert.opened_at == ts, Alert.id < after_id))
        )
    stmt = stmt.order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit + 1)
    rows = list(db.execute(stmt).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1].opened_at, rows[-1].id)
    decisions = decisions_by_alert(db, [a.id for a in rows])
    items = [alert_out(a, user, decisions.get(a.id, [])) for a in rows]
    return schemas.AlertPage(items=items, next_cursor=next_cursor)


def active(db: Session, user: User) -> list[schemas.AlertOut]:
    rows = db.execute(
        select(Alert)
        .where(Alert.user_id == user.id, Alert.status == "open")
        .order_by(Alert.opened_at.desc(), Alert.id.desc())
    ).scalars()
    return [alert_out(a, user) for a in rows]


def unread_count(db: Session, user: User) -> int:
    stmt = select(func.count()).where(Alert.user_id == user.id, Alert.read_at.is_(None))
    return int(db.execute(stmt).scalar_one())


# -- read, acknowledge ----------------------------------------------------------------------


def mark_read(db: Session, user: User, body: schemas.MarkReadIn) -> schemas.MarkReadOut:
    """Idempotent: alerts already read keep their read_at; ids that are not the user's
    alerts are ignored (the answer's ``updated`` counts what changed)."""
    if body.all == (body.ids is not None):
        raise ValidationFailed(
            'Send either {"ids": [...]} or {"all": true}.',
            details=[{"field": "ids", "reason": "give ids or all=true, not both or neither"}],
        )
    now = utcnow()
    where = [Alert.user_id == user.id, Alert.read_at.is_(None)]
    if body.ids is not None:
        where.append(Alert.id.in_(list(dict.fromkeys(body.ids))))
    changed = list(db.execute(select(Alert.id).where(*where)).scalars())
    if changed:
        db.execute(
            update(Alert)
            .where(Alert.user_id == user.id, Alert.id.in_(changed))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
    unread = unread_count(db, user)
    if changed:
        data = {"ids": [str(i) for i in changed], "all": body.all, "unread": unread}
        publish(db, Broadcast(user.id, "alert.read", data))
    return schemas.MarkReadOut(updated=len(changed), unread=unread)


def acknowledge(db: Session, user: User, alert_id: uuid.UUID) -> schemas.AlertOut:
    """Once per alert: a second call answers the same ``acknowledged_at`` and records
    nothing. The row lock makes two concurrent calls behave the same way."""
    alert = _owned(db, user, alert_id, lock=True)
    if alert.acknowledged_at is None:
        now = utcnow()
        alert.acknowledged_at = now
        if alert.read_at is None:
            alert.read_at = now
        db.add(
            AlertDecision(
                alert_id=alert.id,
                user_id=user.id,
                at=now,
                action=ACK,
                value_mgdl=alert.last_value_mgdl,
            )
        )
        db.flush()
        publish(db, Broadcast(user.id, "alert.acknowledged", _json(alert_out(alert, user))))
    return alert_out(alert, user)


# -- snoozes --------------------------------------------------------------------------------


def max_snooze_min(kind: str) -> int:
    return d.MAX_SNOOZE_MIN.get(kind, d.DEFAULT_MAX_SNOOZE_MIN)


def snooze_out(row: AlertSnooze, now: dt.datetime) -> schemas.SnoozeOut:
    return schemas.SnoozeOut(
        id=row.id,
        kinds=list(row.kinds),
        created_at=row.created_at,
        until=row.until,
        cancelled_at=row.cancelled_at,
        active=row.cancelled_at is None and row.until > now,
    )


def active_snoozes(db: Session, user: User) -> list[schemas.SnoozeOut]:
    now = utcnow()
    rows = db.execute(
        select(AlertSnooze)
        .where(
            AlertSnooze.user_id == user.id,
            AlertSnooze.until > now,
            AlertSnooze.cancelled_at.is_(None),
        )
        .order_by(AlertSnooze.until, AlertSnooze.id)
    ).scalars()
    return [snooze_out(r, now) for r in rows]


def create_snooze(db: Session, user: User, body: schemas.SnoozeIn) -> schemas.SnoozeOut:
    """Snoozes exactly the kinds named (a high snooze never covers a low); the longest
    allowed is the strictest of their limits."""
    kinds = list(dict.fromkeys(body.kinds))
    strictest = min(kinds, key=max_snooze_min)
    limit = max_snooze_min(strictest)
    if body.minutes > limit:
        raise ValidationFailed(
            f"{strictest} can be snoozed for at most {limit} minutes; got {body.minutes}.",
            details=[{"field": "minutes", "reason": f"at most {limit} for {strictest}"}],
        )
    now = utcnow()
    row = AlertSnooze(
        user_id=user.id,
        kinds=kinds,
        created_at=now,
        until=now + dt.timedelta(minutes=body.minutes),
    )
    db.add(row)
    db.flush()
    return snooze_out(row, now)


def cancel_snooze(db: Session, user: User, snooze_id: uuid.UUID) -> schemas.SnoozeOut:
    """Idempotent: the row stays, with the first cancellation time."""
    _lock_first(db, user)
    row = db.execute(
        select(AlertSnooze)
        .where(AlertSnooze.id == snooze_id, AlertSnooze.user_id == user.id)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("No such snooze.")
    now = utcnow()
    if row.cancelled_at is None and row.until > now:
        row.cancelled_at = now
        db.flush()
    return snooze_out(row, now)

"""Alert evaluation on ingest: one evaluation per accepted batch, on the user's newest
canonical CGM reading (issue 14, rule 1: state, not rows).

``on_data_changed`` is an after-commit subscriber (wired in subscribers.py). It opens its own
session, serialises on the user's ``AlertState`` row (row lock on PostgreSQL; on SQLite the
first write statement takes the database's write lock), reads only the last hour of the
canonical stream (index ``ix_glucose_canonical``), skips a batch whose newest reading is not
newer than the one already evaluated, applies ``alerts.rules`` and writes the episodes and
their decisions. Notifications go through ``alerts.delivery.notify`` inside this transaction,
so nothing is sent unless the decision is durable. A failure here is logged (without values)
and never reaches the ingest, which committed before.

Writing the decisions as rows is alerts/episodes.py, shared with the scheduler tick.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from glucolens.alerts import rules
from glucolens.alerts.defaults import (
    PATTERN,
    STALE_DATA,
    STALE_READING_MIN,
    URGENT_LOW,
    effective_configs,
)
from glucolens.alerts.episodes import (
    apply,
    break_low_snoozes,
    close,
    to_episode,
    user_alerting,
)
from glucolens.alerts.models import Alert, AlertConfig, AlertSettings, AlertSnooze, AlertState
from glucolens.auth.models import User
from glucolens.core import metrics
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.events import DataChanged
from glucolens.core.sql import insert_for
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseReading

log = logging.getLogger(__name__)

READINGS_WINDOW = dt.timedelta(minutes=60)
# Episodes older than this matter neither for rejoining (15 min) nor for rate limiting.
EPISODE_LOOKBACK = dt.timedelta(hours=24)


def on_data_changed(evt: DataChanged) -> None:
    """After a write committed: evaluate the user's alerts if glucose changed and the batch
    holds a live reading (backfilled history never alerts, and costs nothing here)."""
    if "glucose" not in evt.kinds:
        return
    now = utcnow()
    newest = evt.newest_reading_at
    if newest is not None and now - newest > dt.timedelta(minutes=STALE_READING_MIN):
        return
    try:
        with get_sessionmaker()() as db:
            evaluate_user(db, evt.user_id, now)
            metrics.ALERT_EVALUATIONS.labels(trigger="ingest").inc()
            db.commit()
    except Exception as exc:  # noqa: BLE001 - the ingest is durable; never raise into it
        # No traceback: a database error's text can carry the statement's values.
        log.error(
            "alert evaluation failed",
            extra={"fields": {"user_id": str(evt.user_id), "error": type(exc).__name__}},
        )


# The hot path's statements are built once, with bound parameters: building a statement
# costs more CPU than running it on a small indexed range (bench/_realtime_alerts.py).
_STATE: Any = AlertState.__table__
_ADVANCE = (
    update(_STATE)
    .where(
        _STATE.c.user_id == bindparam("uid"),
        or_(_STATE.c.last_reading_at.is_(None), _STATE.c.last_reading_at < bindparam("at")),
    )
    .values(
        last_reading_at=bindparam("at"),
        last_value_mgdl=bindparam("value"),
        last_evaluated_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(_STATE.c.pending)
)
_READINGS = (
    select(GlucoseReading.ts, GlucoseReading.value_mgdl)
    .where(
        GlucoseReading.user_id == bindparam("uid"),
        is_canonical_cgm,
        GlucoseReading.ts >= bindparam("since"),
    )
    .order_by(GlucoseReading.ts)
)
_CONFIGS = select(
    AlertConfig.kind,
    AlertConfig.enabled,
    AlertConfig.threshold,
    AlertConfig.repeat_min,
    AlertConfig.persist_min,
    AlertConfig.options,
).where(AlertConfig.user_id == bindparam("uid"))
_EPISODES = (
    select(Alert)
    .where(
        Alert.user_id == bindparam("uid"),
        Alert.kind != PATTERN,
        or_(Alert.status == "open", Alert.opened_at >= bindparam("since")),
    )
    .order_by(Alert.opened_at)
)


def advance_state(
    db: Session, user_id: uuid.UUID, newest: rules.Reading, now: dt.datetime
) -> dict[str, Any] | None:
    """Move the user's ``AlertState`` to ``newest`` if it is newer than the last evaluated
    reading, locking the row until commit (an UPDATE takes PostgreSQL's row lock and SQLite's
    write lock), so evaluations of one user (ingest in any process, the tick) run one after
    another. Returns the persist timers, or None when this reading was already evaluated
    (state, not rows). One statement in the usual case."""
    params = {"uid": user_id, "at": newest.at, "value": newest.value_mgdl, "now": now}
    row = db.execute(_ADVANCE, params).first()
    if row is not None:
        return dict(row[0] or {})
    inserted = db.execute(
        insert_for(db)(_STATE)
        .values(
            user_id=user_id,
            pending={},
            last_reading_at=newest.at,
            last_value_mgdl=newest.value_mgdl,
            last_evaluated_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(_STATE.c.user_id)
    ).first()
    return {} if inserted is not None else None


def recent_readings(db: Session, user_id: uuid.UUID, now: dt.datetime) -> list[rules.Reading]:
    rows = db.execute(_READINGS, {"uid": user_id, "since": now - READINGS_WINDOW}).all()
    return [rules.Reading(ts, float(v)) for ts, v in rows if v is not None]


def latest_episodes(db: Session, user_id: uuid.UUID, now: dt.datetime) -> dict[str, Alert]:
    """Per kind, the open episode, else the latest one of the last day."""
    rows = db.scalars(_EPISODES, {"uid": user_id, "since": now - EPISODE_LOOKBACK}).all()
    latest: dict[str, Alert] = {}
    for a in rows:
        cur = latest.get(a.kind)
        if cur is None or cur.status != "open" or a.status == "open":
            latest[a.kind] = a
    return latest


def load_user_alerting(
    db: Session, user: User, now: dt.datetime, configs: Iterable[Any] | None = None
) -> rules.UserAlerting:
    if configs is None:
        configs = db.scalars(select(AlertConfig).where(AlertConfig.user_id == user.id)).all()
    snoozes = db.scalars(
        select(AlertSnooze).where(
            AlertSnooze.user_id == user.id,
            AlertSnooze.until > now,
            AlertSnooze.cancelled_at.is_(None),
        )
    ).all()
    return user_alerting(user.timezone, configs, db.get(AlertSettings, user.id), snoozes)


def evaluate_user(db: Session, user_id: uuid.UUID, now: dt.datetime) -> bool:
    """One evaluation of the user's newest reading; False when there was nothing new.

    Cheap in the usual case (nothing to decide): the readings, the state (UPDATE), the
    configs and the episodes, then commit. Settings, snoozes and the user are read only when
    the rules found something to decide: they can only suppress, never create, a decision."""
    readings = recent_readings(db, user_id, now)
    if not readings:
        return False
    newest = readings[-1]
    pending = advance_state(db, user_id, newest, now)
    if pending is None:
        return False
    if now - newest.at > dt.timedelta(minutes=STALE_READING_MIN):
        return True  # stale guard: the state moves on, nothing alerts
    configs = db.execute(_CONFIGS, {"uid": user_id}).all()
    episodes = latest_episodes(db, user_id, now)
    first = rules.evaluate(
        readings,
        {k: to_episode(a) for k, a in episodes.items()},
        rules.UserAlerting(configs=effective_configs(configs)),
        now,
        pending,
    )
    stale = episodes.get(STALE_DATA)
    stale_open = stale is not None and stale.status == "open"
    if not first.decisions and not stale_open:
        _follow(db, user_id, episodes, first, newest, pending)
        return True
    user = db.get(User, user_id)
    if user is None:
        return False
    if stale is not None and stale_open:
        close(db, user, stale, "data_returned", now, newest.value_mgdl)
    ua = load_user_alerting(db, user, now, configs)
    result = rules.evaluate(
        readings, {k: to_episode(a) for k, a in episodes.items()}, ua, now, pending
    )
    _follow(db, user_id, episodes, result, newest, pending)
    for d in result.decisions:
        apply(db, user, episodes, d, now, reading=newest, configs=ua.configs)
    if result.break_low_snoozes:
        break_low_snoozes(db, user_id, now, episodes.get(URGENT_LOW))
    return True


def _follow(
    db: Session,
    user_id: uuid.UUID,
    episodes: dict[str, Alert],
    result: rules.Evaluation,
    newest: rules.Reading,
    pending: dict[str, Any],
) -> None:
    """Open episodes follow the newest reading; persist timers are saved when they moved."""
    for kind, a in episodes.items():
        if a.status == "open" and kind != STALE_DATA:
            a.last_value_mgdl, a.last_reading_at = newest.value_mgdl, newest.at
            if kind in result.holding:
                a.last_seen_at = newest.at
    if result.pending != pending:
        db.execute(
            update(AlertState).where(AlertState.user_id == user_id).values(pending=result.pending)
        )

"""The alerts' scheduler tick: what no reading will ever trigger (issue 14).

``run_tick(slot)`` runs every 60 s, once per slot across all processes (core/scheduler):

- stale data: no reading for the user's threshold (20 min) -> a warning, urgent from
  ``urgent_after_min`` (60), repeating until acknowledged; an open glucose episode whose data
  stops closes into a stale-data alert at the stale guard (10 min) instead of going quiet;
- repeats of open threshold episodes whose interval elapsed between readings (urgent low
  every 5 min until acknowledged; rate and forecast kinds repeat on ingest, they need the
  readings);
- urgent low unacknowledged for 10 min -> the emergency contact (recorded either way);
- mutes that have ended are cleared.

Cost: users with nothing to do cost no round trip of their own. Candidates come from two
indexed queries (``alert_state.last_reading_at`` older than the stale guard, and the partial
index of open episodes); their context is loaded in a few batched queries per chunk and the
pure rules decide. Only users with a decision are then locked (their ``AlertState`` rows, as
the ingest evaluation locks them, so the two never notify twice) and re-decided on what the
lock lets them see, in one transaction per chunk. A failing chunk is retried user by user so
one bad row cannot hold back everyone's alerts.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import any_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from glucolens.alerts import episodes, rules, stale_rules
from glucolens.alerts.defaults import (
    GLUCOSE_KINDS,
    HIGH,
    LOW,
    PATTERN,
    RATE_KINDS,
    STALE_DATA,
    STALE_READING_MIN,
    URGENT_HIGH,
    URGENT_LOW,
)
from glucolens.alerts.delivery import notify_many
from glucolens.alerts.models import Alert, AlertConfig, AlertSettings, AlertSnooze, AlertState
from glucolens.auth.models import User
from glucolens.core import metrics
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.sql import is_postgres

log = logging.getLogger(__name__)

REPEAT_KINDS = (URGENT_LOW, LOW, HIGH, URGENT_HIGH)  # repeat on the newest value alone
STALE_GUARD = dt.timedelta(minutes=STALE_READING_MIN)
# No new stale-data episode once data stopped this long ago with none open: an account no
# longer in use, not an outage (an episode already open keeps alerting).
STALE_GIVE_UP = dt.timedelta(days=1)
CHUNK = 500


@dataclass
class UserContext:
    user_id: uuid.UUID
    tz: str = "UTC"
    last_reading_at: dt.datetime | None = None
    last_value_mgdl: float | None = None
    configs: list[AlertConfig] = field(default_factory=list)
    prefs: AlertSettings | None = None
    snoozes: list[AlertSnooze] = field(default_factory=list)
    open: dict[str, Alert] = field(default_factory=dict)


@dataclass
class TickReport:
    candidates: int = 0
    acted: int = 0
    decisions: int = 0
    failed: int = 0
    mutes_cleared: int = 0


def run_tick(slot: dt.datetime) -> None:
    """The periodic job (registered as "alerts.tick", every 60 s)."""
    report = tick(utcnow())
    if report.acted or report.failed:
        log.info("alerts tick", extra={"fields": {**report.__dict__, "slot": slot.isoformat()}})


def tick(now: dt.datetime) -> TickReport:
    report = TickReport()
    with get_sessionmaker()() as db:
        report.mutes_cleared = expire_mutes(db, now)
        db.commit()
        candidates = find_candidates(db, now)
    report.candidates = len(candidates)
    metrics.ALERT_EVALUATIONS.labels(trigger="tick").inc(len(candidates))
    for i in range(0, len(candidates), CHUNK):
        chunk = candidates[i : i + CHUNK]
        with get_sessionmaker()() as db:
            ctx = load_contexts(db, chunk, now)
            todo = [u for u in chunk if _has_work(ctx[u], now)]
        if todo:
            _process(todo, now, report, ctx)
    return report


def expire_mutes(db: Session, now: dt.datetime) -> int:
    result = db.execute(
        update(AlertSettings).where(AlertSettings.mute_until <= now).values(mute_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def find_candidates(db: Session, now: dt.datetime) -> list[uuid.UUID]:
    """Users whose data stopped (index on ``last_reading_at``) and users with an open episode
    the tick may have to repeat, escalate or close (partial index of open episodes)."""
    stale = db.scalars(
        select(AlertState.user_id).where(
            AlertState.last_reading_at < now - STALE_GUARD,
            AlertState.last_reading_at >= now - STALE_GIVE_UP,
        )
    ).all()
    open_ = db.scalars(
        select(Alert.user_id)
        .where(
            Alert.status == "open",
            Alert.kind.in_((*REPEAT_KINDS, STALE_DATA)),
            or_(Alert.acknowledged_at.is_(None), Alert.kind == STALE_DATA),
        )
        .distinct()
    ).all()
    return sorted(set(stale) | set(open_))


def _among(db: Session, column: Any, ids: Sequence[uuid.UUID]) -> Any:
    """``column IN ids``. On PostgreSQL as ``= ANY(<one array parameter>)``: one statement
    text whatever the chunk's size, so the driver parses it once, not per chunk."""
    if is_postgres(db):
        return column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))
    return column.in_(list(ids))


def load_contexts(
    db: Session,
    user_ids: Sequence[uuid.UUID],
    now: dt.datetime,
    settled: Mapping[uuid.UUID, UserContext] | None = None,
) -> dict[uuid.UUID, UserContext]:
    """Everything the rules need for these users, in one query per table. With ``settled``
    (the same users read a moment ago), only what an evaluation may have changed since is
    read again: the state and the open episodes; settings are taken from ``settled``."""
    ctx = {u: UserContext(u) for u in user_ids}
    ids = list(user_ids)
    for uid, last_at, last_v in db.execute(
        select(AlertState.user_id, AlertState.last_reading_at, AlertState.last_value_mgdl).where(
            _among(db, AlertState.user_id, ids)
        )
    ):
        ctx[uid].last_reading_at, ctx[uid].last_value_mgdl = last_at, last_v
    for alert in db.scalars(
        select(Alert).where(
            _among(db, Alert.user_id, ids), Alert.status == "open", Alert.kind != PATTERN
        )
    ):
        ctx[alert.user_id].open[alert.kind] = alert
    if settled is not None:
        for uid, u in ctx.items():
            before = settled[uid]
            u.tz, u.configs, u.prefs, u.snoozes = (
                before.tz,
                before.configs,
                before.prefs,
                before.snoozes,
            )
        return ctx
    for uid, tz in db.execute(select(User.id, User.timezone).where(_among(db, User.id, ids))):
        ctx[uid].tz = tz or "UTC"
    for cfg in db.scalars(select(AlertConfig).where(_among(db, AlertConfig.user_id, ids))):
        ctx[cfg.user_id].configs.append(cfg)
    for prefs in db.scalars(select(AlertSettings).where(_among(db, AlertSettings.user_id, ids))):
        ctx[prefs.user_id].prefs = prefs
    for snooze in db.scalars(
        select(AlertSnooze).where(
            _among(db, AlertSnooze.user_id, ids),
            AlertSnooze.until > now,
            AlertSnooze.cancelled_at.is_(None),
        )
    ):
        ctx[snooze.user_id].snoozes.append(snooze)
    return ctx


def decide(u: UserContext, now: dt.datetime) -> list[rules.Decision]:
    """The scheduler's decisions for one user (pure, on the loaded context)."""
    ua = episodes.user_alerting(u.tz, u.configs, u.prefs, u.snoozes)
    out: list[rules.Decision] = []
    ul = u.open.get(URGENT_LOW)
    if ul is not None:
        esc = stale_rules.escalation(episodes.to_episode(ul), ua, now)
        if esc is not None:
            out.append(esc)
    last = u.last_reading_at
    if last is None:
        return out
    glucose_open = sorted(k for k in u.open if k in GLUCOSE_KINDS | RATE_KINDS)
    stale_ep = u.open.get(STALE_DATA)
    d = stale_rules.stale_data_decision(
        last,
        episodes.to_episode(stale_ep) if stale_ep is not None else None,
        ua,
        now,
        glucose_episode_open=bool(glucose_open),
    )
    if d is not None:
        if d.action == "open" and glucose_open:
            d.details["from_kinds"] = glucose_open
        out.append(d)
    if now - last >= STALE_GUARD:
        if stale_ep is not None or (d is not None and d.action == "open"):
            out.extend(rules.Decision(k, "close", reason="stale") for k in glucose_open)
        return out  # stale guard: no glucose repeat from an old reading
    for kind in REPEAT_KINDS:
        alert = u.open.get(kind)
        cfg = ua.configs[kind]
        if alert is None or alert.last_value_mgdl is None or not cfg.enabled:
            continue
        if rules.value_condition(kind, alert.last_value_mgdl, cfg):
            rep = rules.repeat_decision(
                kind, episodes.to_episode(alert), cfg, ua, now, alert.last_value_mgdl
            )
            if rep is not None:
                out.append(rep)
    return out


def _has_work(u: UserContext, now: dt.datetime) -> bool:
    try:
        return bool(decide(u, now))
    except Exception:  # noqa: BLE001 - left to _process, which isolates and logs it
        return True


def lock_states(db: Session, user_ids: Iterable[uuid.UUID]) -> None:
    """The same per-user lock as the ingest evaluation (engine.advance_state), for many users
    in one statement, in a fixed order so two lockers never deadlock."""
    ids = sorted(user_ids)
    if is_postgres(db):
        db.execute(
            select(AlertState.user_id)
            .where(_among(db, AlertState.user_id, ids))
            .order_by(AlertState.user_id)
            .with_for_update()
        )
    else:  # the first write statement takes SQLite's write lock (core/sqlite_writes)
        db.execute(
            update(AlertState)
            .where(_among(db, AlertState.user_id, ids))
            .values(updated_at=AlertState.updated_at)
        )


def _apply_users(
    db: Session,
    user_ids: list[uuid.UUID],
    now: dt.datetime,
    settled: Mapping[uuid.UUID, UserContext],
) -> tuple[int, int]:
    lock_states(db, user_ids)
    # What the lock lets us see, not the snapshot the candidates were chosen on.
    ctx = load_contexts(db, user_ids, now, settled)
    users = {u.id: u for u in db.scalars(select(User).where(_among(db, User.id, user_ids)))}
    acted = n = 0
    outbox: episodes.Outbox = []
    for uid in user_ids:
        u, user = ctx[uid], users.get(uid)
        decisions = decide(u, now)
        if user is None or not decisions:
            continue
        acted += 1
        configs = episodes.user_alerting(u.tz, u.configs, u.prefs, u.snoozes).configs
        by_kind = dict(u.open)
        reading = (
            rules.Reading(u.last_reading_at, u.last_value_mgdl)
            if u.last_reading_at is not None and u.last_value_mgdl is not None
            else None
        )
        for d in decisions:
            n += 1
            opens_stale = d.kind == STALE_DATA and d.action == "open"
            episodes.apply(
                db,
                user,
                by_kind,
                d,
                now,
                reading=reading if opens_stale else None,
                configs=configs,
                outbox=outbox,
            )
    db.flush()  # the chunk's episodes and decisions, one batched INSERT per table
    # Every notification of the chunk in one batch: a few statements whatever its size.
    notify_many(db, [(a, purpose, kw.get("recipient", "user")) for a, purpose, kw in outbox])
    return acted, n


def _process(
    user_ids: list[uuid.UUID],
    now: dt.datetime,
    report: TickReport,
    settled: Mapping[uuid.UUID, UserContext],
) -> None:
    try:
        with get_sessionmaker()() as db:
            acted, n = _apply_users(db, user_ids, now, settled)
            db.commit()
        report.acted += acted
        report.decisions += n
    except Exception as exc:  # noqa: BLE001 - one user's bad row must not stop the rest
        if len(user_ids) > 1:
            for uid in user_ids:
                _process([uid], now, report, settled)
            return
        report.failed += 1
        # No traceback: a database error's text can carry the statement's values.
        log.error(
            "alerts tick failed for a user",
            extra={"fields": {"user_id": str(user_ids[0]), "error": type(exc).__name__}},
        )

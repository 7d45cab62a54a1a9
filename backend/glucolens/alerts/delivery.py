"""Alert deliveries: which channels get a notification, and sending them after commit.

``notify`` runs inside the caller's transaction (the engine's, the tick's, the test
endpoint's). It only writes ``AlertDelivery`` rows and publishes two events on the session:
``Broadcast`` (the WebSocket message, sent by the hub subscriber) and ``DeliveriesQueued``.
Both go out after commit and never after a rollback (core/events). ``on_deliveries_queued``
(wired in subscribers.py) hands the row ids to a small thread pool that sends them, so the
committing request or tick never waits for an SMTP server or a push service.

Each attempt first claims its row with a conditional UPDATE (``status='pending' AND
next_attempt_at <= now`` -> ``next_attempt_at = now + lease``, ``attempts + 1``), so of all
the processes that see a row due (the pool right after commit, the periodic
``run_due_deliveries`` of any process) exactly one sends it. A process that dies mid-send
leaves its lease to expire, and the row is retried. Retryable failures back off
exponentially up to ``alert_delivery_max_attempts``; the rest end as ``failed`` or ``gone``.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from glucolens import __version__
from glucolens.alerts import content
from glucolens.alerts.channels import Outcome, send_email, send_push, send_webhook, urgency_for
from glucolens.alerts.delivery_rows import (
    EMAIL,
    EMERGENCY_CONTACT,
    PUSH,
    USER,
    WEBHOOK,
    WEBSOCKET,
    notify_many,
)
from glucolens.alerts.models import Alert, AlertDelivery, AlertSettings, PushSubscription
from glucolens.alerts.vapid import get_vapid
from glucolens.auth.models import User
from glucolens.core import metrics
from glucolens.core.config import Settings, get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.events import DeliveriesQueued
from glucolens.core.hub import unpublished

log = logging.getLogger(__name__)

__all__ = ["notify", "notify_many", "on_deliveries_queued", "run_due_deliveries"]
# Rows the periodic job looks at per run; the rest wait for the next slot.
DUE_BATCH = 200

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_inflight: dict[int, concurrent.futures.Future[None]] = {}


def notify(
    db: Session, alert: Alert, purpose: str, *, recipient: str = USER
) -> list[AlertDelivery]:
    """Create this notification's delivery rows in the caller's transaction and arrange for
    them to be sent after commit. Returns the rows (flushed, so they have ids).

    The user: the WebSocket always; email, push (one row per active subscription) and the
    webhook as ``effective_channels(AlertSettings.channels)`` enables them. A ``feed`` item
    (a new pattern) is quiet: WebSocket only. The emergency contact: email only, and nothing
    when no contact is set. Email without SMTP configured is recorded as failed (``smtp not
    configured``), so the gap is visible in the history instead of silently skipped. Many
    notifications in one transaction (the tick): ``notify_many``, a few statements in all."""
    return notify_many(db, [(alert, purpose, recipient)])


# ---------------------------------------------------------------- after commit


def _executor_locked() -> concurrent.futures.ThreadPoolExecutor:
    """The pool (created on first use); the caller holds ``_pool_lock``."""
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="alert-delivery"
        )
    return _pool


def on_deliveries_queued(evt: DeliveriesQueued) -> None:
    """After-commit subscriber: mark the WebSocket rows sent and send the others, all in
    the background."""
    if evt.websocket_ids:
        with _pool_lock:
            fut = _executor_locked().submit(_mark_sockets_sent, evt.websocket_ids)
            for delivery_id in evt.websocket_ids:
                _inflight[delivery_id] = fut
        for delivery_id in evt.websocket_ids:
            fut.add_done_callback(_forget(delivery_id))
    submit(evt.delivery_ids)


def _mark_sockets_sent(ids: Sequence[int]) -> None:
    """The Broadcasts of these rows went to the hub with the commit that wrote them (they
    ran before this event's subscriber): sent, unless the hub could not publish one (Redis
    down, or no server in this process), which is recorded as failed, not as a success."""
    failed = unpublished(ids)
    sent = [i for i in ids if i not in failed]
    try:
        with get_sessionmaker()() as db:
            for chunk, values in (
                (sent, {"status": "sent", "sent_at": utcnow()}),
                (sorted(failed), {"status": "failed", "last_error": "hub_unavailable"}),
            ):
                for i in range(0, len(chunk), 500):
                    db.execute(
                        update(AlertDelivery)
                        .where(
                            AlertDelivery.id.in_(chunk[i : i + 500]),
                            AlertDelivery.status == "pending",
                        )
                        .values(attempts=1, **values)
                    )
            # Counted before the commit that makes the rows visible, so whoever sees a row
            # leave "pending" also sees it counted.
            metrics.ALERT_DELIVERIES.labels(channel=WEBSOCKET, outcome="sent").inc(len(sent))
            if failed:
                metrics.ALERT_DELIVERIES.labels(channel=WEBSOCKET, outcome="failed").inc(
                    len(failed)
                )
            db.commit()
    except Exception:  # noqa: BLE001 - a pool thread has nobody to raise to
        log.exception("marking WebSocket deliveries sent failed")


def submit(
    ids: Iterable[int], now: dt.datetime | None = None
) -> list[concurrent.futures.Future[None]]:
    """Queue one attempt per id on the pool; ids this process is already sending are
    skipped (another process may still race for them: the claim decides)."""
    futures = []
    for delivery_id in ids:
        with _pool_lock:
            if delivery_id in _inflight:
                continue
            fut = _executor_locked().submit(_run_one, delivery_id, now)
            _inflight[delivery_id] = fut
        fut.add_done_callback(_forget(delivery_id))
        futures.append(fut)
    return futures


def _forget(delivery_id: int) -> Callable[[concurrent.futures.Future[None]], None]:
    def done(_fut: concurrent.futures.Future[None]) -> None:
        with _pool_lock:
            _inflight.pop(delivery_id, None)

    return done


def wait_for(ids: Iterable[int], timeout_s: float) -> bool:
    """Wait (bounded) for this process's sends of ``ids`` to finish; False on timeout."""
    with _pool_lock:
        futures = [f for i in ids if (f := _inflight.get(i)) is not None]
    if not futures:
        return True
    _done, not_done = concurrent.futures.wait(futures, timeout=timeout_s)
    return not not_done


def _run_one(delivery_id: int, now: dt.datetime | None = None) -> None:
    try:
        deliver(delivery_id, now=now)
    except Exception:  # noqa: BLE001 - a pool thread has nobody to raise to
        log.exception("alert delivery crashed", extra={"fields": {"delivery_id": delivery_id}})


def run_due_deliveries(slot: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """The "alerts.deliveries" periodic job (core/scheduler, every 15 s): queue every
    pending row whose retry time has come, and rows whose after-commit send never ran (the
    process died between commit and send). It returns at once: the scheduler's thread also
    runs the stale-data tick, which must not wait on a slow SMTP server. ``now`` exists for
    tests that jump ahead in time."""
    submit_due(now or utcnow())


def submit_due(now: dt.datetime) -> list[concurrent.futures.Future[None]]:
    """Queue the due rows (at most ``DUE_BATCH``, oldest first) on the pool."""
    with get_sessionmaker()() as db:
        ids = db.scalars(
            select(AlertDelivery.id)
            .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.next_attempt_at)
            .limit(DUE_BATCH)
        ).all()
    return submit(ids, now)


# ---------------------------------------------------------------- one attempt


def _lease(settings: Settings) -> dt.timedelta:
    # Longer than any one attempt can take, so a live sender never loses its claim.
    return dt.timedelta(seconds=3 * settings.alert_delivery_timeout_s + 30)


def _claim(db: Session, delivery_id: int, now: dt.datetime, settings: Settings) -> int | None:
    """Take the row for one attempt; the attempt number for the one winner, else None."""
    won = db.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
        )
        .values(attempts=AlertDelivery.attempts + 1, next_attempt_at=now + _lease(settings))
    ).rowcount  # type: ignore[attr-defined]
    db.commit()
    if not won:
        return None
    attempts = db.scalar(select(AlertDelivery.attempts).where(AlertDelivery.id == delivery_id))
    return int(attempts or 0)


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """One attempt at one delivery row, if this process wins it. True when attempted."""
    settings = get_settings()
    with get_sessionmaker()() as db:
        row = db.get(AlertDelivery, delivery_id)
        if row is None or row.status != "pending":
            return False
        if row.channel == WEBSOCKET:
            # The Broadcast went out after the same commit as this row (hub subscriber).
            db.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == delivery_id, AlertDelivery.status == "pending")
                .values(status="sent", sent_at=utcnow(), attempts=1)
            )
            db.commit()
            return True
        attempt = _claim(db, delivery_id, now or utcnow(), settings)
        if attempt is None:
            return False
        db.refresh(row)
        plan = _plan(db, row, attempt, settings)
        # End the read transaction before the network: no connection sits idle in a
        # transaction for an SMTP server's 10 seconds (the session keeps its loaded rows).
        db.commit()
        outcome = plan if isinstance(plan, Outcome) else plan()
        _record(db, row, attempt, outcome, settings)
        return True


def _plan(
    db: Session, row: AlertDelivery, attempt: int, settings: Settings
) -> Outcome | Callable[[], Outcome]:
    """What this attempt will send (a call to a sender, made after the reads end), or the
    outcome at once when there is nothing to send."""
    alert = db.get(Alert, row.alert_id)
    user = db.get(User, row.user_id)
    if alert is None or user is None:
        return Outcome(ok=False, error_code="alert_deleted")
    if attempt > 1 and alert.status != "open" and row.purpose != "test":
        # A retry minutes later about an episode that already ended would only mislead.
        return Outcome(ok=False, error_code="alert_resolved_before_retry")
    prefs = db.get(AlertSettings, row.user_id)
    timeout = settings.alert_delivery_timeout_s
    if row.channel == EMAIL:
        if row.recipient == EMERGENCY_CONTACT:
            to = prefs.emergency_contact_email if prefs is not None else None
            if not to:
                return Outcome(ok=False, error_code="emergency_contact_removed")
            subject, body = content.emergency_email(alert, user, prefs, settings)
        else:
            to = user.email
            subject, body = content.user_email(alert, user, settings)
        return partial(send_email, to, subject, body, settings)
    if row.channel == PUSH:
        sub = (
            db.get(PushSubscription, row.push_subscription_id) if row.push_subscription_id else None
        )
        if sub is None or sub.disabled_at is not None:
            return Outcome(ok=False, gone=True, error_code="subscription_removed")
        try:
            vapid = get_vapid()
        except (ValueError, OSError, RuntimeError):
            return Outcome(ok=False, error_code="vapid_key_unusable")
        return partial(
            send_push,
            {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
            content.push_payload(alert, user, row.purpose, settings),
            vapid=vapid,
            ttl_s=settings.alert_push_ttl_s,
            urgency=urgency_for(alert.severity),
            timeout_s=timeout,
            topic=f"a{alert.id.hex[:30]}",
        )
    if row.channel == WEBHOOK:
        if prefs is None or not prefs.webhook_url:
            return Outcome(ok=False, error_code="webhook_removed")
        return partial(
            send_webhook,
            prefs.webhook_url,
            content.webhook_payload(alert, user, row.purpose, settings),
            timeout_s=timeout,
            user_agent=f"GlucoLens/{__version__} (alert webhook)",
        )
    return Outcome(ok=False, error_code="unknown_channel")


def _record(
    db: Session, row: AlertDelivery, attempt: int, outcome: Outcome, settings: Settings
) -> None:
    now = utcnow()
    values: dict[str, Any]
    if outcome.ok:
        values = {"status": "sent", "sent_at": now, "last_error": None, "next_attempt_at": None}
    elif outcome.gone:
        values = {"status": "gone", "last_error": outcome.error_code, "next_attempt_at": None}
    elif outcome.retryable and attempt < settings.alert_delivery_max_attempts:
        wait = settings.alert_delivery_backoff_s * 2 ** (attempt - 1)
        wait = max(wait, min(outcome.retry_after_s or 0.0, 3600.0))
        values = {
            "status": "pending",
            "last_error": outcome.error_code,
            "next_attempt_at": now + dt.timedelta(seconds=wait),
        }
    else:
        values = {"status": "failed", "last_error": outcome.error_code, "next_attempt_at": None}
    if values["last_error"]:
        values["last_error"] = values["last_error"][:200]
    # Only while the claim is still ours (same attempt number, still pending).
    db.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == row.id,
            AlertDelivery.status == "pending",
            AlertDelivery.attempts == attempt,
        )
        .values(**values)
    )
    if row.channel == PUSH and row.push_subscription_id is not None:
        _record_subscription(db, row.push_subscription_id, outcome, now)
    db.commit()
    status = values["status"]
    metrics.ALERT_DELIVERIES.labels(
        channel=row.channel, outcome="retry" if status == "pending" else status
    ).inc()
    if outcome.ok and row.created_at is not None:
        metrics.ALERT_DELIVERY_LATENCY.labels(channel=row.channel).observe(
            (now - row.created_at).total_seconds()
        )
    if not outcome.ok:
        log.info(
            "alert delivery not sent",
            extra={
                "fields": {
                    "delivery_id": row.id,
                    "channel": row.channel,
                    "attempt": attempt,
                    "status": values["status"],
                    "error": outcome.error_code,
                }
            },
        )


def _record_subscription(
    db: Session, sub_id: uuid.UUID, outcome: Outcome, now: dt.datetime
) -> None:
    where = PushSubscription.id == sub_id
    if outcome.ok:
        db.execute(update(PushSubscription).where(where).values(last_success_at=now, failures=0))
    elif outcome.gone:
        db.execute(
            update(PushSubscription)
            .where(where, PushSubscription.disabled_at.is_(None))
            .values(disabled_at=now)
        )
    else:
        db.execute(
            update(PushSubscription).where(where).values(failures=PushSubscription.failures + 1)
        )

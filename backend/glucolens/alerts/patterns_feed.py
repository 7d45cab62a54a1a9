"""The "pattern" kind: a new recurring pattern or anomaly found by the insights (the seed's
"pattern_detected"), as a quiet feed item.

``on_insights_updated`` is an in-transaction subscriber of ``InsightsUpdated`` (published by
insights/repository.upsert_results with the results it describes). Each new finding becomes
an info ``Alert`` that is born resolved (it is news, not an episode: nothing to acknowledge
or repeat) and unread, delivered as a ``feed`` notification (WebSocket only, see
alerts/delivery.notify). A finding already fed in the last 30 days is not fed again, and a
run feeds at most ``MAX_PER_RUN`` items (a first run over months of history finds several).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.alerts.defaults import PATTERN, SEVERITY, effective_configs
from glucolens.alerts.delivery import notify_many
from glucolens.alerts.episodes import record
from glucolens.alerts.models import Alert, AlertConfig
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.events import InsightsUpdated

log = logging.getLogger(__name__)

MAX_PER_RUN = 3
SEEN_FOR = dt.timedelta(days=30)
DETAIL_KEYS = ("key", "pattern", "label", "hour", "start")


def on_insights_updated(db: Session, evt: InsightsUpdated) -> None:
    """In the insights job's transaction: the feed items are stored with the results they
    describe, or not at all, and no work is left running after the job says it is done. A
    failure is logged (without values) and undone to a savepoint; it never fails the job."""
    try:
        with db.begin_nested():
            feed(db, evt, utcnow())
    except Exception as exc:  # noqa: BLE001 - the insights must be stored all the same
        log.error(
            "pattern feed failed",
            extra={"fields": {"user_id": str(evt.user_id), "error": type(exc).__name__}},
        )


def feed(db: Session, evt: InsightsUpdated, now: dt.datetime) -> list[Alert]:
    """Write (and notify) one feed item per new finding; returns them."""
    if db.get(User, evt.user_id) is None:
        return []
    rows = db.scalars(
        select(AlertConfig).where(AlertConfig.user_id == evt.user_id, AlertConfig.kind == PATTERN)
    ).all()
    if not effective_configs(rows)[PATTERN].enabled:
        return []
    recent = db.scalars(
        select(Alert.details).where(
            Alert.user_id == evt.user_id, Alert.kind == PATTERN, Alert.opened_at >= now - SEEN_FOR
        )
    ).all()
    seen = {d.get("key") for d in recent if isinstance(d, dict)}
    out: list[Alert] = []
    for finding in (*evt.patterns, *evt.anomalies):
        if len(out) >= MAX_PER_RUN:
            break
        if not isinstance(finding, dict) or finding.get("key") in seen:
            continue
        seen.add(finding.get("key"))
        details: dict[str, Any] = {k: finding[k] for k in DETAIL_KEYS if k in finding}
        alert = Alert(
            id=uuid.uuid4(),
            user_id=evt.user_id,
            kind=PATTERN,
            severity=SEVERITY[PATTERN],
            status="resolved",
            opened_at=now,
            resolved_at=now,
            resolved_reason="informational",
            last_notified_at=now,
            notify_count=1,
            details=details,
        )
        db.add(alert)
        record(db, alert, "notified", None, now)
        out.append(alert)
    # Last, in one batch: its events are published only once every row is written.
    notify_many(db, [(a, "feed", "user") for a in out])
    return out

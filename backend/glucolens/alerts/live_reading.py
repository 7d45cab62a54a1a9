"""The ``reading`` message of ``/ws/alerts``: the newest canonical CGM reading, after commit.

``on_data_changed`` (an after-commit subscriber of ``DataChanged``, wired in subscribers.py)
sends one message per accepted batch, not per row, and only for live data: a backfill
(``is_backfill``) or a batch whose newest canonical reading is older than ``LIVE_WINDOW``
(a history upload, an import, a late copy from a second source) sends nothing, so a
30-day upload does not replay a month on the dashboard.

``delta`` follows Nightscout's: the change from the reading about five minutes earlier
(the nearest one 2.5 to 10 minutes before), scaled to five minutes, so 1-minute uploaders
and 5-minute sensors read alike; None without such a reading.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.events import DataChanged
from glucolens.core.hub import get_hub, iso_utc
from glucolens.core.units import from_mgdl
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseReading

LIVE_WINDOW = dt.timedelta(minutes=10)
DELTA_SPAN = dt.timedelta(minutes=5)
DELTA_MIN = dt.timedelta(minutes=2, seconds=30)
DELTA_MAX = dt.timedelta(minutes=10)
# Enough rows for 1-minute data over DELTA_MAX, with room for a few copies of seconds apart.
RECENT_ROWS = 20


def reading_message(db: Session, user_id: uuid.UUID, now: dt.datetime) -> dict[str, Any] | None:
    """The ``reading`` message's data, or None when the newest reading is not live."""
    unit = db.execute(select(User.unit).where(User.id == user_id)).scalar_one_or_none()
    if unit is None:
        return None
    g = GlucoseReading
    rows = db.execute(
        select(g.ts, g.value_mgdl, g.trend, g.source, g.flag)
        .where(g.user_id == user_id, is_canonical_cgm, g.ts >= now - LIVE_WINDOW - DELTA_MAX)
        .order_by(g.ts.desc())
        .limit(RECENT_ROWS)
    ).all()
    if not rows or now - rows[0].ts > LIVE_WINDOW:
        return None
    newest = rows[0]
    delta_mgdl = None
    earlier = [r for r in rows[1:] if DELTA_MIN <= newest.ts - r.ts <= DELTA_MAX]
    if earlier:
        target = newest.ts - DELTA_SPAN
        previous = min(earlier, key=lambda r: abs((r.ts - target).total_seconds()))
        span_s = (newest.ts - previous.ts).total_seconds()
        scaled = (newest.value_mgdl - previous.value_mgdl) * DELTA_SPAN.total_seconds() / span_s
        delta_mgdl = round(scaled, 1)
    return {
        "ts": iso_utc(newest.ts),
        "value_mgdl": round(newest.value_mgdl, 1),
        "value": from_mgdl(newest.value_mgdl, unit),
        "unit": unit,
        "trend": newest.trend,
        "delta_mgdl": delta_mgdl,
        "delta": from_mgdl(delta_mgdl, unit),
        "source": newest.source,
        "flag": newest.flag,
    }


def on_data_changed(evt: DataChanged) -> None:
    """After commit: publish the user's newest reading when a live glucose batch landed."""
    if "glucose" not in evt.kinds or evt.is_backfill or evt.newest_reading_at is None:
        return
    now = utcnow()
    if now - evt.newest_reading_at > LIVE_WINDOW:
        return
    with get_sessionmaker()() as db:
        data = reading_message(db, evt.user_id, now)
    if data is not None:
        get_hub().publish(evt.user_id, "reading", data)

"""What every data write does inside its own transaction, whatever the kind of data.

A write that changed rows marks the user's ``data_changed_at`` (so stored insights read as
stale) and publishes ``DataChanged``; both become durable with the rows, or not at all.
Readers (insights, later alerts and the WebSocket hub) react after commit through their
subscriptions, wired by the entry points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.events import DataChanged, publish


def record_change(
    db: Session,
    user: User,
    kind: str,
    instants: Iterable[dt.datetime],
    source: str | None = None,
) -> None:
    when = list(instants)
    earliest, latest = (min(when), max(when)) if when else (None, None)
    now = utcnow()
    db.execute(update(User).where(User.id == user.id).values(data_changed_at=now))
    publish(
        db,
        DataChanged(
            user_id=user.id,
            kinds=frozenset({kind}),
            earliest=earliest,
            latest=latest,
            newest_reading_at=latest if kind == "glucose" else None,
            source=source,
            is_backfill=latest is not None and now - latest > dt.timedelta(hours=1),
        ),
    )

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
    when = sorted(instants)
    now = utcnow()
    db.execute(update(User).where(User.id == user.id).values(data_changed_at=now))
    publish(
        db,
        DataChanged(
            user_id=user.id,
            kinds=frozenset({kind}),
            earliest=when[0] if when else None,
            latest=when[-1] if when else None,
            newest_reading_at=when[-1] if when and kind == "glucose" else None,
            source=source,
            is_backfill=bool(when) and (now - when[-1]) > dt.timedelta(hours=1),
        ),
    )

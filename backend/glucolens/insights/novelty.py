"""Persistence of the streaming matrix profile between insight runs.

The analytics side (``analytics.streaming.update_novelty``) is pure: it takes the saved
state as bytes and returns the next one. This module loads and saves those bytes, one
row per user and window size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from glucolens.core.db import utcnow
from glucolens.insights.models import PatternStreamState


@dataclass
class StreamStateStore:
    """The saved streaming state of one user, read and written in the job's session
    (the job commits it together with the results)."""

    db: Session
    user_id: uuid.UUID

    def load(self, window_points: int) -> bytes | None:
        row = self.db.get(PatternStreamState, (self.user_id, window_points))
        return None if row is None else bytes(row.state)

    def save(self, window_points: int, state: bytes, last_ts: dt.datetime) -> None:
        """Upsert, so two jobs of the same user that race on the first save do not fail
        on the primary key (the later state wins)."""
        insert = pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert
        values = {
            "user_id": self.user_id,
            "window_points": window_points,
            "state": state,
            "last_ts": last_ts,
        }
        stmt = insert(PatternStreamState).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "window_points"],
            set_={
                "state": stmt.excluded.state,
                "last_ts": stmt.excluded.last_ts,
                "updated_at": utcnow(),
            },
        )
        self.db.execute(stmt)

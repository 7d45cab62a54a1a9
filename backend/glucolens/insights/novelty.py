"""Persistence of the streaming matrix profile between insight runs.

The analytics side (``analytics.streaming.update_novelty``) is pure: it takes the saved
state as bytes and returns the next one. This module loads and saves those bytes, one
row per user and window size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

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
        row = self.db.get(PatternStreamState, (self.user_id, window_points))
        if row is None:
            row = PatternStreamState(user_id=self.user_id, window_points=window_points)
            self.db.add(row)
        row.state, row.last_ts = state, last_ts

"""Data by source: how many rows each source contributed, and deleting all of one source.

Deleting is one transaction under the user's write lock: the rows of every kind, the day
aggregates of the days they touched, and ``data_changed_at``. ``DataRemoved`` lets the
insights drop results computed from the removed rows within the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.errors import NotFound
from glucolens.core.events import DataRemoved, publish
from glucolens.core.sql import lock_user_writes
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings import aggregates, canonical
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseReading, InsulinDose

KINDS: dict[str, Any] = {
    "glucose": GlucoseReading,
    "insulin": InsulinDose,
    "sleep": SleepSession,
    "meals": Meal,
    "activities": Activity,
}


def counts_by_source(db: Session, user: User) -> dict[str, dict[str, int]]:
    """Raw rows per source and kind (every row kept, copies included), and under
    ``glucose_duplicates`` how many of a source's glucose rows are copies of another
    source's readings (left out of the canonical stream)."""
    out: dict[str, dict[str, int]] = {}
    for kind, model in KINDS.items():
        rows = db.execute(
            select(model.source, func.count())
            .where(model.user_id == user.id)
            .group_by(model.source)
        ).all()
        for source, n in rows:
            out.setdefault(source, dict.fromkeys(KINDS, 0))[kind] = int(n)
    g = GlucoseReading
    copies = db.execute(
        select(g.source, func.count(g.dup_of)).where(g.user_id == user.id).group_by(g.source)
    ).all()
    for source, n in copies:
        out.setdefault(source, dict.fromkeys(KINDS, 0))["glucose_duplicates"] = int(n)
    return out


def delete_source(db: Session, user: User, source: str) -> dict[str, int]:
    lock_user_writes(db, user.id)
    glucose_times = (
        db.execute(
            select(GlucoseReading.ts).where(
                GlucoseReading.user_id == user.id, GlucoseReading.source == source
            )
        )
        .scalars()
        .all()
    )
    deleted: dict[str, int] = {}
    for kind, model in KINDS.items():
        result = db.execute(delete(model).where(model.user_id == user.id, model.source == source))
        deleted[kind] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if not any(deleted.values()):
        raise NotFound(f"No data from source '{source}'.")
    if glucose_times:
        # Copies of the deleted readings from other sources become canonical (promoted).
        moved = canonical.recanonicalize(db, user, min(glucose_times), max(glucose_times))
        aggregates.refresh_days(db, user, [*glucose_times, *moved])
    record_change(db, user, "all", [])
    publish(db, DataRemoved(user_id=user.id, source=source))
    return deleted

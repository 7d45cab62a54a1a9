"""Deleting data by source and/or time range, with the counts shown before confirming.

A scope is any combination of a source and a half-open time range ``[start, end)`` (either
bound may be open). A row is in the range when its time is: ``timestamp`` for readings,
doses and meals, ``start`` for sleep sessions and activities (a night that began before
``start`` stays whole). The preview and the deletion use the same conditions, so what the
preview counted is what goes, unless something was written in between.

Deleting works like ``service.delete_source``: one transaction under the user's write lock,
the canonical glucose stream recomputed over the touched days (another source's copy of a
deleted reading becomes canonical), the day aggregates of the days that lost or gained
readings recomputed, ``data_changed_at`` marked, and ``DataRemoved`` so the insights drop
results computed from the removed rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.errors import ConfirmationRequired, ValidationFailed
from glucolens.core.events import DataRemoved, publish
from glucolens.core.sql import lock_user_writes
from glucolens.core.timeutil import local_day_bounds, zone
from glucolens.readings import aggregates, canonical
from glucolens.readings.changes import record_change
from glucolens.readings.models import GlucoseReading
from glucolens.sources.service import KINDS

# The column that places each kind's rows in time.
TIME_ATTR = {
    "glucose": "ts",
    "insulin": "ts",
    "sleep": "start",
    "meals": "ts",
    "activities": "start",
}
# Glucose instants are read in pages of this many to find the touched days.
_DAY_SCAN_ROWS = 10_000


@dataclass(frozen=True)
class DeletionScope:
    source: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def check(self) -> DeletionScope:
        if self.source is None and self.start is None and self.end is None:
            raise ValidationFailed(
                "Say what to delete: a source, a start, an end, or a combination.",
                details=[{"field": "source", "reason": "give at least one of source, start, end"}],
            )
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationFailed(
                "start must be before end (the range is [start, end)).",
                details=[{"field": "end", "reason": "must be after start"}],
            )
        return self

    def describe(self) -> str:
        parts = []
        if self.source is not None:
            parts.append(f"from source '{self.source}'")
        if self.start is not None:
            parts.append(f"at or after {self.start.isoformat()}")
        if self.end is not None:
            parts.append(f"before {self.end.isoformat()}")
        return " ".join(parts)


def _where(kind: str, user: User, scope: DeletionScope) -> list[Any]:
    model = KINDS[kind]
    t = getattr(model, TIME_ATTR[kind])
    conditions = [model.user_id == user.id]
    if scope.source is not None:
        conditions.append(model.source == scope.source)
    if scope.start is not None:
        conditions.append(t >= scope.start)
    if scope.end is not None:
        conditions.append(t < scope.end)
    return conditions


def preview(db: Session, user: User, scope: DeletionScope) -> dict[str, int]:
    """How many rows of each kind ``scope`` covers."""
    scope.check()
    return {
        kind: int(
            db.execute(
                select(func.count()).select_from(model).where(*_where(kind, user, scope))
            ).scalar_one()
        )
        for kind, model in KINDS.items()
    }


def _touched_days(db: Session, user: User, scope: DeletionScope) -> list[dt.datetime]:
    """One instant per local day that holds a glucose reading in ``scope``: what
    ``aggregates.refresh_days`` needs, in memory bounded by days rather than readings (a
    five-year source is 525,000 readings but 1,826 days)."""
    tz = zone(user.timezone)
    per_day: dict[dt.date, dt.datetime] = {}
    rows = db.execute(
        select(GlucoseReading.ts).where(*_where("glucose", user, scope)),
        execution_options={"yield_per": _DAY_SCAN_ROWS},
    ).scalars()
    for ts in rows:
        per_day.setdefault(ts.astimezone(tz).date(), ts)
    return list(per_day.values())


def delete_scope(db: Session, user: User, scope: DeletionScope, *, confirm: bool) -> dict[str, int]:
    """Delete every row ``scope`` covers; without ``confirm``, 409 naming the counts."""
    scope.check()
    if not confirm:
        counts = preview(db, user, scope)
        listed = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"
        raise ConfirmationRequired(
            f"This deletes {listed} {scope.describe()}; send confirm: true to go ahead.",
            details=[{"field": "confirm", "reason": "must be true"}],
        )
    lock_user_writes(db, user.id)
    glucose_days = _touched_days(db, user, scope)
    deleted: dict[str, int] = {}
    for kind, model in KINDS.items():
        result = db.execute(delete(model).where(*_where(kind, user, scope)))
        deleted[kind] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if not any(deleted.values()):
        return deleted  # nothing matched: nothing changed, nothing to announce
    if glucose_days:
        # Copies of deleted readings from other sources become canonical (promoted).
        days = sorted(t.astimezone(zone(user.timezone)).date() for t in glucose_days)
        first, _ = local_day_bounds(days[0], user.timezone)
        _, last = local_day_bounds(days[-1], user.timezone)
        moved = canonical.recanonicalize(db, user, first, last)
        aggregates.refresh_days(db, user, [*glucose_days, *moved])
    record_change(db, user, "all", [])
    publish(
        db,
        DataRemoved(user_id=user.id, source=scope.source, start=scope.start, end=scope.end),
    )
    return deleted

"""Per-type sync state (enabled, last sync, last error, sources seen), the status answer and
the configuration (types to sync; the canonical glucose stream's source order)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.deps import SCOPE_ACCOUNT, AuthSubject
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import Forbidden
from glucolens.core.sql import lock_user_writes
from glucolens.integrations.healthkit.models import HealthKitSample, HealthKitTypeState
from glucolens.integrations.healthkit.samples import Sample
from glucolens.integrations.healthkit.schemas import (
    MAX_DELETIONS_PER_BATCH,
    MAX_SAMPLES_PER_BATCH,
    SAMPLE_TYPES,
    HealthKitConfigureIn,
    HealthKitSourceSeen,
    HealthKitStatusOut,
    HealthKitSyncIn,
    HealthKitSyncOut,
    HealthKitTypeStatus,
)
from glucolens.sources.priority import priority_of, set_priority

MAX_SOURCES_SEEN = 20


def load(db: Session, user: User, create: bool = True) -> dict[str, HealthKitTypeState]:
    """Every type's state row (made, enabled, the first time it is needed; a read gets the
    defaults without writing). Writers call it under the user's write lock."""
    found = {
        s.type: s
        for s in db.execute(
            select(HealthKitTypeState).where(HealthKitTypeState.user_id == user.id)
        ).scalars()
    }
    for type_ in SAMPLE_TYPES:
        if type_ not in found:
            found[type_] = HealthKitTypeState(user_id=user.id, type=type_, enabled=True, sources=[])
            if create:
                db.add(found[type_])
    return found


def _sources(known: list[Any], samples: list[Sample], now: dt.datetime) -> list[Any]:
    seen = {(s["bundle_id"], s["name"]): s for s in known}
    for s in samples:
        seen[(s.bundle_id, s.source_name)] = {
            "bundle_id": s.bundle_id,
            "name": s.source_name,
            "last_seen_at": now.isoformat(),
        }
    newest = sorted(seen.values(), key=lambda s: s["last_seen_at"] or "", reverse=True)
    return newest[:MAX_SOURCES_SEEN]


def record(
    db: Session,
    user: User,
    types: dict[str, HealthKitTypeState],
    body: HealthKitSyncIn,
    samples: list[Sample],
    out: HealthKitSyncOut,
    now: dt.datetime,
) -> None:
    """What this batch tells about each type it carried."""
    sent = {t for t in SAMPLE_TYPES if getattr(body.samples, t)}
    sent |= {str(d.get("type")) for d in body.deletions if isinstance(d, dict)} & set(SAMPLE_TYPES)
    for type_ in sent:
        row = types[type_]
        row.last_sync_at = now
        row.last_batch_id = body.batch_id
        mine = [s for s in samples if s.type == type_]
        if mine:
            row.sources = _sources(list(row.sources or []), mine, now)
        problems = [r for r in out.rejected if r.type == type_]
        if problems:
            row.last_error = (
                f"{len(problems)} rejected in the last batch; first: {problems[0].reason}"
            )
            row.last_error_at = now
    rows_problems = [r for r in out.rejected if r.type == "rows"]
    if rows_problems:
        for type_ in sent:
            types[type_].last_error = rows_problems[0].reason
            types[type_].last_error_at = now


def status(db: Session, user: User) -> HealthKitStatusOut:
    types = load(db, user, create=False)
    h = HealthKitSample
    counts: dict[tuple[str, bool], int] = {}
    for type_, deleted, n in db.execute(
        select(h.type, h.deleted_at.is_not(None), func.count())
        .where(h.user_id == user.id)
        .group_by(h.type, h.deleted_at.is_not(None))
    ):
        counts[(type_, bool(deleted))] = n
    priority = priority_of(db, user)
    return HealthKitStatusOut(
        types=[
            HealthKitTypeStatus(
                type=t,
                enabled=types[t].enabled,
                last_sync_at=types[t].last_sync_at,
                stored=counts.get((t, False), 0),
                deleted=counts.get((t, True), 0),
                last_error=types[t].last_error,
                last_error_at=types[t].last_error_at,
                sources=[HealthKitSourceSeen.model_validate(s) for s in types[t].sources or []],
            )
            for t in SAMPLE_TYPES
        ],
        glucose_source_priority=priority.order,
        glucose_source_priority_default=priority.default,
        max_samples_per_batch=MAX_SAMPLES_PER_BATCH,
        max_deletions_per_batch=MAX_DELETIONS_PER_BATCH,
        server_time=utcnow(),
    )


def configure(db: Session, auth: AuthSubject, body: HealthKitConfigureIn) -> HealthKitStatusOut:
    user = auth.user
    if body.glucose_source_priority is not None and SCOPE_ACCOUNT not in auth.scopes:
        # As PUT /api/v1/data/source-priority: it rewrites the whole history's stream.
        raise Forbidden(
            "Changing the glucose source priority needs a signed-in session "
            f"(the '{SCOPE_ACCOUNT}' scope), not an API key."
        )
    if body.enabled_types is not None:
        lock_user_writes(db, user.id)
        types = load(db, user)
        for type_, row in types.items():
            row.enabled = type_ in body.enabled_types
        db.flush()
    if body.glucose_source_priority is not None:
        set_priority(db, user, body.glucose_source_priority)
    return status(db, user)

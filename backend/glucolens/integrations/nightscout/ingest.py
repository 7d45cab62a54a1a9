"""POST /api/v1/entries: Nightscout entries through GlucoLens's own bulk ingest
(readings/service.ingest_glucose_batch: the same validation, dedupe, day aggregates,
canonical stream and DataChanged event as /api/v1/glucose/bulk).

Every entry sent gets one item back, in order, with a string ``_id``: a stored or duplicate
reading's row id (or the ``_id`` the uploader sent), and for an entry that is not stored (a
calibration, a sensor error code, a value the validation refuses) a stable id and
``glucolensSkipped`` with the reason. Answering 200 for those, not an error, keeps an
uploader's queue moving: xDrip+ resends a failed batch forever.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.integrations.nightscout.entries import (
    Skip,
    echo,
    row_id,
    skipped_id,
    to_glucose_item,
)
from glucolens.readings.models import GlucoseReading
from glucolens.readings.service import ingest_glucose_batch

Key = tuple[Any, ...]
ID_CHUNK = 5_000  # bound parameters per look-up (SQLite allows 32,766)


def _key(source: str, kind: str, ts: dt.datetime, external_id: str | None) -> Key:
    if external_id is not None:
        return (source, external_id)
    return (source, kind, ts.astimezone(dt.UTC))


def _stored_ids(db: Session, user: User, items: list[dict[str, Any]]) -> dict[Key, str]:
    """The ``_id`` of every stored row the items name (new or already there)."""
    instants = [dt.datetime.fromisoformat(i["timestamp"]) for i in items]
    sources = sorted({i["source"] for i in items})
    external = sorted({i["external_id"] for i in items if "external_id" in i})
    t = GlucoseReading
    ids: dict[Key, str] = {}
    # A resent _id may be stored at another time than the one sent now: look it up by id too.
    for start in range(0, max(len(external), 1), ID_CHUNK):
        part = external[start : start + ID_CHUNK]
        in_window = (t.ts >= min(instants)) & (t.ts <= max(instants))
        rows = db.execute(
            select(t.id, t.source, t.kind, t.ts, t.external_id).where(
                t.user_id == user.id,
                t.source.in_(sources),
                or_(in_window, t.external_id.in_(part)) if part else in_window,
            )
        )
        for pk, source, kind, ts, external_id in rows:
            ids[_key(source, kind, ts, external_id)] = external_id or row_id(pk)
    return ids


def store_entries(db: Session, user: User, docs: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{} for _ in docs]
    items: list[dict[str, Any]] = []
    where: list[int] = []
    for index, obj in enumerate(docs):
        try:
            items.append(to_glucose_item(obj))
        except Skip as skip:
            out[index] = {**echo(obj), "_id": skipped_id(obj, index), "glucolensSkipped": str(skip)}
            continue
        where.append(index)
    if not items:
        return out
    report = ingest_glucose_batch(db, user, items)
    rejected = {r.index: r for r in report.rejected}
    kept = [item for j, item in enumerate(items) if j not in rejected]
    ids = _stored_ids(db, user, kept) if kept else {}
    for j, (item, index) in enumerate(zip(items, where, strict=True)):
        obj = docs[index]
        if j in rejected:
            problem = rejected[j]
            reason = f"{problem.field}: {problem.reason}" if problem.field else problem.reason
            out[index] = {**echo(obj), "_id": skipped_id(obj, index), "glucolensSkipped": reason}
            continue
        when = dt.datetime.fromisoformat(item["timestamp"])
        key = _key(item["source"], item["kind"], when, item.get("external_id"))
        stored = ids.get(key)
        if stored is None:  # cannot happen for an inserted or duplicate row; never a 500
            reason = "not stored: it conflicts with a stored entry"
            out[index] = {**echo(obj), "_id": skipped_id(obj, index), "glucolensSkipped": reason}
        else:
            out[index] = {**echo(obj), "_id": stored}
    return out

"""Nightscout treatments into GlucoLens's own tables, by the importer's rules
(importers/nightscout.py ``treatment_records``): insulin -> a bolus, carbs -> a meal, a
finger BG check -> a meter reading (mmol/L converted once by the readings validation),
"Exercise" with a duration -> an activity. "Temp Basal" stays a document only: it records a
change of the pump's rate, not insulin delivered, and the scheduled basal between temp basals
is not in the treatments, so summing them would give a wrong basal total.

Rows are written through the same services as the rest of the API (validation, dedupe,
day aggregates, canonical stream, DataChanged), under the uploader's source (from
``enteredBy``/``device``) with the treatment's identifier as ``external_id``, so replacing
or deleting the treatment finds and removes them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.integrations.importers.nightscout import treatment_records
from glucolens.lifestyle.endpoints import RESOURCES as LIFESTYLE_RESOURCES
from glucolens.lifestyle.models import Activity, Meal
from glucolens.readings.endpoints import insulin_resource
from glucolens.readings.models import GlucoseReading, InsulinDose
from glucolens.readings.service import ingest_glucose_batch, on_glucose_change
from glucolens.readings.validation import BULK_MAX_GLUCOSE
from glucolens.records.service import Resource, bulk_create

_RESOURCES: dict[str, Resource] = {
    "insulin": insulin_resource,
    "meal": next(r for r in LIFESTYLE_RESOURCES if r.name == "meals"),
    "activity": next(r for r in LIFESTYLE_RESOURCES if r.name == "activities"),
}
CHUNK = 10_000
ID_CHUNK = 2_000


def _instant(doc: dict[str, Any]) -> dt.datetime:
    """The stored ``date`` (ms) in the phone's offset (``utcOffset``), as entries keep it."""
    when = dt.datetime.fromtimestamp(doc["date"] / 1000, dt.UTC)
    return when.astimezone(dt.timezone(dt.timedelta(minutes=doc["utcOffset"])))


def write(
    db: Session, user: User, docs: Sequence[tuple[dict[str, Any], str | None]]
) -> dict[str, list[str]]:
    """Write each (served treatment, source)'s rows; returns, per identifier, why rows were
    refused (e.g. "insulin units: ..."), for the answer. A refused row never fails the
    request: the treatment itself is stored."""
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    owner: dict[str, list[str]] = defaultdict(list)
    for doc, source in docs:
        records, _skip = treatment_records(doc, _instant(doc), source or "nightscout")
        for record_type, item in records:
            items[record_type].append(item)
            owner[record_type].append(doc["identifier"])
    notes: dict[str, list[str]] = defaultdict(list)
    for kind, batch in items.items():
        size = BULK_MAX_GLUCOSE if kind == "glucose" else CHUNK
        for start in range(0, len(batch), size):
            part = batch[start : start + size]
            if kind == "glucose":
                report = ingest_glucose_batch(db, user, part)
            else:
                report = bulk_create(db, _RESOURCES[kind], user, part)
            for r in report.rejected:
                reason = f"{r.field}: {r.reason}" if r.field else r.reason
                notes[owner[kind][start + r.index]].append(f"{kind} not stored: {reason}"[:300])
    return notes


def remove(db: Session, user: User, stored: Sequence[tuple[str | None, str]]) -> None:
    """Delete the rows of these (source, identifier) treatments, with what each kind of
    delete does besides (day aggregates and canonical stream for glucose, DataChanged)."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, identifier in stored:
        by_source[source or "nightscout"].append(identifier)
    touched: dict[str, list[dt.datetime]] = defaultdict(list)
    tables: list[tuple[str, Any, Any]] = [
        ("insulin", InsulinDose, InsulinDose.ts),
        ("meal", Meal, Meal.ts),
        ("activity", Activity, Activity.start),
        ("glucose", GlucoseReading, GlucoseReading.ts),
    ]
    for source, identifiers in by_source.items():
        for start in range(0, len(identifiers), ID_CHUNK):
            part = identifiers[start : start + ID_CHUNK]
            for kind, model, time_col in tables:
                stmt = delete(model).where(
                    model.user_id == user.id,
                    model.source == source,
                    model.external_id.in_(part),
                )
                if model is GlucoseReading:
                    stmt = stmt.where(GlucoseReading.kind == "meter")
                touched[kind].extend(db.execute(stmt.returning(time_col)).scalars())
    for kind, instants in touched.items():
        if not instants:
            continue
        if kind == "glucose":
            on_glucose_change(db, user, instants)
        else:
            on_change = _RESOURCES[kind].on_change
            if on_change is not None:
                on_change(db, user, instants)

"""Nightscout documents (treatments, devicestatus, profile): storage shared by /api/v1 and
/api/v3.

A document is kept as sent, minus ``secret``/``token`` fields and the server's own fields,
which are served from columns: ``_id`` and ``identifier`` (one value: the ``identifier`` or
``_id`` the client sent, UUIDs included, else 24 new hex digits like a Mongo ObjectId),
``srvCreated``/``srvModified`` (ms), ``isValid`` (false after a soft delete). ``created_at``
is normalised to UTC ISO (``eventTime`` wins for treatments, as Nightscout's
treatments.js prepareData does) and ``date`` (ms) and ``utcOffset`` (min) are set.

Dedupe follows cgm-remote-monitor: first the identifier (lib/server/treatments.js
``upsertQueryFor``: identifier, then _id), else the collection's fallback fields
(lib/api3/generic/setup.js ``dedupFallbackFields``): treatments ``created_at`` +
``eventType``, devicestatus ``created_at`` + ``device``, profile ``created_at``. A match is
replaced by what was sent (Nightscout's replaceOne/upsert) and keeps its identifier; a resend
of the same content changes nothing, not even ``srvModified``. Treatments are also written
into GlucoLens's own tables (treatment_rows.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.sql import lock_user_writes
from glucolens.integrations.nightscout import treatment_rows
from glucolens.integrations.nightscout.doc_filters import FilterError, conditions
from glucolens.integrations.nightscout.doc_prepare import (
    DocumentError,
    Prepared,
    new_identifier,
    now_ms,
    prepare,
)
from glucolens.integrations.nightscout.models import (
    NightscoutDeviceStatus,
    NightscoutProfile,
    NightscoutTreatment,
)

__all__ = [
    "COLLECTIONS",
    "DocumentError",
    "FilterError",
    "Stored",
    "delete",
    "find",
    "get",
    "history",
    "last_modified",
    "store",
    "update",
]

COLLECTIONS = ("treatments", "devicestatus", "profile")
# The three tables share one mixin; typed Any so queries need no per-table overloads.
Model = Any
MODELS: dict[str, Model] = {
    "treatments": NightscoutTreatment,
    "devicestatus": NightscoutDeviceStatus,
    "profile": NightscoutProfile,
}
ID_CHUNK = 2_000  # bound parameters per IN (...) look-up
MAX_FIND = 50_000
INSERT_CHUNK = 5_000


@dataclass(frozen=True)
class Stored:
    identifier: str  # the document's id (the ``_id`` v1 shows, ``identifier`` v3 shows)
    doc: dict[str, Any]  # the stored document as served
    created: bool  # False: matched an existing document (a duplicate / dedupe)
    # Why a treatment's GlucoLens rows were not (all) written, e.g. "insulin: ..."
    notes: tuple[str, ...] = field(default=())


def model_for(collection: str) -> Model:
    try:
        return MODELS[collection]
    except KeyError:
        raise ValueError(f"unknown collection {collection[:30]!r}") from None


@dataclass
class _NewRow:
    """A document this request creates: inserted in bulk after the loop (ORM objects cost
    half a second per thousand), and, like a stored row, replaced by a later copy in the
    same request."""

    identifier: str
    dedupe_key: str
    source: str | None
    date_ms: int
    srv_created_ms: int
    srv_modified_ms: int
    is_valid: bool
    doc: str
    id: None = None

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "id"}


def served(row: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(row.doc)
    doc.update(
        _id=row.identifier,
        identifier=row.identifier,
        srvCreated=row.srv_created_ms,
        srvModified=row.srv_modified_ms,
    )
    if not row.is_valid:
        doc["isValid"] = False
    return doc


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), ID_CHUNK):
        yield values[start : start + ID_CHUNK]


def _existing(db: Session, model: Model, user: User, docs: list[Prepared]) -> tuple[
    dict[str, Any], dict[str, Any]
]:  # fmt: skip
    """Stored rows by identifier (deleted ones too) and valid rows by dedupe key."""
    by_id: dict[str, Any] = {}
    by_key: dict[str, Any] = {}
    idents = sorted({d.identifier for d in docs if d.identifier})
    for part in _chunks(idents):
        stmt = select(model).where(model.user_id == user.id, model.identifier.in_(part))
        by_id.update((r.identifier, r) for r in db.scalars(stmt))
    keys = sorted({d.dedupe_key for d in docs})
    for part in _chunks(keys):
        stmt = select(model).where(
            model.user_id == user.id, model.dedupe_key.in_(part), model.is_valid.is_(True)
        )
        for r in db.scalars(stmt):
            by_key.setdefault(r.dedupe_key, r)
    return by_id, by_key


def store(
    db: Session,
    user: User,
    collection: str,
    docs: list[dict[str, Any]],
    *,
    upsert: bool = False,
    source_hint: str | None = None,
) -> list[Stored]:
    """Store documents in order; one Stored per document sent. ``upsert``: a document with
    an identifier matches only that identifier (a PUT that moved ``created_at`` updates its
    own document, never another one at the new time). ``source_hint``: the GlucoLens source
    for a treatment whose enteredBy/device names no known uploader (v3 knows the ``app``).
    Raises DocumentError (nothing written) for a document that is not an object or too big."""
    model = model_for(collection)
    prepared = [prepare(collection, i, d) for i, d in enumerate(docs)]
    if source_hint:
        for p in prepared:
            if p.source == "nightscout":
                p.source = source_hint[:32]
    if not prepared:
        return []
    lock_user_writes(db, user.id)
    by_id, by_key = _existing(db, model, user, prepared)
    stamp = now_ms()
    out: list[Stored] = []
    created: list[Any] = []
    replaced: dict[str, Any] = {}  # stored rows replaced by this request, by identifier
    removed: list[tuple[str | None, str]] = []  # (source, identifier) of replaced treatments
    for p in prepared:
        row = by_id.get(p.identifier) if p.identifier else None
        if row is None and not (upsert and p.identifier):
            row = by_key.get(p.dedupe_key)
        if row is None:
            row = _NewRow(
                identifier=p.identifier or new_identifier(),
                dedupe_key=p.dedupe_key,
                source=p.source,
                date_ms=p.date_ms,
                srv_created_ms=stamp,
                srv_modified_ms=stamp,
                is_valid=not p.invalid,
                doc=p.text,
            )
            created.append(row)
            by_id[row.identifier] = by_key[p.dedupe_key] = row
            out.append(Stored(row.identifier, served(row), True))
            continue
        if row.doc == p.text and row.is_valid != p.invalid and row.source == p.source:
            out.append(Stored(row.identifier, served(row), False))  # a resend: nothing changes
            continue
        if row.id is not None:  # stored before this request
            if row.is_valid:
                removed.append((row.source, row.identifier))
            replaced[row.identifier] = row
        row.doc, row.dedupe_key, row.date_ms = p.text, p.dedupe_key, p.date_ms
        row.source, row.is_valid, row.srv_modified_ms = p.source, not p.invalid, stamp
        by_key[p.dedupe_key] = row
        out.append(Stored(row.identifier, served(row), False))
    for start in range(0, len(created), INSERT_CHUNK):
        part = created[start : start + INSERT_CHUNK]
        db.execute(insert(model), [{"user_id": user.id, **r.values()} for r in part])
    db.flush()
    if collection != "treatments":
        return out
    treatment_rows.remove(db, user, removed)
    rows = [r for r in (*replaced.values(), *created) if r.is_valid]
    notes = treatment_rows.write(db, user, [(served(r), r.source) for r in rows])
    return [Stored(s.identifier, s.doc, s.created, tuple(notes.get(s.identifier, ()))) for s in out]


def _row(db: Session, user: User, collection: str, identifier: str) -> Any:
    model = model_for(collection)
    stmt = select(model).where(model.user_id == user.id, model.identifier == identifier)
    return db.scalars(stmt).one_or_none()


def get(db: Session, user: User, collection: str, identifier: str, *,
        include_deleted: bool = False) -> dict[str, Any] | None:  # fmt: skip
    row = _row(db, user, collection, identifier)
    if row is None or (not row.is_valid and not include_deleted):
        return None
    return served(row)


def find(
    db: Session,
    user: User,
    collection: str,
    *,
    filters: Sequence[tuple[str, str, Any]] = (),
    count: int = 10,
    sort_desc: bool = True,
    include_deleted: bool = False,
) -> list[dict[str, Any]]:
    """Newest first (by the document's date) unless ``sort_desc`` is False. ``filters``:
    (field, operator, value) with fields and operators from doc_filters.FIELDS/OPERATORS;
    anything else raises FilterError before any SQL runs."""
    model = model_for(collection)
    where = conditions(db, model, collection, filters)
    stmt = select(model).where(model.user_id == user.id, *where)
    if not include_deleted:
        stmt = stmt.where(model.is_valid.is_(True))
    order = (model.date_ms.desc(), model.id.desc()) if sort_desc else (model.date_ms, model.id)
    stmt = stmt.order_by(*order).limit(max(1, min(count, MAX_FIND)))
    return [served(r) for r in db.scalars(stmt)]


def update(db: Session, user: User, collection: str, identifier: str, doc: dict[str, Any], *,
           patch: bool) -> dict[str, Any] | None:  # fmt: skip
    """Replace (or with ``patch`` merge into) a valid document; None when there is none."""
    lock_user_writes(db, user.id)
    row = _row(db, user, collection, identifier)
    if row is None or not row.is_valid:
        return None
    merged = {**json.loads(row.doc), **doc} if patch else dict(doc)
    if patch and "created_at" not in doc and any(k in doc for k in ("date", "mills", "eventTime")):
        merged.pop("created_at", None)  # the patch moved the time in another field
    merged["identifier"] = identifier
    [stored] = store(db, user, collection, [merged], upsert=True)
    return stored.doc


def delete(db: Session, user: User, collection: str, identifier: str, *, permanent: bool
           ) -> bool:  # fmt: skip
    """Soft (``isValid`` false, still in v3 history) or permanent. A treatment's GlucoLens
    rows go either way. False when there was no (valid, for a soft delete) document."""
    return delete_many(db, user, collection, [identifier], permanent=permanent) > 0


def delete_many(db: Session, user: User, collection: str, identifiers: Sequence[str], *,
                permanent: bool) -> int:  # fmt: skip
    model = model_for(collection)
    lock_user_writes(db, user.id)
    gone: list[tuple[str | None, str]] = []
    for part in _chunks(list(identifiers)):
        stmt = select(model.identifier, model.source, model.is_valid).where(
            model.user_id == user.id, model.identifier.in_(part)
        )
        gone.extend((source, ident) for ident, source, valid in db.execute(stmt)
                    if valid or permanent)  # fmt: skip
    idents = [ident for _source, ident in gone]
    for part in _chunks(idents):
        match = (model.user_id == user.id) & model.identifier.in_(part)
        if permanent:
            db.execute(sql_delete(model).where(match))
        else:
            db.execute(sql_update(model).where(match).values(is_valid=False,
                                                             srv_modified_ms=now_ms()))  # fmt: skip
    if collection == "treatments":
        treatment_rows.remove(db, user, gone)
    return len(gone)


def history(db: Session, user: User, collection: str, since_ms: int, limit: int
            ) -> list[dict[str, Any]]:  # fmt: skip
    """Documents modified after ``since_ms``, oldest change first, deleted ones included."""
    model = model_for(collection)
    stmt = (
        select(model)
        .where(model.user_id == user.id, model.srv_modified_ms > since_ms)
        .order_by(model.srv_modified_ms, model.id)
        .limit(max(1, min(limit, MAX_FIND)))
    )
    return [served(r) for r in db.scalars(stmt)]


def last_modified(db: Session, user: User) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for collection, model in MODELS.items():
        stmt = select(func.max(model.srv_modified_ms)).where(model.user_id == user.id)
        out[collection] = db.scalar(stmt)
    return out

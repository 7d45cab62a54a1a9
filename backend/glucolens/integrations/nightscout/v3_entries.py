"""The v3 ``entries`` collection over GlucoLens's glucose readings.

An entry is a glucose row: its v3 ``identifier`` is the row's ``external_id`` (the
uploader's identifier, else the UUIDv5 Nightscout calculates from ``device`` and ``date``),
or, for a row that has none (an import, a v1 upload without ``_id``), the 24 hex digits of
its id, as v1 answers. ``srvCreated`` and ``srvModified`` are the row's ``created_at``:
a change (PUT, PATCH, a deduplicated POST that differs) replaces the row through the
readings service (delete, then ``ingest_glucose_batch``), so the replacement's creation time
is its modification time and history shows it.

What v3 cannot show for entries: deletion. Readings are never kept as invalid copies, so
DELETE (soft or ``permanent=true``) removes the row through the readings service, a read of
it is then 404 (never 410), and history does not list it. Searches and history list the
canonical CGM stream and meter readings, as v1 does (another source's copy of a reading is
not repeated).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.sql import lock_user_writes
from glucolens.integrations.nightscout import v3
from glucolens.integrations.nightscout.auth import NightscoutError
from glucolens.integrations.nightscout.entries import (
    DEFAULT_SOURCE,
    REMOVED_FIELDS,
    Skip,
    row_id,
    source_of,
    to_entry,
    to_glucose_item,
)
from glucolens.integrations.nightscout.query import EntryQuery
from glucolens.readings.models import GlucoseReading
from glucolens.readings.service import ingest_glucose_batch, on_glucose_change

T = GlucoseReading
_ROW_ID = re.compile(r"[0-9a-f]{24}")
_CMP = ("eq", "ne", "gt", "gte", "lt", "lte")
_SET = ("eq", "ne", "in", "nin")
ALLOWED: dict[str, tuple[str, ...]] = {
    "date": _CMP,
    "dateString": _CMP,
    "created_at": _CMP,
    "srvModified": _CMP,
    "srvCreated": _CMP,
    "type": _SET,
    "device": _SET,
    "identifier": ("eq", "in"),
    "sgv": _CMP,
}
SORTABLE: tuple[str, ...] = ("date", "dateString", "created_at", "srvModified", "srvCreated", "sgv")
_KINDS = {"sgv": "cgm", "mbg": "meter"}


def _column(name: str) -> Any:
    if name in ("date", "dateString", "created_at"):
        return T.ts
    if name in ("srvModified", "srvCreated"):
        return T.created_at
    return {"type": T.kind, "device": T.device, "sgv": T.value_mgdl}.get(name, T.external_id)


def identifier_of(row: GlucoseReading) -> str:
    return row.external_id or row_id(row.id)


def to_doc(row: GlucoseReading) -> dict[str, Any]:
    entry = to_entry(row)
    doc: dict[str, Any] = {
        "identifier": identifier_of(row),
        "date": entry["date"],
        "dateString": entry["dateString"],
        "utcOffset": entry["utcOffset"],
        "created_at": entry["dateString"],
        "type": entry["type"],
        "device": entry["device"],
        "srvCreated": v3.ms_of(row.created_at),
        "srvModified": v3.ms_of(row.created_at),
    }
    for key in ("sgv", "mbg", "direction"):
        if key in entry:
            doc[key] = entry[key]
    return doc


def source_v3(doc: dict[str, Any]) -> str:
    """The uploader: v3 clients name themselves in ``app`` (AAPS "AAPS", LibreLinkUp
    "librelinkup-to-nightscout-script"); else ``device``/``enteredBy`` as in v1."""
    app = doc.get("app")
    source = source_of({"device": app}) if isinstance(app, str) else DEFAULT_SOURCE
    return source if source != DEFAULT_SOURCE else source_of(doc)


def find(db: Session, user: User, identifier: str) -> GlucoseReading | None:
    row = db.scalars(
        select(T).where(T.user_id == user.id, T.external_id == identifier).order_by(T.id).limit(1)
    ).first()
    if row is None and _ROW_ID.fullmatch(identifier):
        row = db.scalars(
            select(T).where(
                T.user_id == user.id, T.id == int(identifier, 16), T.external_id.is_(None)
            )
        ).first()
    return row


def _same_reading(db: Session, user: User, item: dict[str, Any]) -> GlucoseReading | None:
    """Dedupe fallback (Nightscout matches ``date`` and ``type``): the row of this source,
    kind and instant, e.g. one the same uploader sent through v1 without an identifier."""
    when = dt.datetime.fromisoformat(item["timestamp"])
    return db.scalars(
        select(T).where(
            T.user_id == user.id,
            T.source == item["source"],
            T.kind == item["kind"],
            T.ts == when,
        )
    ).first()


def _item(doc: dict[str, Any]) -> dict[str, Any]:
    """The bulk-ingest item for a v3 document, or a 400 naming why it is not a reading."""
    identifier = doc.get("identifier")
    if not isinstance(identifier, str) or not 0 < len(identifier.strip()) <= 128:
        raise v3.bad(v3.MSG_IDENTIFIER)
    try:
        # The instant is ``date`` at ``utcOffset`` (parse_date made both numbers).
        item = to_glucose_item({**doc, "_id": identifier, "dateString": None})
    except Skip as skip:
        raise v3.bad(f"Not stored: {skip}") from None
    item["source"] = source_v3(doc)
    return item


def _ingest(db: Session, user: User, item: dict[str, Any]) -> GlucoseReading:
    report = ingest_glucose_batch(db, user, [item])
    if report.rejected:
        problem = report.rejected[0]
        reason = f"{problem.field}: {problem.reason}" if problem.field else problem.reason
        raise v3.bad(f"Not stored: {reason}")
    row = find(db, user, item["external_id"])
    if row is None:  # the same source and external id under another kind or time: a race
        raise v3.bad("Not stored: it conflicts with a stored entry", 409)
    return row


def _remove(db: Session, user: User, row: GlucoseReading) -> None:
    """As the readings API deletes one reading: copies promoted, days refreshed,
    DataChanged published after commit."""
    lock_user_writes(db, user.id)
    when = row.ts
    db.execute(delete(T).where(T.id == row.id, T.user_id == user.id))
    db.expunge(row)
    on_glucose_change(db, user, [when])


def _replace(db: Session, user: User, row: GlucoseReading, doc: dict[str, Any]) -> GlucoseReading:
    item = _item(doc)  # refused before anything is removed
    _remove(db, user, row)
    return _ingest(db, user, item)


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in REMOVED_FIELDS}


def create(db: Session, user: User, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, body fields): 201 for a new reading, 200 with ``isDeduplication`` when the
    identifier (or this source's reading at that instant) is already stored."""
    doc = _clean(doc)
    v3.parse_date(doc)
    v3.resolve_identifier(doc)
    stored = find(db, user, str(doc["identifier"]))
    if stored is None and isinstance(doc.get("date"), int):
        try:
            stored = _same_reading(db, user, _item(doc))
        except NightscoutError:  # not a reading: refused below, with its reason
            stored = None
    if stored is not None:
        before = to_doc(stored)
        v3.validate_change(doc, before, patching=False, dedup=True)
        row = stored
        if _differs(before, doc):
            row = _replace(db, user, stored, doc)
        fields: dict[str, Any] = {
            "identifier": doc["identifier"],
            "isDeduplication": True,
            "lastModified": v3.ms_of(row.created_at),
        }
        if before["identifier"] != doc["identifier"]:
            fields["deduplicatedIdentifier"] = before["identifier"]
        return 200, fields
    v3.validate_new(doc)
    row = _ingest(db, user, _item(doc))
    return 201, {"identifier": identifier_of(row), "lastModified": v3.ms_of(row.created_at)}


def _differs(before: dict[str, Any], doc: dict[str, Any]) -> bool:
    keys = ("identifier", "sgv", "mbg", "direction", "type", "device", "utcOffset")
    return any(k in doc and doc[k] != before.get(k) for k in keys)


def update(db: Session, user: User, identifier: str, doc: dict[str, Any]
           ) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """PUT: replace (200) or, for an unknown identifier, create (201)."""
    doc = _clean(doc)
    v3.parse_date(doc)
    doc["identifier"] = identifier
    stored = find(db, user, identifier)
    if stored is None:
        v3.validate_new(doc)
        row = _ingest(db, user, _item(doc))
        return 201, {"identifier": identifier, "lastModified": v3.ms_of(row.created_at)}
    v3.validate_change(doc, to_doc(stored), patching=False)
    row = _replace(db, user, stored, doc)
    return 200, {"lastModified": v3.ms_of(row.created_at)}


def patch(db: Session, user: User, identifier: str, doc: dict[str, Any]) -> int | None:
    """PATCH: the stored document with these fields changed; None when there is none."""
    doc = _clean(doc)
    stored = find(db, user, identifier)
    if stored is None:
        return None
    before = to_doc(stored)
    v3.validate_change(doc, before, patching=True)
    merged = {**before, **doc, "identifier": before["identifier"]}
    row = _replace(db, user, stored, merged)
    return v3.ms_of(row.created_at)


def remove(db: Session, user: User, identifier: str) -> bool:
    row = find(db, user, identifier)
    if row is None:
        return False
    _remove(db, user, row)
    return True


def _condition(name: str, op: str, value: Any) -> ColumnElement[bool]:
    col = _column(name)
    if name == "type":
        value = [_KINDS.get(str(v), "-") for v in value] if op in ("in", "nin") else value
        value = value if op in ("in", "nin") else _KINDS.get(str(value), "-")
    elif name in ("device", "identifier"):
        value = [str(v) for v in value] if op in ("in", "nin") else str(value)
    elif name == "sgv" and not isinstance(value, float):
        raise v3.bad(f"Filter sgv: {str(value)[:40]!r} is not a number")
    if op == "in":
        return col.in_(value)  # type: ignore[no-any-return]
    if op == "nin":
        return col.not_in(value)  # type: ignore[no-any-return]
    return {  # type: ignore[no-any-return]
        "eq": col == value,
        "ne": col != value,
        "gt": col > value,
        "gte": col >= value,
        "lt": col < value,
        "lte": col <= value,
    }[op]


def _visible() -> ColumnElement[bool]:
    return EntryQuery().where()  # the canonical CGM stream and meter readings


def search(db: Session, user: User, query: v3.Search) -> list[dict[str, Any]]:
    conds = [T.user_id == user.id, _visible()]
    conds += [_condition(name, op, value) for name, op, value in query.filters]
    order = _column(query.sort_field or "date")
    stmt = (
        select(T)
        .where(and_(*conds))
        .order_by(order.desc() if query.sort_desc else order.asc(), T.id)
        .offset(query.skip)
        .limit(query.limit)
    )
    return [to_doc(row) for row in db.scalars(stmt)]


def history(db: Session, user: User, since: dt.datetime, inclusive: bool, limit: int
            ) -> list[dict[str, Any]]:  # fmt: skip
    after = T.created_at >= since if inclusive else T.created_at > since
    stmt = (
        select(T)
        .where(T.user_id == user.id, _visible(), after)
        .order_by(T.created_at, T.id)
        .limit(limit)
    )
    return [to_doc(row) for row in db.scalars(stmt)]


def last_modified(db: Session, user: User) -> int | None:
    """The newest write or reading time (lastModified.js also takes the ``date`` field)."""
    newest = db.execute(
        select(func.max(T.created_at), func.max(T.ts)).where(T.user_id == user.id)
    ).one()
    times = [t for t in newest if t is not None]
    return max(v3.ms_of(t) for t in times) if times else None

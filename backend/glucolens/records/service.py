"""Create, list, update, delete and bulk-ingest a user's rows of one ``Resource``.

Rows are always filtered by the caller's user id, so another user's id answers 404, exactly
like an id that does not exist. Writes take the user's write lock and flush; the request's
transaction commits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.errors import Conflict, NotFound, ValidationFailed
from glucolens.core.models_common import HealthRow
from glucolens.core.pagination import apply_keyset, encode_cursor
from glucolens.core.sql import insert_for, lock_user_writes
from glucolens.core.timeutil import clamp_to_read_window
from glucolens.records.schemas import BulkReport, Rejected


@dataclass
class Resource:
    name: str
    path: str
    model: type[HealthRow]
    create_schema: type[BaseModel]
    out_schema: type[BaseModel]
    time_attr: str
    to_row: Callable[[Any, User], dict[str, Any]]
    to_out: Callable[[Any, User], BaseModel]
    # Called with the UTC instants touched by a write (to keep aggregates current).
    on_change: Callable[[Session, User, list[dt.datetime]], None] | None = None
    bulk_max: int = 20_000
    generic_bulk: bool = True
    # A FastAPI dependency of the list route: its query parameters narrow the list, and it
    # returns the SQL conditions to add (e.g. glucose's ``?canonical=true``).
    list_filter: Callable[..., list[Any]] | None = None


def rejection_from_error(index: int, exc: ValidationError) -> Rejected:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or None
    return Rejected(index=index, field=field, reason=err.get("msg", "invalid"))


def insert_ignoring_duplicates(
    db: Session, model: type[HealthRow], rows: list[dict[str, Any]]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new."""
    if not rows:
        return 0
    insert = insert_for(db)
    table: Any = model.__table__
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.id)
    return len(db.execute(stmt, rows).all())


def get_owned(db: Session, res: Resource, user: User, row_id: int) -> Any:
    obj = db.execute(
        select(res.model).where(res.model.id == row_id, res.model.user_id == user.id)
    ).scalar_one_or_none()
    if obj is None:
        raise NotFound(f"No {res.name} entry with id {row_id}.")
    return obj


def _flush_or_conflict(db: Session, res: Resource) -> None:
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        raise Conflict(
            f"A {res.name} entry with the same source and external_id (or the same source "
            "and time) already exists."
        ) from exc


# Each write takes the user's write lock first, then flushes; the request's transaction
# commits the row together with what ``on_change`` does (day aggregates, data_changed_at).
def create_one(db: Session, res: Resource, user: User, body: Any) -> Any:
    lock_user_writes(db, user.id)
    obj = res.model(user_id=user.id, **res.to_row(body, user))
    db.add(obj)
    _flush_or_conflict(db, res)
    if res.on_change:
        res.on_change(db, user, [getattr(obj, res.time_attr)])
    return obj


def update_one(db: Session, res: Resource, user: User, row_id: int, body: Any) -> Any:
    lock_user_writes(db, user.id)
    obj = get_owned(db, res, user, row_id)
    before = getattr(obj, res.time_attr)
    for key, value in res.to_row(body, user).items():
        setattr(obj, key, value)
    _flush_or_conflict(db, res)
    if res.on_change:
        res.on_change(db, user, [before, getattr(obj, res.time_attr)])
    return obj


def delete_one(db: Session, res: Resource, user: User, row_id: int) -> None:
    lock_user_writes(db, user.id)
    obj = get_owned(db, res, user, row_id)
    when = getattr(obj, res.time_attr)
    db.execute(delete(res.model).where(res.model.id == obj.id))
    if res.on_change:
        res.on_change(db, user, [when])


def list_rows(
    db: Session,
    res: Resource,
    user: User,
    start: dt.datetime | None,
    end: dt.datetime | None,
    limit: int,
    cursor: str | None,
    where: Sequence[Any] = (),
) -> tuple[Sequence[Any], str | None]:
    time_col = getattr(res.model, res.time_attr)
    # Only rows inside the read window: one stored outside it (written around the
    # validators) must not make the whole list fail to load.
    lo, hi = clamp_to_read_window(start, end)
    stmt = select(res.model).where(
        res.model.user_id == user.id,
        time_col >= lo,
        time_col < hi,
        *where,
    )
    stmt = apply_keyset(stmt, time_col, res.model.id, cursor).limit(limit + 1)
    rows = db.execute(stmt).scalars().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, res.time_attr), last.id)
    return rows, next_cursor


def bulk_create(db: Session, res: Resource, user: User, items: list[Any]) -> BulkReport:
    if len(items) > res.bulk_max:
        raise ValidationFailed(
            f"At most {res.bulk_max} {res.name} items per request; got {len(items)}.",
            details=[{"field": "items", "reason": f"more than {res.bulk_max} items"}],
        )
    adapter = TypeAdapter(res.create_schema)
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            rejected.append(Rejected(index=index, reason="each item must be an object"))
            continue
        try:
            parsed = adapter.validate_python(item)
            row = res.to_row(parsed, user)
        except ValidationError as exc:
            rejected.append(rejection_from_error(index, exc))
            continue
        except ValueError as exc:
            rejected.append(Rejected(index=index, reason=str(exc)))
            continue
        row["user_id"] = user.id
        rows.append(row)
    if rows:
        lock_user_writes(db, user.id)
    inserted = insert_ignoring_duplicates(db, res.model, rows)
    if inserted and res.on_change:
        res.on_change(db, user, [r[res.time_attr] for r in rows])
    return BulkReport(inserted=inserted, duplicates=len(rows) - inserted, rejected=rejected)

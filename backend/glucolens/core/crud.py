"""One way to create, list, update, delete and bulk-ingest a user's health rows.

Each data domain describes its table in a ``Resource``; ``build_router`` turns it into the
five routes of docs/api.md. Rows are always filtered by the caller's user id, so another
user's id answers 404, exactly like an id that does not exist.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.auth.models import User
from glucolens.core.db import Base, lock_user_writes
from glucolens.core.errors import Conflict, NotFound, ValidationFailed, responses
from glucolens.core.pagination import MAX_ROW_ID, apply_keyset, encode_cursor
from glucolens.core.schemas import QueryTime
from glucolens.core.timeutil import clamp_to_read_window
from glucolens.core.transaction import TransactionalRoute

MAX_LIST = 1000
# Ids are BIGINT: a larger path id would overflow the driver, so it is a 422 naming `id`.
PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The entry's id.")]


class BulkIn(BaseModel):
    items: list[Any] = Field(
        description="Rows to create; each is validated on its own, so one bad row never "
        "drops the good ones."
    )


class Rejected(BaseModel):
    index: int
    field: str | None = None
    reason: str


class BulkReport(BaseModel):
    inserted: int
    duplicates: int
    rejected: list[Rejected]


@dataclass
class Resource:
    name: str
    path: str
    model: type[Base]
    create_schema: type[BaseModel]
    out_schema: type[BaseModel]
    time_attr: str
    to_row: Callable[[Any, User], dict[str, Any]]
    to_out: Callable[[Any, User], BaseModel]
    # Called with the UTC instants touched by a write (to keep aggregates current).
    on_change: Callable[[Session, User, list[dt.datetime]], None] | None = None
    bulk_max: int = 20_000
    generic_bulk: bool = True


def rejection_from_error(index: int, exc: ValidationError) -> Rejected:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or None
    return Rejected(index=index, field=field, reason=err.get("msg", "invalid"))


def insert_ignoring_duplicates(db: Session, model: type[Base], rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were new."""
    if not rows:
        return 0
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Any = model.__table__  # type: ignore[attr-defined]
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.id)
    return len(db.execute(stmt, rows).all())


def _get_owned(db: Session, res: Resource, user: User, row_id: int) -> Any:
    obj = db.execute(
        select(res.model).where(res.model.id == row_id, res.model.user_id == user.id)  # type: ignore[attr-defined]
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
    obj = _get_owned(db, res, user, row_id)
    before = getattr(obj, res.time_attr)
    for key, value in res.to_row(body, user).items():
        setattr(obj, key, value)
    _flush_or_conflict(db, res)
    if res.on_change:
        res.on_change(db, user, [before, getattr(obj, res.time_attr)])
    return obj


def delete_one(db: Session, res: Resource, user: User, row_id: int) -> None:
    lock_user_writes(db, user.id)
    obj = _get_owned(db, res, user, row_id)
    when = getattr(obj, res.time_attr)
    db.execute(delete(res.model).where(res.model.id == obj.id))  # type: ignore[attr-defined]
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
) -> tuple[Sequence[Any], str | None]:
    time_col = getattr(res.model, res.time_attr)
    # Only rows inside the read window: one stored outside it (written around the
    # validators) must not make the whole list fail to load.
    lo, hi = clamp_to_read_window(start, end)
    stmt = select(res.model).where(
        res.model.user_id == user.id,  # type: ignore[attr-defined]
        time_col >= lo,
        time_col < hi,
    )
    stmt = apply_keyset(stmt, time_col, res.model.id, cursor).limit(limit + 1)  # type: ignore[attr-defined]
    rows = db.execute(stmt).scalars().all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, res.time_attr), last.id)  # type: ignore[attr-defined]
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


def build_router(res: Resource) -> APIRouter:
    router = APIRouter(route_class=TransactionalRoute, prefix=res.path, tags=[res.name])
    Out = res.out_schema
    In = res.create_schema

    class Page(BaseModel):
        items: list[Out]  # type: ignore[valid-type]
        next_cursor: str | None

    Page.__name__ = f"{Out.__name__}Page"

    @router.post(
        "",
        status_code=201,
        response_model=Out,
        responses=responses(401, 403, 409, 422, 429),
        summary=f"Create one {res.name} entry",
    )
    def create(body: Annotated[In, Body()], auth: ReadingsWrite, db: DbSession) -> Any:  # type: ignore[valid-type]
        return res.to_out(create_one(db, res, auth.user, body), auth.user)

    @router.get(
        "",
        response_model=Page,
        responses=responses(401, 403, 422, 429),
        summary=f"List {res.name} entries (newest first)",
    )
    def list_(
        auth: ReadAuth,
        db: DbSession,
        start: Annotated[QueryTime | None, Query(description="inclusive, with offset")] = None,
        end: Annotated[QueryTime | None, Query(description="exclusive, with offset")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Any:
        rows, next_cursor = list_rows(db, res, auth.user, start, end, limit, cursor)
        return Page(items=[res.to_out(r, auth.user) for r in rows], next_cursor=next_cursor)

    if res.generic_bulk:

        @router.post(
            "/bulk",
            response_model=BulkReport,
            responses=responses(401, 403, 422, 429),
            summary=f"Create many {res.name} entries, idempotently",
        )
        def bulk(body: BulkIn, auth: ReadingsWrite, db: DbSession) -> Any:
            return bulk_create(db, res, auth.user, body.items)

    @router.get(
        "/{id}",
        response_model=Out,
        responses=responses(401, 403, 404, 422, 429),
        summary=f"Get one {res.name} entry",
    )
    def get(id: PathId, auth: ReadAuth, db: DbSession) -> Any:  # noqa: A002
        return res.to_out(_get_owned(db, res, auth.user, id), auth.user)

    @router.put(
        "/{id}",
        response_model=Out,
        responses=responses(401, 403, 404, 409, 422, 429),
        summary=f"Replace one {res.name} entry",
    )
    def update(id: PathId, body: Annotated[In, Body()], auth: ReadingsWrite, db: DbSession) -> Any:  # type: ignore[valid-type]  # noqa: A002
        return res.to_out(update_one(db, res, auth.user, id, body), auth.user)

    @router.delete(
        "/{id}",
        status_code=204,
        responses=responses(401, 403, 404, 422, 429),
        summary=f"Delete one {res.name} entry",
    )
    def remove(id: PathId, auth: ReadingsWrite, db: DbSession) -> Response:  # noqa: A002
        delete_one(db, res, auth.user, id)
        return Response(status_code=204)

    for fn in (create, list_, get, update, remove):
        fn.__doc__ = f"{fn.__name__.strip('_').capitalize()} the caller's own {res.name} data."
    return router

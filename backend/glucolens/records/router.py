"""``build_router`` turns a ``Resource`` into the five routes of docs/api.md (and bulk).

No ``from __future__ import annotations`` here: the routes' body and response types are local
to ``build_router``, and FastAPI must see them as objects, not strings.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import BaseModel

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.pagination import MAX_ROW_ID
from glucolens.core.schemas import QueryTime
from glucolens.core.transaction import TransactionalRoute
from glucolens.records.schemas import BulkIn, BulkReport
from glucolens.records.service import (
    Resource,
    bulk_create,
    create_one,
    delete_one,
    get_owned,
    list_rows,
    update_one,
)

MAX_LIST = 1000
# Ids are BIGINT: a larger path id would overflow the driver, so it is a 422 naming `id`.
PathId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The entry's id.")]


def no_list_filter() -> list[Any]:
    return []


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
        where: Annotated[list[Any], Depends(res.list_filter or no_list_filter)],
        start: Annotated[QueryTime | None, Query(description="inclusive, with offset")] = None,
        end: Annotated[QueryTime | None, Query(description="exclusive, with offset")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Any:
        rows, next_cursor = list_rows(db, res, auth.user, start, end, limit, cursor, where)
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
        "/{id:int}",
        response_model=Out,
        responses=responses(401, 403, 404, 422, 429),
        summary=f"Get one {res.name} entry",
    )
    def get(id: PathId, auth: ReadAuth, db: DbSession) -> Any:  # noqa: A002
        return res.to_out(get_owned(db, res, auth.user, id), auth.user)

    @router.put(
        "/{id:int}",
        response_model=Out,
        responses=responses(401, 403, 404, 409, 422, 429),
        summary=f"Replace one {res.name} entry",
    )
    def update(id: PathId, body: Annotated[In, Body()], auth: ReadingsWrite, db: DbSession) -> Any:  # type: ignore[valid-type]  # noqa: A002
        return res.to_out(update_one(db, res, auth.user, id, body), auth.user)

    @router.delete(
        "/{id:int}",
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

"""Nightscout v1 treatments, devicestatus and profile at the host root.

POST answers 200 with one document per document sent, each with its string ``_id`` (a
duplicate's existing one), as cgm-remote-monitor does; storage, dedupe and the treatments'
GlucoLens rows are in documents.py. ``find[field][$op]=value`` filters are checked against
doc_filters' list before any query: anything else is a 400 naming it. DELETE is a soft
delete (hidden from v1, shown as ``isValid: false`` in v3 history so AAPS learns of it), and
a treatment's insulin, meal, meter or activity rows go with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from glucolens.core.db import get_session
from glucolens.core.errors import responses
from glucolens.integrations.nightscout import documents
from glucolens.integrations.nightscout.auth import (
    NightscoutCaller,
    NightscoutError,
    NightscoutRoute,
    NsRead,
    NsWrite,
)
from glucolens.integrations.nightscout.body import BODY_SCHEMA, JsonBody
from glucolens.integrations.nightscout.doc_filters import FilterError
from glucolens.integrations.nightscout.http_cache import not_modified, stamp_ms
from glucolens.integrations.nightscout.query import parse_count

router = APIRouter(route_class=NightscoutRoute, tags=["nightscout"])
DbSession = Annotated[Session, Depends(get_session)]
READ_ERRORS = responses(400, 401, 403, 429)
WRITE_ERRORS = responses(400, 401, 403, 404, 413, 415, 422, 429)
DEFAULT_COUNT = 10
MAX_DOCS = 50_000
_FIND = re.compile(r"find\[([A-Za-z_]+)\](?:\[(\$[A-Za-z]+)\])?(?:\[\d*\])?")


def bad(description: str) -> NightscoutError:
    return NightscoutError(400, "Bad Request", description)


def parse_find(params: Any, count: int = DEFAULT_COUNT) -> tuple[list[tuple[str, str, Any]], int]:
    """``find[...]`` filters and ``count`` from a query string (qs style, as Nightscout
    clients send them; ``find[_id][$in][]=a&find[_id][$in][]=b`` for lists). Which fields
    and operators exist is doc_filters' business."""
    filters: list[tuple[str, str, Any]] = []
    lists: dict[tuple[str, str], list[str]] = {}
    for key, value in params.multi_items():
        if key == "count":
            count = parse_count(value)
        elif key.startswith("find"):
            m = _FIND.fullmatch(key)
            if not m:
                raise bad(f"{key[:60]}: not a filter this server understands")
            name, op = m.group(1), m.group(2) or "$eq"
            if op in ("$in", "$nin"):
                lists.setdefault((name, op), []).extend(v for v in value.split("|") if v)
            else:
                filters.append((name, op, value))
    filters.extend((name, op, values) for (name, op), values in lists.items())
    return filters, count


def _find(db: Session, caller: NightscoutCaller, collection: str, params: Any,
          count: int = DEFAULT_COUNT) -> list[dict[str, Any]]:  # fmt: skip
    filters, count = parse_find(params, count)
    try:
        return documents.find(db, caller.user, collection, filters=filters, count=count)
    except FilterError as exc:
        raise bad(str(exc)) from None


def _store(db: Session, caller: NightscoutCaller, collection: str, payload: Any, *,
           upsert: bool = False) -> Any:  # fmt: skip
    """One served document per document sent (an object for an object PUT)."""
    docs = payload if isinstance(payload, list) else [payload]
    if len(docs) > MAX_DOCS:
        raise bad(f"At most {MAX_DOCS} documents per request; got {len(docs)}. Split the batch.")
    try:
        stored = documents.store(db, caller.user, collection, docs, upsert=upsert)
    except documents.DocumentError as exc:
        raise bad(f"{collection}[{exc.index}]: {exc.reason}") from None
    out = []
    for s in stored:
        doc = dict(s.doc)
        if s.notes:
            doc["glucolensNotStored"] = list(s.notes)
        out.append(doc)
    return out[0] if upsert and not isinstance(payload, list) else out


def _deleted(n: int) -> dict[str, Any]:
    return {"n": n, "ok": 1, "deletedCount": n}  # Mongo's answer, as Nightscout passes it on


def _delete(db: Session, caller: NightscoutCaller, collection: str, params: Any
            ) -> dict[str, Any]:  # fmt: skip
    filters, _count = parse_find(params)
    if not filters:
        raise bad("DELETE needs at least one find[...] filter (it never deletes everything).")
    try:
        found = documents.find(
            db, caller.user, collection, filters=filters, count=documents.MAX_FIND
        )
    except FilterError as exc:
        raise bad(str(exc)) from None
    idents = [d["identifier"] for d in found]
    return _deleted(documents.delete_many(db, caller.user, collection, idents, permanent=False))


def _cached(request: Request, response: Response, db: Session, caller: NightscoutCaller,
            collection: str) -> Response | None:  # fmt: skip
    """Sets Last-Modified (the collection's newest change); a 304 when the client's copy
    (If-Modified-Since) is current."""
    newest = documents.last_modified(db, caller.user).get(collection)
    return not_modified(request, response, stamp_ms(newest))


def _routes(
    path: str, collection: str, what: str, *, put: bool, delete_summary: str | None
) -> None:
    """POST, GET, DELETE ?find[...], DELETE /<_id> and PUT (when asked) for one collection, each
    also with ``.json`` (only the bare path in the schema)."""

    def post(caller: NsWrite, db: DbSession, payload: JsonBody) -> list[dict[str, Any]]:
        return list(_store(db, caller, collection, payload))

    def replace(caller: NsWrite, db: DbSession, payload: JsonBody) -> Any:
        return _store(db, caller, collection, payload, upsert=True)

    def get(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
        if cached := _cached(request, response, db, caller, collection):
            return cached
        return _find(db, caller, collection, request.query_params)

    def delete_found(caller: NsWrite, db: DbSession, request: Request) -> dict[str, Any]:
        return _delete(db, caller, collection, request.query_params)

    def delete_one(identifier: str, caller: NsWrite, db: DbSession) -> dict[str, Any]:
        """``n: 0`` (not 404) for an unknown _id: uploaders retry a failed delete for ever."""
        gone = documents.delete(db, caller.user, collection, identifier, permanent=False)
        return _deleted(int(gone))

    handlers: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
        ("POST", post, {"summary": f"Nightscout: upload {what} (object or array, gzip allowed)",
                        "responses": WRITE_ERRORS, "openapi_extra": BODY_SCHEMA}),
        ("GET", get, {"summary": f"Nightscout: {what}, newest first",
                      "responses": READ_ERRORS}),
        ("DELETE", delete_found, {"summary": f"Nightscout: delete the {what} a find[...] "
                                  "filter matches", "responses": WRITE_ERRORS}),
    ]  # fmt: skip
    if put:
        handlers.append(
            ("PUT", replace, {"summary": f"Nightscout: replace {what} by _id (created when "
                              "missing)", "responses": WRITE_ERRORS, "openapi_extra": BODY_SCHEMA})
        )  # fmt: skip
    verbs = {"POST": "post", "GET": "get", "DELETE": "delete", "PUT": "put"}
    for method, handler, meta in handlers:
        name = f"{verbs[method]}_{collection}"  # the operationId's stem
        for suffix, shown in ((".json", False), ("", True)):
            router.add_api_route(path + suffix, handler, methods=[method], name=name,
                                 include_in_schema=shown, **meta)  # fmt: skip
    if delete_summary:
        router.add_api_route(path + "/{identifier}", delete_one, methods=["DELETE"],
                             name=f"delete_one_{collection}", summary=delete_summary,
                             responses=WRITE_ERRORS)  # fmt: skip


_routes("/api/v1/treatments", "treatments", "treatments", put=True,
        delete_summary="Nightscout: delete a treatment and its GlucoLens rows")  # fmt: skip
_routes("/api/v1/devicestatus", "devicestatus", "device status", put=False,
        delete_summary="Nightscout: delete a device status")  # fmt: skip


@router.get(
    "/api/v1/profile/current",
    responses=READ_ERRORS,
    summary="Nightscout: the newest profile (an object; {} when there is none)",
)
@router.get("/api/v1/profile/current.json", include_in_schema=False)
def get_current_profile(caller: NsRead, db: DbSession) -> dict[str, Any]:
    found = documents.find(db, caller.user, "profile", count=1)
    return found[0] if found else {}


# No DELETE /profile/<_id>: it would share /api/v1/profile/current with the GET above (no
# uploader deletes a profile through v1; v3 can).
_routes("/api/v1/profile", "profile", "profiles", put=True,
        delete_summary=None)  # fmt: skip

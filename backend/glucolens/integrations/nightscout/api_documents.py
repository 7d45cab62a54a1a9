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
from glucolens.integrations.nightscout.body import json_body
from glucolens.integrations.nightscout.doc_filters import FilterError
from glucolens.integrations.nightscout.http_cache import not_modified, stamp_ms

router = APIRouter(route_class=NightscoutRoute, tags=["nightscout"])
DbSession = Annotated[Session, Depends(get_session)]
JsonBody = Annotated[Any, Depends(json_body)]
READ_ERRORS = responses(400, 401, 403, 429)
WRITE_ERRORS = responses(400, 401, 403, 404, 413, 415, 422, 429)
BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                }
            }
        },
    }
}
DEFAULT_COUNT = 10
MAX_COUNT = 50_000  # larger asks are served this many
MAX_DOCS = 50_000
_FIND = re.compile(r"find\[([A-Za-z_]+)\](?:\[(\$[A-Za-z]+)\])?(?:\[\d*\])?")


def bad(description: str) -> NightscoutError:
    return NightscoutError(400, "Bad Request", description)


def parse_find(
    collection: str, params: Any, count: int = DEFAULT_COUNT
) -> tuple[list[tuple[str, str, Any]], int]:
    """``find[...]`` filters and ``count`` from a query string (qs style, as Nightscout
    clients send them; ``find[_id][$in][]=a&find[_id][$in][]=b`` for lists)."""
    filters: list[tuple[str, str, Any]] = []
    lists: dict[tuple[str, str], list[str]] = {}
    for key, value in params.multi_items():
        if key == "count":
            try:
                wanted = int(value)
            except ValueError:
                raise bad(f"count: {value[:20]!r} is not a whole number") from None
            if wanted < 1:
                raise bad("count: must be at least 1")
            count = min(wanted, MAX_COUNT)
            continue
        if not key.startswith("find"):
            continue
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
    filters, count = parse_find(collection, params, count)
    try:
        return documents.find(db, caller.user, collection, filters=filters, count=count)
    except FilterError as exc:
        raise bad(str(exc)) from None


def _store(db: Session, caller: NightscoutCaller, collection: str, payload: Any, *,
           upsert: bool = False) -> list[dict[str, Any]]:  # fmt: skip
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
    return out


def _delete(db: Session, caller: NightscoutCaller, collection: str, params: Any
            ) -> dict[str, Any]:  # fmt: skip
    filters, _count = parse_find(collection, params)
    if not filters:
        raise bad("DELETE needs at least one find[...] filter (it never deletes everything).")
    try:
        found = documents.find(
            db, caller.user, collection, filters=filters, count=documents.MAX_FIND
        )
    except FilterError as exc:
        raise bad(str(exc)) from None
    n = documents.delete_many(
        db, caller.user, collection, [d["identifier"] for d in found], permanent=False
    )
    return {"n": n, "ok": 1, "deletedCount": n}


def _cached(request: Request, response: Response, db: Session, caller: NightscoutCaller,
            collection: str) -> Response | None:  # fmt: skip
    """Sets Last-Modified (the collection's newest change); a 304 when the client's copy
    (If-Modified-Since) is current."""
    newest = documents.last_modified(db, caller.user).get(collection)
    return not_modified(request, response, stamp_ms(newest))


# --- treatments -----------------------------------------------------------------------


@router.post(
    "/api/v1/treatments",
    responses=WRITE_ERRORS,
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: upload treatments (object or array, gzip allowed)",
)
@router.post("/api/v1/treatments.json", include_in_schema=False)
def post_treatments(caller: NsWrite, db: DbSession, payload: JsonBody) -> list[dict[str, Any]]:
    """200 with one treatment per treatment sent, each with its ``_id``; insulin, carbs,
    finger BG checks and exercise also land in GlucoLens's own tables."""
    return _store(db, caller, "treatments", payload)


@router.put(
    "/api/v1/treatments",
    responses=WRITE_ERRORS,
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: replace treatments by _id (created when missing)",
)
@router.put("/api/v1/treatments.json", include_in_schema=False)
def put_treatments(caller: NsWrite, db: DbSession, payload: JsonBody) -> Any:
    stored = _store(db, caller, "treatments", payload, upsert=True)
    return stored if isinstance(payload, list) else stored[0]


@router.get("/api/v1/treatments", responses=READ_ERRORS, summary="Nightscout: latest treatments")
@router.get("/api/v1/treatments.json", include_in_schema=False)
def get_treatments(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    """Newest first; ``count``, ``find[created_at|date][$gte|...]``, ``find[eventType]``,
    ``find[enteredBy]``, ``find[_id]``."""
    if cached := _cached(request, response, db, caller, "treatments"):
        return cached
    return _find(db, caller, "treatments", request.query_params)


@router.delete(
    "/api/v1/treatments/{identifier}",
    responses=WRITE_ERRORS,
    summary="Nightscout: delete a treatment and its GlucoLens rows",
)
def delete_treatment(identifier: str, caller: NsWrite, db: DbSession) -> dict[str, Any]:
    n = int(documents.delete(db, caller.user, "treatments", identifier, permanent=False))
    return {"n": n, "ok": 1, "deletedCount": n}


@router.delete(
    "/api/v1/treatments",
    responses=WRITE_ERRORS,
    summary="Nightscout: delete the treatments a find[...] filter matches",
)
@router.delete("/api/v1/treatments.json", include_in_schema=False)
def delete_treatments(caller: NsWrite, db: DbSession, request: Request) -> dict[str, Any]:
    return _delete(db, caller, "treatments", request.query_params)


# --- devicestatus ---------------------------------------------------------------------


@router.post(
    "/api/v1/devicestatus",
    responses=WRITE_ERRORS,
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: upload device status (Loop, AAPS, xDrip+)",
)
@router.post("/api/v1/devicestatus.json", include_in_schema=False)
def post_devicestatus(caller: NsWrite, db: DbSession, payload: JsonBody) -> list[dict[str, Any]]:
    return _store(db, caller, "devicestatus", payload)


@router.get(
    "/api/v1/devicestatus", responses=READ_ERRORS, summary="Nightscout: latest device status"
)
@router.get("/api/v1/devicestatus.json", include_in_schema=False)
def get_devicestatus(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    if cached := _cached(request, response, db, caller, "devicestatus"):
        return cached
    return _find(db, caller, "devicestatus", request.query_params)


@router.delete(
    "/api/v1/devicestatus/{identifier}",
    responses=WRITE_ERRORS,
    summary="Nightscout: delete a device status",
)
def delete_one_devicestatus(identifier: str, caller: NsWrite, db: DbSession) -> dict[str, Any]:
    n = int(documents.delete(db, caller.user, "devicestatus", identifier, permanent=False))
    return {"n": n, "ok": 1, "deletedCount": n}


@router.delete(
    "/api/v1/devicestatus",
    responses=WRITE_ERRORS,
    summary="Nightscout: delete the device status a find[...] filter matches",
)
@router.delete("/api/v1/devicestatus.json", include_in_schema=False)
def delete_devicestatus(caller: NsWrite, db: DbSession, request: Request) -> dict[str, Any]:
    return _delete(db, caller, "devicestatus", request.query_params)


# --- profile --------------------------------------------------------------------------


@router.post(
    "/api/v1/profile",
    responses=WRITE_ERRORS,
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: upload a profile (basal, ISF, carb ratio, targets)",
)
@router.post("/api/v1/profile.json", include_in_schema=False)
def post_profile(caller: NsWrite, db: DbSession, payload: JsonBody) -> list[dict[str, Any]]:
    return _store(db, caller, "profile", payload)


@router.put(
    "/api/v1/profile",
    responses=WRITE_ERRORS,
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: replace a profile by _id (created when missing)",
)
@router.put("/api/v1/profile.json", include_in_schema=False)
def put_profile(caller: NsWrite, db: DbSession, payload: JsonBody) -> Any:
    stored = _store(db, caller, "profile", payload, upsert=True)
    return stored if isinstance(payload, list) else stored[0]


@router.get("/api/v1/profile", responses=READ_ERRORS, summary="Nightscout: profiles, newest first")
@router.get("/api/v1/profile.json", include_in_schema=False)
def get_profiles(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    if cached := _cached(request, response, db, caller, "profile"):
        return cached
    return _find(db, caller, "profile", request.query_params)


@router.get(
    "/api/v1/profile/current",
    responses=READ_ERRORS,
    summary="Nightscout: the newest profile (an object; {} when there is none)",
)
@router.get("/api/v1/profile/current.json", include_in_schema=False)
def get_current_profile(caller: NsRead, db: DbSession) -> dict[str, Any]:
    found = documents.find(db, caller.user, "profile", count=1)
    return found[0] if found else {}

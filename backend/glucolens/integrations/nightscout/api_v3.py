"""Nightscout API v3 at the host root: what AAPS's NSClient v3 (nightscout/AndroidAPS
core/nssdk NightscoutRemoteService.kt) and nightscout-librelink-up's v3 client
(src/nightscout/apiv3.ts) call.

``/api/v3/version``, ``/status``, ``/lastModified`` and, for entries, treatments,
devicestatus and profile: create (201, or 200 with ``isDeduplication``), search, read,
update (PUT), patch, delete (soft; ``permanent=true`` hard) and ``history``, in the v3
envelope ``{"status": ..., "result": ...}``. Authentication is the v1 routes' (a Bearer JWT
from ``/api/v2/authorization/request/<token>``, ``api-secret`` or ``?token=``); a read
token gets 403 on writes. Entries are glucose readings (``v3_entries``); the other
collections are documents (``v3_documents``). Protocol rules: ``v3``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.convertors import StringConvertor, register_url_convertor

from glucolens.core.db import get_session
from glucolens.core.errors import responses
from glucolens.integrations.nightscout import v3
from glucolens.integrations.nightscout.api import NIGHTSCOUT_API_VERSION
from glucolens.integrations.nightscout.auth import NightscoutRoute, NsRead, NsWrite
from glucolens.integrations.nightscout.body import json_body
from glucolens.integrations.nightscout.v3_stores import STORES, Store


class V3IdentifierConvertor(StringConvertor):
    """A path segment other than ``history``: ``/api/v3/{col}/history`` is its own route, so
    PUT, PATCH and DELETE must not take "history" for an identifier (nor offer those
    methods in a 405's ``Allow`` there)."""

    regex = "(?!history$)[^/]+"


register_url_convertor("v3id", V3IdentifierConvertor())
router = APIRouter(route_class=NightscoutRoute, tags=["nightscout"])
DbSession = Annotated[Session, Depends(get_session)]
JsonBody = Annotated[Any, Depends(json_body)]
READ_ERRORS = responses(400, 401, 403, 429)
WRITE_ERRORS = responses(400, 401, 403, 404, 410, 413, 415, 422, 429)
OBJECT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
# AAPS counts itself allowed to upload only when all six collections it knows are "crud"
# (core/nssdk localmodel ApiPermissions.isFull), so food and settings are listed with the
# caller's rights too; GlucoLens keeps neither (GET /api/v3/food answers an empty list).
PERMISSION_COLLECTIONS = ("devicestatus", "entries", "food", "profile", "settings", "treatments")


def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=int(body["status"]), content=body, headers=headers)


def _doc(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or not payload:
        raise v3.bad(v3.MSG_BODY)
    return dict(payload)


def _storage(db: Session) -> dict[str, str]:
    dialect = db.get_bind().dialect
    version = ".".join(str(p) for p in (dialect.server_version_info or ()))
    return {"storage": dialect.name, "version": version or "unknown"}


@router.get("/api/v3/version", responses=READ_ERRORS, summary="Nightscout v3: versions")
def version(caller: NsRead, db: DbSession) -> dict[str, Any]:
    """Unlike Nightscout's, this needs a credential too: nothing here is anonymous."""
    result = {
        "version": NIGHTSCOUT_API_VERSION,
        "apiVersion": v3.API3_VERSION,
        "srvDate": v3.ms_of(dt.datetime.now(dt.UTC)),
        "storage": _storage(db),
    }
    return v3.envelope(result)


@router.get("/api/v3/status", responses=READ_ERRORS, summary="Nightscout v3: status and rights")
def status(caller: NsRead, db: DbSession) -> dict[str, Any]:
    """``apiPermissions``: per collection the caller's rights, ``crud`` or ``r``."""
    rights = "crud" if caller.can_write else "r"
    result = {
        "version": NIGHTSCOUT_API_VERSION,
        "apiVersion": v3.API3_VERSION,
        "srvDate": v3.ms_of(dt.datetime.now(dt.UTC)),
        "storage": _storage(db),
        "apiPermissions": dict.fromkeys(PERMISSION_COLLECTIONS, rights),
    }
    return v3.envelope(result)


@router.get(
    "/api/v3/lastModified",
    responses=READ_ERRORS,
    summary="Nightscout v3: last change per collection",
)
def last_modified(caller: NsRead, db: DbSession) -> dict[str, Any]:
    """``{srvDate, collections: {name: ms}}``; a collection with nothing stored is left out."""
    collections = {}
    for name, store in STORES.items():
        when = store.last_modified(db, caller.user)
        if when is not None:
            collections[name] = when
    now = v3.ms_of(dt.datetime.now(dt.UTC))
    return v3.envelope({"srvDate": now, "collections": collections})


@router.get("/api/v3/food", responses=READ_ERRORS, summary="Nightscout v3: foods (none kept)")
def foods(caller: NsRead, request: Request) -> dict[str, Any]:
    """AAPS reads its food list here; GlucoLens keeps no food database: always empty."""
    v3.parse_limit(request.query_params)
    return v3.envelope([])


def _history_since(request: Request, raw: str | None) -> tuple[dt.datetime, bool]:
    """(since, inclusive): the path's time is exclusive, the ``Last-Modified`` header's
    (whole seconds) inclusive, as history/operation.js."""
    if raw is not None:
        when = v3.parse_instant(raw)
        if when is None:
            raise v3.bad(v3.MSG_LAST_MODIFIED)
        return when, False
    header = request.headers.get("last-modified")
    try:
        when = email.utils.parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        raise v3.bad(v3.MSG_LAST_MODIFIED)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.replace(microsecond=0), True


def _history(db: Session, caller: NsRead, store: Store, request: Request, raw: str | None
             ) -> JSONResponse:  # fmt: skip
    since, inclusive = _history_since(request, raw)
    limit = v3.parse_limit(request.query_params)
    fields = v3.parse_search({"fields": request.query_params.get("fields", "")}, {}).fields
    docs = store.history(db, caller.user, since, inclusive, limit)
    headers = {}
    if docs:
        newest = max(int(d.get("srvModified") or 0) for d in docs)
        headers = {"Last-Modified": v3.http_date(newest), "ETag": f'W/"{newest}"'}
    result = [v3.project(d, fields) for d in docs]
    return _json(v3.envelope(result), headers)


def _written(status: int, fields: dict[str, Any], location: str | None = None) -> JSONResponse:
    headers = {}
    if fields.get("lastModified"):
        headers["Last-Modified"] = v3.http_date(int(fields["lastModified"]))
    if location and fields.get("identifier"):
        headers["Location"] = f"{location}/{fields['identifier']}"
    return _json(v3.envelope(status=status, **fields), headers)


def _register(name: str, store: Store) -> None:
    base = f"/api/v3/{name}"

    @router.get(base, responses=READ_ERRORS, summary=f"Nightscout v3: search {name}")
    def search(caller: NsRead, db: DbSession, request: Request) -> dict[str, Any]:
        """``limit`` (1-1000), ``skip``, ``sort``/``sort$desc``, ``fields``,
        ``<field>$<eq|ne|gt|gte|lt|lte|in|nin>=<value>`` on the collection's fields."""
        query = v3.parse_search(
            request.query_params, store.allowed, store.sortable, raw_values=store.raw_values
        )
        docs = store.search(db, caller.user, query)
        return v3.envelope([v3.project(d, query.fields) for d in docs])

    @router.post(
        base,
        status_code=201,
        responses=WRITE_ERRORS,
        openapi_extra=OBJECT_BODY,
        summary=f"Nightscout v3: create a {name} document",
    )
    def create(caller: NsWrite, db: DbSession, payload: JsonBody) -> JSONResponse:
        """201 ``{identifier, lastModified}``; a duplicate: 200 with ``isDeduplication``."""
        status, fields = store.create(db, caller.user, _doc(payload))
        return _written(status, fields, base)

    @router.get(
        f"{base}/history", responses=READ_ERRORS, summary=f"Nightscout v3: {name} changed since"
    )
    def history_header(caller: NsRead, db: DbSession, request: Request) -> JSONResponse:
        """Changes at or after the ``Last-Modified`` request header, oldest first."""
        return _history(db, caller, store, request, None)

    @router.get(
        f"{base}/history/{{last_modified}}",
        responses=responses(400, 401, 403, 404, 422, 429),
        summary=f"Nightscout v3: {name} changed after a time",
    )
    def history_path(last_modified: str, caller: NsRead, db: DbSession, request: Request
                     ) -> JSONResponse:  # fmt: skip
        """Changes after ``last_modified`` (ms), oldest first, deleted ones included."""
        return _history(db, caller, store, request, last_modified)

    @router.get(
        f"{base}/{{identifier:v3id}}",
        responses=responses(400, 401, 403, 404, 410, 429),
        summary=f"Nightscout v3: read a {name} document",
    )
    def read(identifier: str, caller: NsRead, db: DbSession, request: Request,
             fields: Annotated[str | None, Query()] = None) -> Response:  # fmt: skip
        """404 when there is none; 410 when it was deleted (soft)."""
        doc = store.read(db, caller.user, identifier)
        if doc is None:
            raise v3.bad("Not Found", 404)
        if doc.get("isValid") is False:
            raise v3.bad("Gone", 410)
        modified = int(doc.get("srvModified") or 0)
        headers = {"Last-Modified": v3.http_date(modified)} if modified else {}
        since = request.headers.get("if-modified-since")
        if modified and since:
            try:
                when = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None and modified // 1000 <= int(when.timestamp()):
                return Response(status_code=304, headers=headers)
        chosen = v3.parse_search({"fields": fields or ""}, {}).fields
        return _json(v3.envelope(v3.project(doc, chosen)), headers)

    @router.put(
        f"{base}/{{identifier:v3id}}",
        responses=WRITE_ERRORS,
        openapi_extra=OBJECT_BODY,
        summary=f"Nightscout v3: replace a {name} document",
    )
    def update(identifier: str, caller: NsWrite, db: DbSession, payload: JsonBody
               ) -> JSONResponse:  # fmt: skip
        """200 ``{lastModified}``; 201 when there was none; 410 when it was deleted."""
        status, fields = store.update(db, caller.user, identifier, _doc(payload))
        return _written(status, fields)

    @router.patch(
        f"{base}/{{identifier:v3id}}",
        responses=WRITE_ERRORS,
        openapi_extra=OBJECT_BODY,
        summary=f"Nightscout v3: change fields of a {name} document",
    )
    def patch(identifier: str, caller: NsWrite, db: DbSession, payload: JsonBody
              ) -> JSONResponse:  # fmt: skip
        """200; 404 when there is none; 410 when it was deleted."""
        modified = store.patch(db, caller.user, identifier, _doc(payload))
        if modified is None:
            raise v3.bad("Not Found", 404)
        return _written(200, {"lastModified": modified})

    @router.delete(
        f"{base}/{{identifier:v3id}}",
        responses=responses(400, 401, 403, 404, 422, 429),
        summary=f"Nightscout v3: delete a {name} document",
    )
    def remove(identifier: str, caller: NsWrite, db: DbSession,
               permanent: Annotated[str | None, Query()] = None) -> JSONResponse:  # fmt: skip
        """Marks it deleted (``isValid: false``, shown by history); ``permanent=true``
        removes it. Entries are always removed (see docs/nightscout.md)."""
        if not store.delete(db, caller.user, identifier, permanent=permanent == "true"):
            raise v3.bad("Not Found", 404)
        return _json(v3.envelope())


for _name, _store in STORES.items():
    _register(_name, _store)

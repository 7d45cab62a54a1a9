"""The Nightscout API at the host root (uploaders drop any path prefix).

Served: v1 entries (POST; GET as JSON, CSV or TSV, sgv, current, by _id; DELETE), status,
verifyauth, experiments/test and the v2 token -> JWT exchange here; treatments, devicestatus
and profile in api_documents.py; /api/v3 in api_v3.py. See docs/nightscout.md for what is
not yet here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from glucolens import __version__
from glucolens.core.db import get_session
from glucolens.core.errors import responses
from glucolens.integrations.nightscout import credentials, query
from glucolens.integrations.nightscout.api_documents import router as documents_router
from glucolens.integrations.nightscout.auth import (
    NightscoutCaller,
    NightscoutError,
    NightscoutRoute,
    NsRead,
    NsWrite,
    check_guess_budget,
    count_failed_guess,
    issue_jwt,
    unauthorized,
)
from glucolens.integrations.nightscout.body import BODY_SCHEMA, JsonBody
from glucolens.integrations.nightscout.entries import to_entry
from glucolens.integrations.nightscout.http_cache import not_modified
from glucolens.integrations.nightscout.ingest import store_entries
from glucolens.readings.models import GlucoseReading
from glucolens.readings.service import delete_glucose

router = APIRouter(route_class=NightscoutRoute, tags=["nightscout"])
DbSession = Annotated[Session, Depends(get_session)]
ERRORS = responses(400, 401, 403, 429)
ID_ERRORS = responses(400, 401, 403, 404, 422, 429)  # declared; a missing _id is an empty 200
# The Nightscout API version these routes follow (clients compare it), not GlucoLens's own.
NIGHTSCOUT_API_VERSION = "15.0.2"


@router.post(
    "/api/v1/entries",
    responses=responses(400, 401, 403, 413, 415, 422, 429),
    openapi_extra=BODY_SCHEMA,
    summary="Nightscout: upload entries (object or array, gzip allowed)",
)
@router.post("/api/v1/entries.json", include_in_schema=False)
def post_entries(caller: NsWrite, db: DbSession, payload: JsonBody) -> list[dict[str, Any]]:
    """200 with one item per entry sent, each with its ``_id`` (a duplicate's existing one)."""
    docs = payload if isinstance(payload, list) else [payload]
    return store_entries(db, caller.user, docs)


def _entries(db: Session, caller: NightscoutCaller, q: query.EntryQuery
             ) -> list[dict[str, Any]]:  # fmt: skip
    stmt = q.apply(select(GlucoseReading).where(GlucoseReading.user_id == caller.user.id))
    return [to_entry(row) for row in db.scalars(stmt)]


TEXT_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "txt": "text/plain"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _text(entries: list[dict[str, Any]], fmt: str) -> Response:
    """Nightscout's text form: one line per entry, no header, columns dateString, date,
    sgv (mbg for a meter entry), direction, device; text quoted."""
    sep = "," if fmt == "csv" else "\t"
    lines = [
        sep.join(
            _cell(e.get(k)) if k != "sgv" else _cell(e.get("sgv", e.get("mbg")))
            for k in ("dateString", "date", "sgv", "direction", "device")
        )
        for e in entries
    ]
    body = "".join(line + "\n" for line in lines)
    return Response(body, media_type=f"{TEXT_TYPES[fmt]}; charset=utf-8")


def _format(request: Request) -> str:
    tail = request.url.path.rsplit(".", 1)
    return tail[1] if len(tail) == 2 and tail[1] in TEXT_TYPES else "json"


def _answer(
    db: Session, caller: NightscoutCaller, request: Request, response: Response,
    q: query.EntryQuery, fmt: str | None = None,
) -> Any:  # fmt: skip
    """The entries as JSON or text, with Last-Modified (the user's last data change, so a
    backfill or a delete counts too) and 304 for a follower whose copy is current."""
    if cached := not_modified(request, response, caller.user.data_changed_at):
        return cached
    entries = _entries(db, caller, q)
    fmt = fmt or _format(request)
    return entries if fmt == "json" else _text(entries, fmt)


def _entry_routes(path: str, summary: str) -> Callable[[Any], Any]:
    """``path`` and its .json/.csv/.tsv/.txt forms (only the bare one in the schema)."""

    def wrap(func: Any) -> Any:
        for ext in (".json", ".csv", ".tsv", ".txt"):
            func = router.get(path + ext, include_in_schema=False)(func)
        return router.get(path, responses=ERRORS, summary=summary)(func)

    return wrap


@_entry_routes("/api/v1/entries", "Nightscout: latest entries (JSON, CSV or TSV)")
def get_entries(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    """``count`` (default 10), ``find[date|dateString][$gt|$gte|$lt|$lte]``, ``find[type]``,
    ``find[sgv][...]``."""
    return _answer(db, caller, request, response, query.parse(request.query_params))


@_entry_routes("/api/v1/entries/sgv", "Nightscout: latest sensor entries")
def get_sgv(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    q = query.parse(request.query_params, types=("sgv",))
    return _answer(db, caller, request, response, q)


@_entry_routes("/api/v1/entries/current", "Nightscout: the latest entry")
def get_current(caller: NsRead, db: DbSession, request: Request, response: Response) -> Any:
    q = query.parse(request.query_params, types=("sgv",), count=1)
    return _answer(db, caller, request, response, q)


def _split_spec(spec: str) -> tuple[str, str]:
    base, _, ext = spec.rpartition(".")
    if base and ext in (*TEXT_TYPES, "json"):
        return base, ext
    return spec, "json"


def _rows_by_id(db: Session, caller: NightscoutCaller, spec: str) -> list[GlucoseReading]:
    """A 24-hex ``_id`` GlucoLens made (its row id) or an ``_id`` an uploader sent."""
    t = GlucoseReading
    match = t.external_id == spec[:128]
    if query.ROW_ID.fullmatch(spec):
        pk = int(spec, 16)
        if pk < 2**63:
            match = or_(match, and_(t.id == pk, t.external_id.is_(None)))
    stmt = select(t).where(t.user_id == caller.user.id, match).order_by(t.ts.desc())
    return list(db.scalars(stmt.limit(10)))


@router.get(
    "/api/v1/entries/{spec}",
    responses=ID_ERRORS,
    summary="Nightscout: one entry by _id, or the entries of one type (sgv, mbg)",
)
def get_entry_spec(
    spec: str, caller: NsRead, db: DbSession, request: Request, response: Response
) -> Any:
    """As Nightscout: an array, empty when nothing matches."""
    base, fmt = _split_spec(spec)
    if base in query.TYPES:
        q = query.parse(request.query_params, types=(base,))
        return _answer(db, caller, request, response, q, fmt)
    if base == "cal":  # calibrations are not stored
        return [] if fmt == "json" else _text([], fmt)
    entries = [to_entry(row) for row in _rows_by_id(db, caller, base)]
    return entries if fmt == "json" else _text(entries, fmt)


class _EntryIdRoute(NightscoutRoute):
    """``DELETE /api/v1/entries/{spec}`` takes an _id only: /entries/sgv and /entries/current
    are GET-only lists and must not advertise DELETE in their ``Allow``."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        spec = str(child.get("path_params", {}).get("spec", ""))
        if match is not Match.NONE and _split_spec(spec)[0] in ("sgv", "current"):
            return Match.NONE, {}
        return match, child


def delete_entry(spec: str, caller: NsWrite, db: DbSession) -> dict[str, Any]:
    """The reading is deleted through the readings service (day aggregates, canonical
    stream, DataChanged); a copy of it from another uploader stays and takes its place."""
    base, _fmt = _split_spec(spec)
    ids = [row.id for row in _rows_by_id(db, caller, base)]
    n = delete_glucose(db, caller.user, [GlucoseReading.id.in_(ids)]) if ids else 0
    return {"n": n, "ok": 1, "deletedCount": n}


router.add_api_route(
    "/api/v1/entries/{spec}",
    delete_entry,
    methods=["DELETE"],
    responses=ID_ERRORS,
    summary="Nightscout: delete one entry by _id",
    route_class_override=_EntryIdRoute,
)


@router.delete(
    "/api/v1/entries",
    responses=ERRORS,
    summary="Nightscout: delete the entries a find[...] filter matches",
)
@router.delete("/api/v1/entries.json", include_in_schema=False)
def delete_entries(caller: NsWrite, db: DbSession, request: Request) -> dict[str, Any]:
    """Every matching reading goes, copies from other uploaders included; a find[...] filter
    is required (never "delete everything"), ``count`` is ignored."""
    q = query.parse(request.query_params)
    if not q.filtered:
        raise NightscoutError(
            400,
            "Bad Request",
            "DELETE needs at least one find[...] filter (it never deletes everything).",
        )
    q.canonical_only = False
    n = delete_glucose(db, caller.user, [q.where()])
    return {"n": n, "ok": 1, "deletedCount": n}


def _units(unit: str) -> str:
    return "mmol" if unit.lower().startswith("mmol") else "mg/dl"


@router.get("/api/v1/status", responses=ERRORS, summary="Nightscout: server status and settings")
@router.get("/api/v1/status.json", include_in_schema=False)
def status(caller: NsRead) -> dict[str, Any]:
    """Nightscout's status shape; units and target range are the user's (mg/dL values, as
    Nightscout's thresholds always are)."""
    user = caller.user
    now = dt.datetime.now(dt.UTC)
    return {
        "status": "ok",
        "name": "GlucoLens",
        "version": NIGHTSCOUT_API_VERSION,
        "glucolensVersion": __version__,
        "serverTime": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "serverTimeEpoch": int(now.timestamp() * 1000),
        "apiEnabled": True,
        "careportalEnabled": False,
        "boluscalcEnabled": False,
        "settings": {
            "units": _units(user.unit),
            "timeFormat": 24,
            "customTitle": "GlucoLens",
            "authDefaultRoles": "",  # anonymous access is never allowed
            "thresholds": {
                "bgHigh": 250,
                "bgTargetTop": round(user.target_high_mgdl),
                "bgTargetBottom": round(user.target_low_mgdl),
                "bgLow": 54,
            },
            "enable": [],
        },
        "extendedSettings": {},
        "authorized": None,
    }


@router.get("/api/v1/verifyauth", responses=ERRORS, summary="Nightscout: check a credential")
def verifyauth(caller: NsRead) -> dict[str, Any]:
    return {
        "status": 200,
        "message": {
            "canRead": True,
            "canWrite": caller.can_write,
            "isAdmin": caller.can_write,
            "message": "OK",
            "rolefound": "FOUND",
            "permissions": "ROLE",
        },
    }


@router.get("/api/v1/experiments/test", responses=ERRORS, summary="Nightscout: check write access")
def experiments_test(caller: NsWrite) -> dict[str, Any]:
    """xDrip+ calls this to test its secret; Nightscout asks for admin rights here."""
    return {"status": "ok"}


@router.get(
    "/api/v2/authorization/request/{token}",
    responses=responses(400, 401, 403, 404, 422, 429),
    summary="Nightscout: exchange an access token for a JWT",
)
def authorization_request(token: str, request: Request, db: DbSession) -> dict[str, Any]:
    """The JWT is then sent as ``Authorization: Bearer``; it stops working when the token
    is revoked. Only access tokens are exchanged, never the API secret."""
    check_guess_budget(request)
    found = credentials.resolve_token(db, token)
    if found is None:
        count_failed_guess(request)
        raise unauthorized()
    credential, _user = found
    jwt_token, iat, exp = issue_jwt(credential)
    return {
        "token": jwt_token,
        "sub": credential.name,
        "permissionGroups": [["api:*:read"] if credential.role == "read" else ["*"]],
        "iat": iat,
        "exp": exp,
    }


# Treatments, devicestatus and profile (api_documents.py) are served with these routes.
router.include_router(documents_router)

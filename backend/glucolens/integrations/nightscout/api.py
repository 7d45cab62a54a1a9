"""The Nightscout API at the host root (uploaders drop any path prefix).

Served so far: v1 entries (POST, GET, sgv, current), status, verifyauth, experiments/test,
and the v2 token -> JWT exchange. See docs/nightscout.md for what is not yet here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens import __version__
from glucolens.core.db import get_session
from glucolens.core.errors import responses
from glucolens.integrations.nightscout import credentials, query
from glucolens.integrations.nightscout.api_documents import router as documents_router
from glucolens.integrations.nightscout.auth import (
    NightscoutRoute,
    NsRead,
    NsWrite,
    check_guess_budget,
    count_failed_guess,
    issue_jwt,
    unauthorized,
)
from glucolens.integrations.nightscout.body import json_body
from glucolens.integrations.nightscout.entries import to_entry
from glucolens.integrations.nightscout.ingest import store_entries
from glucolens.readings.models import GlucoseReading

router = APIRouter(route_class=NightscoutRoute, tags=["nightscout"])
DbSession = Annotated[Session, Depends(get_session)]
JsonBody = Annotated[Any, Depends(json_body)]
ERRORS = responses(400, 401, 403, 429)
# The Nightscout API version these routes follow (clients compare it), not GlucoLens's own.
NIGHTSCOUT_API_VERSION = "15.0.2"
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


def _entries(db: Session, caller: NsRead, q: query.EntryQuery) -> list[dict[str, Any]]:
    stmt = q.apply(select(GlucoseReading).where(GlucoseReading.user_id == caller.user.id))
    return [to_entry(row) for row in db.scalars(stmt)]


@router.get("/api/v1/entries", responses=ERRORS, summary="Nightscout: latest entries")
@router.get("/api/v1/entries.json", include_in_schema=False)
def get_entries(caller: NsRead, db: DbSession, request: Request) -> list[dict[str, Any]]:
    """``count`` (default 10), ``find[date|dateString][$gt|$gte|$lt|$lte]``, ``find[type]``."""
    return _entries(db, caller, query.parse(request.query_params))


@router.get("/api/v1/entries/sgv", responses=ERRORS, summary="Nightscout: latest sensor entries")
@router.get("/api/v1/entries/sgv.json", include_in_schema=False)
def get_sgv(caller: NsRead, db: DbSession, request: Request) -> list[dict[str, Any]]:
    return _entries(db, caller, query.parse(request.query_params, types=("sgv",)))


@router.get("/api/v1/entries/current", responses=ERRORS, summary="Nightscout: the latest entry")
@router.get("/api/v1/entries/current.json", include_in_schema=False)
def get_current(caller: NsRead, db: DbSession, request: Request) -> list[dict[str, Any]]:
    return _entries(db, caller, query.parse(request.query_params, types=("sgv",), count=1))


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

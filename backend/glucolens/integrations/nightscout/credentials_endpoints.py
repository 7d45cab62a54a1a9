"""Managing one's Nightscout credentials through GlucoLens's own API (signed-in user only:
an API key must not mint credentials of another kind)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from glucolens.auth.deps import AccountAuth, DbSession
from glucolens.core.errors import responses
from glucolens.core.sql import lock_user_writes
from glucolens.core.transaction import TransactionalRoute
from glucolens.integrations.nightscout import credentials
from glucolens.integrations.nightscout.models import KIND_SECRET, ROLE_READWRITE
from glucolens.integrations.nightscout.schemas import (
    CredentialCreated,
    CredentialIn,
    CredentialList,
    CredentialOut,
)

router = APIRouter(
    route_class=TransactionalRoute,
    prefix="/api/v1/integrations/nightscout/credentials",
    tags=["nightscout"],
)


def server_root(request: Request) -> str:
    """Uploaders drop any path, so the user's Nightscout URL is the server's root (scheme and
    host as the client reached it, after core/proxies' rewrite)."""
    return str(request.base_url).rstrip("/")


@router.get(
    "",
    response_model=CredentialList,
    responses=responses(401, 403, 429),
    summary="List your active Nightscout credentials",
)
def list_credentials(request: Request, auth: AccountAuth, db: DbSession) -> Any:
    """Never the values: they were shown once, at creation."""
    rows = credentials.active(db, auth.user_id)
    return CredentialList(
        nightscout_url=server_root(request),
        items=[CredentialOut.model_validate(r) for r in rows],
    )


@router.post(
    "",
    status_code=201,
    response_model=CredentialCreated,
    responses=responses(401, 403, 409, 422, 429),
    summary="Create an API secret or a named access token",
)
def create_credential(
    body: CredentialIn, request: Request, auth: AccountAuth, db: DbSession
) -> Any:
    """The value is in this answer only. A new secret revokes the previous one."""
    # Serialises concurrent creations of one user (the token count, the one-secret rule).
    lock_user_writes(db, auth.user_id)
    if body.kind == KIND_SECRET:
        row, raw = credentials.new_secret(db, auth.user)
    else:
        row, raw = credentials.new_token(db, auth.user, body.name, body.role or ROLE_READWRITE)
    return CredentialCreated(
        credential=CredentialOut.model_validate(row),
        value=raw,
        api_secret_sha1=credentials.sha1_hex(raw),
        nightscout_url=server_root(request),
    )


@router.delete(
    "/{credential_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
    summary="Revoke a Nightscout credential",
)
def revoke_credential(credential_id: uuid.UUID, auth: AccountAuth, db: DbSession) -> Response:
    """Takes effect at once, also for JWTs exchanged from it (checked on every request)."""
    credentials.revoke(db, auth.user_id, credential_id)
    return Response(status_code=204)

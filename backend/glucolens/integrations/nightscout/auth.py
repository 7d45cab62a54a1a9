"""Who is calling a Nightscout route, in the forms uploaders send (cgm-remote-monitor
lib/authorization/index.js ``resolveWithRequest``):

- ``api-secret`` header: SHA-1 hex (any case) or SHA-512 hex of the API secret, or the
  SHA-1 of an access token;
- ``?token=<access token>``;
- ``Authorization: Bearer <JWT>`` from ``GET /api/v2/authorization/request/<token>``.

Anonymous access is never allowed (Nightscout's default role would let it read). Every
failure is the same 401 in Nightscout's error shape, whatever was wrong, so an answer never
tells whether a user or credential exists. Failed ``api-secret``/``token`` guesses are
counted per client address and slowed (429); a Bearer JWT is signed, so a guess cannot
succeed and is not counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from glucolens.auth.deps import charge_user_limit
from glucolens.auth.models import User
from glucolens.auth.tokens import ALGORITHM, get_keyring
from glucolens.core.config import get_settings
from glucolens.core.db import get_session, utcnow
from glucolens.core.errors import RateLimited
from glucolens.core.proxies import client_ip
from glucolens.core.ratelimit import get_rate_limiter
from glucolens.core.transaction import TransactionalRoute
from glucolens.integrations.nightscout import credentials
from glucolens.integrations.nightscout.models import ROLE_READWRITE, NightscoutCredential

FAILED_PER_IP = "30/minute"
JWT_TTL_S = 8 * 3600  # Nightscout's own JWTs last 8 hours
JWT_AUDIENCE_SUFFIX = ":nightscout"  # never accepted as a GlucoLens access token


class NightscoutError(Exception):
    """An error answered in Nightscout's shape ({status, message, description}) plus the
    house ``error`` object, so both kinds of clients can read it."""

    def __init__(
        self, status: int, message: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.message = message
        self.description = description
        self.headers = headers

    def response(self) -> JSONResponse:
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            413: "payload_too_large",
            415: "unsupported_media_type",
            429: "rate_limited",
        }
        body = {
            "status": self.status,
            "message": self.message,
            "description": self.description,
            "error": {
                "code": code.get(self.status, "bad_request"),
                "message": self.description,
                "details": [],
            },
        }
        return JSONResponse(status_code=self.status, content=body, headers=self.headers)


def unauthorized() -> NightscoutError:
    return NightscoutError(401, "Unauthorized", "Invalid/Missing")


class NightscoutRoute(TransactionalRoute):
    """TransactionalRoute whose NightscoutErrors (raised by dependencies or handlers) are
    answered in Nightscout's shape. Nothing is written before one is raised."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except NightscoutError as exc:
                return exc.response()

        return run


@dataclass(frozen=True)
class NightscoutCaller:
    user: User
    credential_id: uuid.UUID
    role: str

    @property
    def can_write(self) -> bool:
        return self.role == ROLE_READWRITE


def issue_jwt(credential: NightscoutCredential) -> tuple[str, int, int]:
    """(token, iat, exp) for a credential; checked against the row on every use."""
    settings = get_settings()
    ring = get_keyring()
    iat = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {
        "sub": str(credential.id),
        "accessToken": credential.shown_prefix,
        "iat": iat,
        "exp": iat + JWT_TTL_S,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience + JWT_AUDIENCE_SUFFIX,
    }
    token = jwt.encode(
        claims, ring.keys[ring.signing_kid], algorithm=ALGORITHM, headers={"kid": ring.signing_kid}
    )
    return token, iat, iat + JWT_TTL_S


def _credential_from_jwt(token: str) -> uuid.UUID | None:
    settings = get_settings()
    ring = get_keyring()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = ring.keys.get(str(kid))
        if key is None:
            return None
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience + JWT_AUDIENCE_SUFFIX,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "iat", "exp", "iss", "aud"]},
        )
        return uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError, KeyError):
        return None


def _ip(request: Request) -> str:
    return client_ip(request) or "unknown"


def check_guess_budget(request: Request) -> None:
    """429 while this address has failed too often; raised before any look-up."""
    if not get_rate_limiter().test(FAILED_PER_IP, "ns-auth-fail", _ip(request)):
        raise NightscoutError(
            429, "Too Many Requests", "Too many failed attempts; wait a minute.",
            headers={"Retry-After": "60"},
        )  # fmt: skip


def count_failed_guess(request: Request) -> None:
    limiter = get_rate_limiter()
    # test() then hit(): hit() raises the house 429 once over, which the caller must not see
    # in place of the 401 this request earns.
    if limiter.test(FAILED_PER_IP, "ns-auth-fail", _ip(request)):
        with contextlib.suppress(RateLimited):  # filled between test and hit: still a 401
            limiter.hit(FAILED_PER_IP, "ns-auth-fail", _ip(request))


def _resolve(request: Request, db: Session) -> tuple[NightscoutCredential, User]:
    bearer = request.headers.get("authorization", "")
    scheme, _, value = bearer.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        cred_id = _credential_from_jwt(value.strip())
        found = credentials.by_id(db, cred_id) if cred_id else None
        if found is None:
            raise unauthorized()
        return found
    secret = request.headers.get("api-secret")
    token = request.query_params.get("token")
    if not secret and not token:
        raise unauthorized()
    check_guess_budget(request)
    found = None
    if secret:
        found = credentials.resolve_api_secret(db, secret)
    if found is None and token:
        found = credentials.resolve_token(db, token)
    if found is None:
        count_failed_guess(request)
        raise unauthorized()
    return found


def authenticate(request: Request, db: Session) -> NightscoutCaller:
    credential, user = _resolve(request, db)
    charge_user_limit(user.id, machine=True)  # one budget with the account's API keys
    now = utcnow()
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > 60:
        credential.last_used_at = now
        # Its own short transaction (as API keys do): an uploader's parallel requests must
        # not queue behind one another on this row's lock.
        db.commit()
    request.state.user_id = user.id
    return NightscoutCaller(user=user, credential_id=credential.id, role=credential.role)


def _read(request: Request, db: Annotated[Session, Depends(get_session)]) -> NightscoutCaller:
    return authenticate(request, db)


def _write(request: Request, db: Annotated[Session, Depends(get_session)]) -> NightscoutCaller:
    caller = authenticate(request, db)
    if not caller.can_write:
        # 403, not Nightscout's 401: the credential is valid (nothing to hide), only its role
        # is short, and uploaders treat both alike.
        raise NightscoutError(403, "Forbidden", "This token may only read.")
    return caller


NsRead = Annotated[NightscoutCaller, Depends(_read)]
NsWrite = Annotated[NightscoutCaller, Depends(_write)]

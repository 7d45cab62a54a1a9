"""Who is calling, and with which scopes.

A caller is a signed-in user (access JWT; every scope) or an API key (its own scopes,
never ``account``). The user id comes only from the credential.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import ApiKey, User, UserSession
from glucolens.auth.tokens import InvalidToken, hash_token, verify_access_token
from glucolens.core.config import get_settings
from glucolens.core.db import get_session, utcnow
from glucolens.core.errors import Forbidden, Unauthorized
from glucolens.core.ratelimit import get_rate_limiter

API_KEY_PREFIX = "glk_"
SCOPE_READ = "read"
SCOPE_WRITE_READINGS = "write:readings"
SCOPE_ACCOUNT = "account"
API_KEY_SCOPES = (SCOPE_READ, SCOPE_WRITE_READINGS)
USER_SCOPES = frozenset({SCOPE_READ, SCOPE_WRITE_READINGS, SCOPE_ACCOUNT})


@dataclass(frozen=True)
class AuthSubject:
    user: User
    scopes: frozenset[str]
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'.")
        return value.strip()
    return request.headers.get("x-api-key")


def _from_api_key(db: Session, raw: str) -> AuthSubject:
    row = db.execute(
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == hash_token(raw))
    ).first()
    if row is None or row[0].revoked_at is not None or not row[1].is_active:
        raise Unauthorized("Invalid or revoked API key.")
    key, user = row
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
        # Its own short transaction: holding the key's row lock for the whole request would
        # make concurrent requests with one key (an uploader) wait on each other.
        db.commit()
    return AuthSubject(user=user, scopes=frozenset(key.scopes), api_key_id=key.id)


def _from_jwt(db: Session, raw: str) -> AuthSubject:
    try:
        claims = verify_access_token(raw)
    except InvalidToken as exc:
        raise Unauthorized("Invalid or expired access token.") from exc
    row = db.execute(
        select(User, UserSession.revoked_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == claims.user_id, UserSession.id == claims.session_id)
    ).first()
    if row is None or row[1] is not None or not row[0].is_active:
        raise Unauthorized("Session has ended; sign in again.")
    return AuthSubject(user=row[0], scopes=USER_SCOPES, session_id=claims.session_id)


def authenticate(request: Request, db: Session) -> AuthSubject:
    raw = _bearer(request)
    if not raw:
        raise Unauthorized()
    machine = raw.startswith(API_KEY_PREFIX)
    subject = _from_api_key(db, raw) if machine else _from_jwt(db, raw)
    settings = get_settings()
    get_rate_limiter().hit(
        settings.uploader_rate_limit if machine else settings.api_rate_limit,
        "api-keys" if machine else "api",
        str(subject.user_id),
        message="Too many requests for this account; slow down.",
    )
    request.state.user_id = subject.user_id
    return subject


def require(scope: str):  # noqa: ANN201 - returns a FastAPI dependency
    def dependency(request: Request, db: Annotated[Session, Depends(get_session)]) -> AuthSubject:
        subject = authenticate(request, db)
        if scope not in subject.scopes:
            raise Forbidden(f"This credential lacks the '{scope}' scope.")
        return subject

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


# Scopes as types: a route's signature says what it needs.
ReadAuth = Annotated[AuthSubject, Depends(require(SCOPE_READ))]
ReadingsWrite = Annotated[AuthSubject, Depends(require(SCOPE_WRITE_READINGS))]
AccountAuth = Annotated[AuthSubject, Depends(require(SCOPE_ACCOUNT))]
DbSession = Annotated[Session, Depends(get_session)]

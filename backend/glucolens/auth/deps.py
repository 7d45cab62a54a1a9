"""Who is calling, and with which scopes.

A caller is a signed-in user (access JWT; every scope) or an API key (its own scopes,
never ``account``). The user id comes only from the credential.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from glucolens.auth.models import ApiKey, User, UserSession
from glucolens.auth.session_cache import AuthSnapshot, ensure_listener, session_cache
from glucolens.auth.tokens import AccessClaims, InvalidToken, hash_token, verify_access_token
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


class AuthSubject:
    """The caller. ``snapshot`` (the user's profile as of this request, from the session
    cache or the database) serves reads without a query; ``user``, the ORM row for handlers
    that change it or hand it to services, is loaded on first use in the request's session."""

    def __init__(
        self,
        *,
        snapshot: AuthSnapshot,
        scopes: frozenset[str],
        db: Session,
        user: User | None = None,
        session_id: uuid.UUID | None = None,
        api_key_id: uuid.UUID | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.scopes = scopes
        self.session_id = session_id
        self.api_key_id = api_key_id
        self._db = db
        self._user = user

    @property
    def user_id(self) -> uuid.UUID:
        return self.snapshot.id

    @property
    def user(self) -> User:
        if self._user is None:
            user = self._db.get(User, self.snapshot.id)
            if user is None or not user.is_active:
                raise Unauthorized("Session has ended; sign in again.")
            self._user = user
        return self._user


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
    return AuthSubject(
        snapshot=AuthSnapshot.of(user),
        user=user,
        db=db,
        scopes=frozenset(key.scopes),
        api_key_id=key.id,
    )


def _load_snapshot(db: Session, user_id: uuid.UUID, session_id: uuid.UUID) -> AuthSnapshot:
    token = session_cache.fill_token(user_id)
    row = db.execute(
        select(User, UserSession.revoked_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.id == session_id)
    ).first()
    if row is None or row[1] is not None or not row[0].is_active:
        raise Unauthorized("Session has ended; sign in again.")
    snapshot = AuthSnapshot.of(row[0])
    session_cache.put(session_id, snapshot, token)
    return snapshot


def _session_subject(
    db: Session, claims: AccessClaims, snapshot: AuthSnapshot | None = None
) -> AuthSubject:
    """A signed-in caller: ``snapshot`` from the session cache, else read from the database."""
    snapshot = snapshot or _load_snapshot(db, claims.user_id, claims.session_id)
    return AuthSubject(snapshot=snapshot, scopes=USER_SCOPES, db=db, session_id=claims.session_id)


def _from_jwt(db: Session, raw: str) -> AuthSubject:
    """A token checked against the database (the WebSocket's handshake)."""
    return _session_subject(db, _claims(raw))


RATE_LIMITED = "Too many requests for this account; slow down."


def _rate_limit_of(machine: bool) -> tuple[str, str]:
    """The per-user limit and its counter: API keys and uploaders share one, sessions another."""
    settings = get_settings()
    if machine:
        return settings.uploader_rate_limit, "api-keys"
    return settings.api_rate_limit, "api"


def charge_user_limit(user_id: uuid.UUID, *, machine: bool) -> None:
    """Count one request against the user's per-user limit (429 past it)."""
    limit, counter = _rate_limit_of(machine)
    get_rate_limiter().hit(limit, counter, str(user_id), message=RATE_LIMITED)


def authenticate(request: Request, db: Session) -> AuthSubject:
    """Synchronous form, for code already on a worker thread."""
    raw = _bearer(request)
    if not raw:
        raise Unauthorized()
    if raw.startswith(API_KEY_PREFIX):
        subject = _from_api_key(db, raw)
    else:
        claims = _claims(raw)
        subject = _session_subject(db, claims, session_cache.get(claims.session_id))
    charge_user_limit(subject.user_id, machine=subject.api_key_id is not None)
    request.state.user_id = subject.user_id
    return subject


async def authenticate_async(request: Request, db: Session) -> AuthSubject:
    """The per-request check, on the event loop: a signed token whose session is in the
    cache costs no thread and no query; anything else goes to a worker thread."""
    raw = _bearer(request)
    if not raw:
        raise Unauthorized()
    if raw.startswith(API_KEY_PREFIX):
        return await run_in_threadpool(authenticate, request, db)
    claims = _claims(raw)
    ensure_listener()
    snapshot = session_cache.get(claims.session_id)
    if snapshot is None:
        return await run_in_threadpool(authenticate, request, db)
    subject = _session_subject(db, claims, snapshot)
    limit, counter = _rate_limit_of(False)
    await get_rate_limiter().hit_async(limit, counter, str(subject.user_id), message=RATE_LIMITED)
    request.state.user_id = subject.user_id
    return subject


def _claims(raw: str) -> AccessClaims:
    try:
        return verify_access_token(raw)
    except InvalidToken as exc:
        raise Unauthorized("Invalid or expired access token.") from exc


def require(scope: str):  # noqa: ANN201 - returns a FastAPI dependency
    async def dependency(
        request: Request, db: Annotated[Session, Depends(get_session)]
    ) -> AuthSubject:
        subject = await authenticate_async(request, db)
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

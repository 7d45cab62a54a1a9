"""Accounts, sign-in, refresh-token rotation, sessions, profile and passwords.

Refresh tokens are opaque, stored as SHA-256 hashes, and belong to a session (their
family). Each use rotates the token; presenting a token that was already rotated means
it was copied, so the whole family is revoked (RFC 9700, section 4.14.2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glucolens.auth.models import PasswordResetToken, RefreshToken, User, UserSession
from glucolens.auth.passwords import dummy_hash, hash_password, verify_password
from glucolens.auth.passwords_policy import check_password
from glucolens.auth.schemas import ProfileIn, RegisterIn, SessionOut
from glucolens.auth.tokens import (
    hash_token,
    issue_access_token,
    new_opaque_token,
    open_successor,
    seal_successor,
)
from glucolens.core.config import get_settings
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationFailed
from glucolens.core.events import ProfileChanged, publish
from glucolens.core.ratelimit import get_rate_limiter
from glucolens.core.timeutil import is_valid_timezone

log = logging.getLogger("glucolens.auth")

BAD_CREDENTIALS = "Incorrect email or password."
BAD_REFRESH = "Invalid or expired refresh token; sign in again."
BAD_RESET = "This reset link is invalid, expired or already used; ask for a new one."
# Deliberately vague: see docs/auth.md, "Registration and account enumeration".
REGISTER_CONFLICT = (
    "We could not create an account with this email address. If you already have one, "
    "sign in or reset your password."
)
TARGET_MIN_MGDL, TARGET_MAX_MGDL = 50.0, 300.0


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    device: str | None


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    user: User


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def _email_key(email: str) -> str:
    # Rate-limit keys live in Redis: keep addresses out of them.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def validate_timezone(name: str, field: str = "timezone") -> str:
    if not is_valid_timezone(name):
        raise ValidationFailed(
            f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'.",
            details=[{"field": field, "reason": "not an IANA time zone"}],
        )
    return name


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email.strip().lower()))


# --- registration and sign-in ------------------------------------------------------


def register(db: Session, body: RegisterIn, client: ClientInfo) -> User:
    settings = get_settings()
    get_rate_limiter().hit(
        settings.login_max_per_ip,
        "register-ip",
        client.ip or "unknown",
        message="Too many sign-ups from this address; try again later.",
    )
    check_password(body.password, body.email)
    if body.timezone:
        validate_timezone(body.timezone)
    # Hash before looking the address up, so both answers cost the same time.
    password_hash = hash_password(body.password)
    if user_by_email(db, body.email) is not None:
        raise Conflict(REGISTER_CONFLICT)
    user = User(
        email=body.email,
        password_hash=password_hash,
        display_name=(body.display_name or "").strip() or None,
        timezone=body.timezone or "UTC",
        unit=body.unit or "mg/dL",
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        db.rollback()
        raise Conflict(REGISTER_CONFLICT) from exc
    return user


def _throttle_login(email: str, client: ClientInfo) -> None:
    settings = get_settings()
    limiter = get_rate_limiter()
    limiter.hit(
        settings.login_max_per_ip,
        "login-ip",
        client.ip or "unknown",
        message="Too many sign-in attempts from this address; try again later.",
    )
    limiter.hit(
        settings.login_max_per_account,
        "login-account",
        _email_key(email),
        message="Too many sign-in attempts for this account; try again later.",
    )


def login(db: Session, email: str, password: str, client: ClientInfo) -> IssuedTokens:
    _throttle_login(email, client)
    user = user_by_email(db, email)
    if user is None:
        verify_password(password, dummy_hash())  # same work as a real check
        raise Unauthorized(BAD_CREDENTIALS)
    ok, new_hash = verify_password(password, user.password_hash)
    if not ok or not user.is_active:
        raise Unauthorized(BAD_CREDENTIALS)
    if new_hash:  # argon2 parameters were raised since this hash was made
        user.password_hash = new_hash
    session = UserSession(user_id=user.id, device=client.device, ip=client.ip)
    db.add(session)
    db.flush()
    return _issue(db, user, session)


def _issue(db: Session, user: User, session: UserSession, raw: str | None = None) -> IssuedTokens:
    settings = get_settings()
    raw = raw or new_opaque_token()
    db.add(
        RefreshToken(
            user_id=user.id,
            session_id=session.id,
            token_hash=hash_token(raw),
            expires_at=utcnow() + dt.timedelta(days=settings.refresh_token_ttl_days),
        )
    )
    db.flush()
    access, ttl = issue_access_token(user.id, session.id, settings)
    return IssuedTokens(access_token=access, expires_in=ttl, refresh_token=raw, user=user)


# --- refresh, logout and sessions ---------------------------------------------------


def _find_refresh(db: Session, raw: str) -> RefreshToken | None:
    return db.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw)))


def revoke_sessions(
    db: Session,
    user_id: uuid.UUID,
    reason: str,
    *,
    only: uuid.UUID | None = None,
    keep: uuid.UUID | None = None,
) -> None:
    """End sessions of ``user_id`` (one, or all but ``keep``) and their refresh tokens."""
    now = utcnow()
    sessions = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    tokens = update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if only is not None:
        sessions = sessions.where(UserSession.id == only)
        tokens = tokens.where(RefreshToken.session_id == only)
    if keep is not None:
        sessions = sessions.where(UserSession.id != keep)
        tokens = tokens.where(RefreshToken.session_id != keep)
    db.execute(sessions.values(revoked_at=now, revoked_reason=reason))
    db.execute(tokens.values(revoked_at=now))


def _reuse_detected(db: Session, token: RefreshToken) -> Unauthorized:
    user_id, session_id = token.user_id, token.session_id
    db.rollback()
    revoke_sessions(db, user_id, "refresh_token_reuse", only=session_id)
    # Committed here, not by the request: the request answers 401, which rolls back, and the
    # revocation must stand all the same.
    db.commit()
    log.warning(
        "refresh token reuse; session revoked",
        extra={"fields": {"user_id": str(user_id), "session_id": str(session_id)}},
    )
    return Unauthorized(BAD_REFRESH)


def refresh(db: Session, raw: str, client: ClientInfo) -> IssuedTokens:
    now = utcnow()
    token = _find_refresh(db, raw)
    if token is None or token.revoked_at is not None:
        raise Unauthorized(BAD_REFRESH)
    if token.rotated_at is not None:
        return _within_grace(db, token, raw, now)
    if token.expires_at <= now:
        raise Unauthorized(BAD_REFRESH)
    session = db.get(UserSession, token.session_id)
    user = db.get(User, token.user_id)
    if session is None or session.revoked_at is not None or user is None or not user.is_active:
        raise Unauthorized(BAD_REFRESH)
    successor = new_opaque_token()
    # Claim the token atomically: of two concurrent uses, exactly one rotates it; the other
    # then finds it rotated and, within the grace window, gets the same successor.
    claimed = db.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token.id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now, successor_sealed=seal_successor(raw, successor))
    )
    if _rowcount(claimed) != 1:
        db.rollback()
        token = _find_refresh(db, raw)
        if token is None or token.revoked_at is not None or token.rotated_at is None:
            raise Unauthorized(BAD_REFRESH)
        return _within_grace(db, token, raw, utcnow())
    session.last_seen_at = now
    session.ip = client.ip
    if client.device:
        session.device = client.device
    return _issue(db, user, session, successor)


def _within_grace(db: Session, token: RefreshToken, raw: str, now: dt.datetime) -> IssuedTokens:
    """A rotated token presented again: the same successor while the grace window lasts (two
    tabs refreshing at once), else reuse, which ends the session."""
    assert token.rotated_at is not None
    grace = dt.timedelta(seconds=get_settings().refresh_grace_s)
    if token.successor_sealed is None or now - token.rotated_at > grace:
        raise _reuse_detected(db, token)
    successor = open_successor(raw, token.successor_sealed)
    current = _find_refresh(db, successor)
    session = db.get(UserSession, token.session_id)
    user = db.get(User, token.user_id)
    if (
        current is None
        or current.revoked_at is not None
        or session is None
        or session.revoked_at is not None
        or user is None
        or not user.is_active
    ):
        raise Unauthorized(BAD_REFRESH)
    access, ttl = issue_access_token(user.id, session.id, get_settings())
    return IssuedTokens(access_token=access, expires_in=ttl, refresh_token=successor, user=user)


def logout(
    db: Session,
    user_id: uuid.UUID | None,
    session_id: uuid.UUID | None,
    raw_refresh: str | None,
) -> None:
    """End the caller's session: the access token's, and the refresh token's family."""
    targets: set[tuple[uuid.UUID, uuid.UUID]] = set()
    if user_id is not None and session_id is not None:
        targets.add((user_id, session_id))
    if raw_refresh:
        token = _find_refresh(db, raw_refresh)
        if token is not None and (user_id is None or token.user_id == user_id):
            targets.add((token.user_id, token.session_id))
    if not targets:
        raise Unauthorized(BAD_REFRESH)
    for owner, sid in targets:
        revoke_sessions(db, owner, "logout", only=sid)


def logout_all(db: Session, user_id: uuid.UUID) -> None:
    revoke_sessions(db, user_id, "logout_all")


def list_sessions(db: Session, user_id: uuid.UUID, current: uuid.UUID | None) -> list[SessionOut]:
    # A session unseen for longer than a refresh token lives can no longer be resumed.
    cutoff = utcnow() - dt.timedelta(days=get_settings().refresh_token_ttl_days)
    rows = db.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.last_seen_at > cutoff,
        )
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return [
        SessionOut(
            id=s.id,
            device=s.device,
            ip=s.ip,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            current=s.id == current,
        )
        for s in rows
    ]


def revoke_session(db: Session, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    found = db.scalar(
        select(UserSession.id).where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
        )
    )
    if found is None:
        raise NotFound("No such session.")
    revoke_sessions(db, user_id, "revoked_by_user", only=session_id)


# --- profile and passwords ----------------------------------------------------------


def update_profile(db: Session, user: User, body: ProfileIn) -> User:
    """Change only the fields given; the target range is checked as a whole."""
    if body.timezone is not None:
        validate_timezone(body.timezone)
    low = body.target_low_mgdl if body.target_low_mgdl is not None else user.target_low_mgdl
    high = body.target_high_mgdl if body.target_high_mgdl is not None else user.target_high_mgdl
    if not TARGET_MIN_MGDL <= low < high <= TARGET_MAX_MGDL:
        reason = f"need {TARGET_MIN_MGDL:g} <= low < high <= {TARGET_MAX_MGDL:g} mg/dL"
        raise ValidationFailed(
            f"Invalid target range {low:g}-{high:g} mg/dL: {reason}.",
            details=[{"field": "target_low_mgdl", "reason": reason}],
        )
    if "display_name" in body.model_fields_set:
        user.display_name = (body.display_name or "").strip() or None
    tz_changed = body.timezone is not None and body.timezone != user.timezone
    if body.timezone is not None:
        user.timezone = body.timezone
    if body.unit is not None:
        user.unit = body.unit
    user.target_low_mgdl, user.target_high_mgdl = low, high
    db.flush()
    if tz_changed:
        # Local days moved: subscribers rebuild the per-day aggregates in the new zone within
        # this transaction, and the insights (which also work on local days) recompute.
        publish(db, ProfileChanged(user_id=user.id, fields=frozenset({"timezone"})))
    return user


def _set_password(db: Session, user: User, new_password: str) -> None:
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    # Outstanding reset links die with the old password.
    db.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )


def require_password(
    user: User, password: str, action: str, field: str, *, too_many: str, wrong: str
) -> None:
    """Re-check the password before a sensitive ``action``, limited per account like sign-in:
    a stolen access token must not become an oracle for the password."""
    get_rate_limiter().hit(
        get_settings().login_max_per_account, action, str(user.id), message=too_many
    )
    ok, _ = verify_password(password, user.password_hash)
    if not ok:
        raise ValidationFailed(wrong, details=[{"field": field, "reason": "incorrect"}])


def change_password(
    db: Session, user: User, session_id: uuid.UUID | None, current: str, new: str
) -> None:
    require_password(
        user,
        current,
        "password-change",
        "current_password",
        too_many="Too many password change attempts; try again later.",
        wrong="The current password is incorrect.",
    )
    check_password(new, user.email, field="new_password")
    _set_password(db, user, new)
    revoke_sessions(db, user.id, "password_change", keep=session_id)


def forgot_password(db: Session, email: str, client: ClientInfo) -> tuple[str, str] | None:
    """A (recipient, raw token) pair to mail, or None; the caller answers 202 either way."""
    settings = get_settings()
    limiter = get_rate_limiter()
    limiter.hit(
        settings.login_max_per_ip,
        "forgot-ip",
        client.ip or "unknown",
        message="Too many reset requests from this address; try again later.",
    )
    try:  # per address: drop silently, so the answer never differs by account
        limiter.hit(settings.login_max_per_account, "forgot-account", _email_key(email))
    except RateLimited:
        return None
    user = user_by_email(db, email)
    if user is None or not user.is_active:
        return None
    raw = new_opaque_token()
    db.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_token(raw),
            expires_at=utcnow() + dt.timedelta(minutes=settings.password_reset_ttl_min),
        )
    )
    db.flush()  # the mail goes out as a background task, after the request committed
    return user.email, raw


def reset_password(db: Session, raw: str, new_password: str, client: ClientInfo) -> None:
    get_rate_limiter().hit(
        get_settings().login_max_per_ip,
        "reset-ip",
        client.ip or "unknown",
        message="Too many reset attempts from this address; try again later.",
    )
    now = utcnow()
    invalid = ValidationFailed(BAD_RESET, details=[{"field": "token", "reason": "invalid"}])
    row = db.execute(
        select(PasswordResetToken, User)
        .join(User, User.id == PasswordResetToken.user_id)
        .where(PasswordResetToken.token_hash == hash_token(raw))
    ).first()
    if row is None:
        raise invalid
    reset, user = row
    if reset.used_at is not None or reset.expires_at <= now or not user.is_active:
        raise invalid
    # Check the policy before spending the token, so a refused password can be retried.
    check_password(new_password, user.email, field="new_password")
    claimed = db.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == reset.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    if _rowcount(claimed) != 1:
        db.rollback()
        raise invalid
    _set_password(db, user, new_password)
    revoke_sessions(db, user.id, "password_reset")

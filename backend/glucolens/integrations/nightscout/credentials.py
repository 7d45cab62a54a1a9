"""Create, list, revoke and resolve a user's Nightscout credentials.

The secret and the tokens are random strings made here (128+ bits), never chosen by a
person, so a fast digest is enough to store them: there is nothing to brute-force that a
slow hash would protect. (Passwords, which people choose, use argon2 in auth/.) The digests
are SHA-1 and SHA-512 because those are what uploaders send in ``api-secret``
(cgm-remote-monitor lib/authorization accepts either).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound
from glucolens.integrations.nightscout.models import (
    KIND_SECRET,
    KIND_TOKEN,
    ROLE_READWRITE,
    NightscoutCredential,
)

MAX_TOKENS_PER_USER = 25
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_HEX128 = re.compile(r"[0-9a-fA-F]{128}")
_SLUG = re.compile(r"[^a-z0-9]+")


def sha1_hex(raw: str) -> str:
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()  # noqa: S324 - the protocol's digest


def sha512_hex(raw: str) -> str:
    return hashlib.sha512(raw.encode("utf-8")).hexdigest()


def active(db: Session, user_id: uuid.UUID) -> Sequence[NightscoutCredential]:
    return db.scalars(
        select(NightscoutCredential)
        .where(NightscoutCredential.user_id == user_id, NightscoutCredential.revoked_at.is_(None))
        .order_by(NightscoutCredential.created_at.desc())
    ).all()


def _digests(raw: str) -> dict[str, str]:
    return {"sha1_hex": sha1_hex(raw), "sha512_hex": sha512_hex(raw)}


def new_secret(db: Session, user: User) -> tuple[NightscoutCredential, str]:
    """A new API secret; the previous one (if any) stops working at once."""
    now = utcnow()
    for old in active(db, user.id):
        if old.kind == KIND_SECRET:
            old.revoked_at = now
    # URL-safe: xDrip+ takes it in the userinfo part of its base URL (SECRET@host).
    raw = secrets.token_urlsafe(24)
    row = NightscoutCredential(
        user_id=user.id, kind=KIND_SECRET, name="API secret", role=ROLE_READWRITE, **_digests(raw)
    )
    db.add(row)
    db.flush()
    return row, raw


def new_token(db: Session, user: User, name: str, role: str) -> tuple[NightscoutCredential, str]:
    """A named access token, shaped like Nightscout's own (``<name>-<hex>``)."""
    tokens = [c for c in active(db, user.id) if c.kind == KIND_TOKEN]
    if len(tokens) >= MAX_TOKENS_PER_USER:
        raise Conflict(f"At most {MAX_TOKENS_PER_USER} active access tokens; revoke one first.")
    slug = _SLUG.sub("", name.lower())[:12] or "token"
    raw = f"{slug}-{secrets.token_hex(16)}"
    row = NightscoutCredential(
        user_id=user.id,
        kind=KIND_TOKEN,
        name=name.strip()[:64] or "access token",
        role=role,
        shown_prefix=f"{slug}-{raw[len(slug) + 1 : len(slug) + 5]}",
        **_digests(raw),
    )
    db.add(row)
    db.flush()
    return row, raw


def revoke(db: Session, user_id: uuid.UUID, credential_id: uuid.UUID) -> None:
    row = db.scalar(
        select(NightscoutCredential).where(
            NightscoutCredential.id == credential_id,
            NightscoutCredential.user_id == user_id,
            NightscoutCredential.revoked_at.is_(None),
        )
    )
    if row is None:
        raise NotFound("No such Nightscout credential.")
    row.revoked_at = utcnow()
    db.flush()


def _by_digest(db: Session, value: str) -> tuple[NightscoutCredential, User] | None:
    if _HEX40.fullmatch(value):
        cond = NightscoutCredential.sha1_hex == value.lower()
    elif _HEX128.fullmatch(value):
        cond = NightscoutCredential.sha512_hex == value.lower()
    else:
        return None
    row = db.execute(
        select(NightscoutCredential, User)
        .join(User, User.id == NightscoutCredential.user_id)
        # Revoked and inactive rows are filtered here, so they answer exactly like unknown ones.
        .where(cond, NightscoutCredential.revoked_at.is_(None), User.is_active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def resolve_api_secret(db: Session, header: str) -> tuple[NightscoutCredential, User] | None:
    """``api-secret``: the SHA-1 or SHA-512 hex of the secret, or the SHA-1 of a token
    (xDrip+ hashes whatever stands before '@' in its URL). A raw secret is refused: it is
    not hex of the right length, and its digest is never compared."""
    return _by_digest(db, header.strip())


def resolve_token(db: Session, raw: str) -> tuple[NightscoutCredential, User] | None:
    """A raw access token (``?token=`` or the JWT exchange). Only tokens, never the secret."""
    raw = raw.strip()
    if not raw or len(raw) > 200:
        return None
    row = db.execute(
        select(NightscoutCredential, User)
        .join(User, User.id == NightscoutCredential.user_id)
        .where(
            NightscoutCredential.sha1_hex == sha1_hex(raw),
            NightscoutCredential.kind == KIND_TOKEN,
            NightscoutCredential.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    ).first()
    return (row[0], row[1]) if row else None


def by_id(db: Session, credential_id: uuid.UUID) -> tuple[NightscoutCredential, User] | None:
    row = db.execute(
        select(NightscoutCredential, User)
        .join(User, User.id == NightscoutCredential.user_id)
        .where(
            NightscoutCredential.id == credential_id,
            NightscoutCredential.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    ).first()
    return (row[0], row[1]) if row else None

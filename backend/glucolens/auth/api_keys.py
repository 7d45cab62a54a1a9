"""API keys: ``glk_`` + 256 random bits, shown once, stored as a SHA-256 hash, scoped."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.deps import API_KEY_PREFIX, API_KEY_SCOPES
from glucolens.auth.models import ApiKey
from glucolens.auth.tokens import hash_token, new_opaque_token
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound, ValidationFailed

MAX_KEYS_PER_USER = 25
# "glk_" and 8 random characters: enough to tell keys apart, far too little to guess one.
SHOWN_PREFIX_LEN = 12


def list_keys(db: Session, user_id: uuid.UUID) -> Sequence[ApiKey]:
    return db.scalars(
        select(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc())
    ).all()


def create_key(
    db: Session, user_id: uuid.UUID, name: str, scopes: Sequence[str]
) -> tuple[ApiKey, str]:
    """The new key's row and its full secret (the only time the secret exists in clear)."""
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in API_KEY_SCOPES]
    if not wanted or unknown:
        raise ValidationFailed(
            f"Scopes must be a non-empty subset of {list(API_KEY_SCOPES)}.",
            details=[{"field": "scopes", "reason": "unknown or empty"}],
        )
    active = db.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_KEYS_PER_USER:
        raise Conflict(f"At most {MAX_KEYS_PER_USER} active API keys; revoke one first.")
    raw = new_opaque_token(API_KEY_PREFIX)
    key = ApiKey(
        user_id=user_id,
        name=name.strip() or "API key",
        prefix=raw[:SHOWN_PREFIX_LEN],
        key_hash=hash_token(raw),
        scopes=wanted,
    )
    db.add(key)
    db.flush()
    return key, raw


def revoke_key(db: Session, user_id: uuid.UUID, key_id: uuid.UUID) -> None:
    key = db.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id, ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None)
        )
    )
    if key is None:
        raise NotFound("No such API key.")
    key.revoked_at = utcnow()
    db.flush()

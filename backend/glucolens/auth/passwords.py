"""argon2id password hashing (pwdlib)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from glucolens.core.config import get_settings


@lru_cache
def _hasher() -> PasswordHash:
    s = get_settings()
    return PasswordHash(
        (Argon2Hasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_cost_kib),)
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Returns (ok, new_hash): new_hash is set when the stored hash's parameters are outdated."""
    return _hasher().verify_and_update(password, password_hash)


@lru_cache
def dummy_hash() -> str:
    """A real hash to verify against for unknown emails, so timing does not reveal accounts."""
    return hash_password("glucolens-dummy-password-for-timing")

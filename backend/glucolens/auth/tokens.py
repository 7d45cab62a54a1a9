"""Signing and verifying access tokens; hashing opaque secrets.

Access tokens are HS256 JWTs. Keys carry a ``kid`` so that a new key can sign while
old ones still verify. The algorithm is pinned on decode, so ``alg=none`` and
algorithm-confusion tokens are refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jwt

from glucolens.core.config import Settings, get_settings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class KeyRing:
    signing_kid: str
    keys: dict[str, bytes]


def _load_or_create_keyfile(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    kid = "k" + secrets.token_hex(4)
    spec = f"{kid}:{secrets.token_urlsafe(48)}"
    path.touch(mode=0o600)
    path.write_text(spec + "\n")
    return spec


def parse_keys(spec: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in spec.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, secret = part.partition(":")
        if not kid or len(secret) < 32:
            raise ValueError("each JWT key must be 'kid:secret' with a secret of 32+ characters")
        keys[kid] = secret.encode()
        order.append(kid)
    if not order:
        raise ValueError("no JWT keys configured")
    return KeyRing(signing_kid=order[0], keys=keys)


@lru_cache
def get_keyring() -> KeyRing:
    settings = get_settings()
    spec = settings.jwt_keys or _load_or_create_keyfile(settings.data_dir / "jwt_keys")
    return parse_keys(spec)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    jti: str
    expires_at: dt.datetime


def issue_access_token(
    user_id: uuid.UUID, session_id: uuid.UUID, settings: Settings | None = None
) -> tuple[str, int]:
    settings = settings or get_settings()
    ring = get_keyring()
    now = dt.datetime.now(dt.UTC)
    ttl = settings.access_token_ttl_s
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": secrets.token_urlsafe(12),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + ttl,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    token = jwt.encode(
        claims, ring.keys[ring.signing_kid], algorithm=ALGORITHM, headers={"kid": ring.signing_kid}
    )
    return token, ttl


class InvalidToken(Exception):
    pass


# Tokens this process has verified, by their exact text: a client sends the same token with
# every request for its lifetime, and checking the signature and claims again each time was
# a tenth of a request's cost. Expiry is still checked on every use; the entries are
# dropped with the key ring (``get_keyring.cache_clear``) and bounded in number.
_VERIFIED: dict[tuple[str, str, str], tuple[AccessClaims, KeyRing]] = {}
_VERIFIED_MAX = 10_000


def verify_access_token(token: str, settings: Settings | None = None) -> AccessClaims:
    settings = settings or get_settings()
    ring = get_keyring()
    cache_key = (token, settings.jwt_audience, settings.jwt_issuer)
    hit = _VERIFIED.get(cache_key)
    if hit is not None and hit[1] is ring:
        if hit[0].expires_at <= dt.datetime.now(dt.UTC):
            raise InvalidToken("Signature has expired")
        return hit[0]
    claims = _verify(token, settings, ring)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[cache_key] = (claims, ring)
    return claims


def _verify(token: str, settings: Settings, ring: KeyRing) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    key = ring.keys.get(str(header.get("kid")))
    if key is None:
        raise InvalidToken("unknown key id")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "sid", "jti", "iat", "exp", "iss", "aud"]},
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            jti=claims["jti"],
            expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_opaque_token(prefix: str = "") -> str:
    """256 bits of randomness, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _successor_pad(raw: str) -> bytes:
    return hmac.new(raw.encode(), b"glucolens refresh successor v1", hashlib.sha256).digest()


def seal_successor(raw: str, successor: str) -> str:
    """Seal ``successor`` (a ``new_opaque_token()``) under a key derived from ``raw``.

    The key is an HMAC of the presented token, whose 256 random bits the server never stores,
    and each token seals exactly one successor, so the XOR is a one-time pad: the stored value
    reveals nothing without the old raw token."""
    body = base64.urlsafe_b64decode(successor + "=" * (-len(successor) % 4))
    sealed = bytes(a ^ b for a, b in zip(body, _successor_pad(raw), strict=True))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_successor(raw: str, sealed: str) -> str:
    body = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    plain = bytes(a ^ b for a, b in zip(body, _successor_pad(raw), strict=True))
    return base64.urlsafe_b64encode(plain).decode().rstrip("=")

"""Hand-made access tokens, good and bad, for the token and route-protection tests."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from typing import Any

import jwt

from glucolens.auth.tokens import ALGORITHM, get_keyring
from glucolens.core.config import get_settings


def claims_for(user_id: uuid.UUID, session_id: uuid.UUID, **override: Any) -> dict[str, Any]:
    settings = get_settings()
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": secrets.token_urlsafe(8),
        "iat": now,
        "exp": now + 300,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    claims.update(override)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict[str, Any], key: bytes | None = None, kid: str | None = None) -> str:
    ring = get_keyring()
    kid = kid or ring.signing_kid
    key = key if key is not None else ring.keys[ring.signing_kid]
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """An ``alg: none`` token: header and claims with an empty signature."""
    kid = get_keyring().signing_kid
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."


def bad_tokens(user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, str]:
    """Tokens that name a real user and session yet must all be refused."""
    now = int(time.time())
    return {
        "expired": sign(claims_for(user_id, session_id, iat=now - 3600, exp=now - 60)),
        "forged": sign(claims_for(user_id, session_id), key=secrets.token_bytes(48)),
        "wrong_audience": sign(claims_for(user_id, session_id, aud="someone-else")),
        "alg_none": unsigned(claims_for(user_id, session_id)),
    }

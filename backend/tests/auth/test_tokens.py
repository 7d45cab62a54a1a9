"""Access-token verification: every malformed or foreign token is a 401."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator

import jwt
import pytest
from sqlalchemy.orm import Session

from glucolens.auth.models import User, UserSession
from glucolens.auth.tokens import get_keyring, issue_access_token, verify_access_token
from tests.auth.conftest import AUTH, bearer
from tests.auth.jwt_factory import bad_tokens, claims_for, sign
from tests.conftest import clear_caches

ME = f"{AUTH}/me"
OLD = "old:" + "o" * 40
NEW = "new:" + "n" * 40


@pytest.fixture
def signed_in(make_user, db: Session) -> tuple[User, UserSession]:
    user = make_user()
    session = UserSession(user_id=user.id, device="pytest")
    db.add(session)
    db.commit()
    return user, session


@pytest.fixture
def use_keys() -> Iterator[Callable[[str], None]]:
    saved = os.environ.get("GLUCOLENS_JWT_KEYS")

    def use(spec: str) -> None:
        os.environ["GLUCOLENS_JWT_KEYS"] = spec
        clear_caches()
        get_keyring.cache_clear()

    yield use
    if saved is None:
        os.environ.pop("GLUCOLENS_JWT_KEYS", None)
    else:
        os.environ["GLUCOLENS_JWT_KEYS"] = saved
    clear_caches()
    get_keyring.cache_clear()


def status(client, token: str) -> int:
    return client.get(ME, headers=bearer(token)).status_code


def test_handmade_valid_token_is_accepted(client, signed_in):
    user, session = signed_in
    assert status(client, sign(claims_for(user.id, session.id))) == 200


def test_issued_access_token_lives_fifteen_minutes(signed_in):
    user, session = signed_in
    token, ttl = issue_access_token(user.id, session.id)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert ttl == 900 and claims["exp"] - claims["iat"] == 900
    assert verify_access_token(token).session_id == session.id


def test_missing_token_is_401(client):
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "abc"])
def test_malformed_authorization_header_is_401(client, header):
    assert client.get(ME, headers={"Authorization": header}).status_code == 401


@pytest.mark.parametrize("kind", ["expired", "forged", "wrong_audience", "alg_none"])
def test_bad_token_is_401(client, signed_in, kind):
    user, session = signed_in
    assert status(client, bad_tokens(user.id, session.id)[kind]) == 401


def test_wrong_issuer_is_401(client, signed_in):
    user, session = signed_in
    assert status(client, sign(claims_for(user.id, session.id, iss="evil"))) == 401


def test_unknown_kid_is_401(client, signed_in):
    user, session = signed_in
    token = sign(claims_for(user.id, session.id), key=secrets.token_bytes(48), kid="nope")
    assert status(client, token) == 401


def test_other_hmac_algorithm_with_right_key_is_401(client, signed_in):
    user, session = signed_in
    ring = get_keyring()
    token = jwt.encode(
        claims_for(user.id, session.id),
        ring.keys[ring.signing_kid],
        algorithm="HS512",
        headers={"kid": ring.signing_kid},
    )
    assert status(client, token) == 401


@pytest.mark.parametrize("claim", ["sub", "sid", "jti", "iat", "exp", "iss", "aud"])
def test_missing_required_claim_is_401(client, signed_in, claim):
    user, session = signed_in
    assert status(client, sign(claims_for(user.id, session.id, **{claim: None}))) == 401


def test_token_of_revoked_session_is_401(client, signed_in, db: Session):
    user, session = signed_in
    token = sign(claims_for(user.id, session.id))
    session.revoked_at = session.created_at
    db.commit()
    assert status(client, token) == 401


def test_token_for_someone_elses_session_is_401(client, signed_in, make_user):
    _, session = signed_in
    intruder = make_user()
    assert status(client, sign(claims_for(intruder.id, session.id))) == 401


def test_not_yet_valid_or_garbage_subject_is_401(client, signed_in):
    user, session = signed_in
    assert status(client, sign(claims_for(user.id, session.id, sub="not-a-uuid"))) == 401
    future = int(time.time()) + 3600
    token = sign(claims_for(user.id, session.id, nbf=future))
    assert status(client, token) == 401


def test_old_kid_verifies_while_in_ring(client, signed_in, use_keys):
    user, session = signed_in
    use_keys(OLD)
    old_token, _ = issue_access_token(user.id, session.id)
    use_keys(f"{NEW},{OLD}")  # rotate: the new key signs, the old one still verifies
    new_token, _ = issue_access_token(user.id, session.id)
    assert jwt.get_unverified_header(new_token)["kid"] == "new"
    assert status(client, old_token) == 200
    assert status(client, new_token) == 200
    use_keys(NEW)  # the old key retired
    assert status(client, old_token) == 401
    assert status(client, new_token) == 200

"""The per-process cache of who a token belongs to (auth/session_cache) never outlives what
it caches: a revoked session, a changed profile, a deleted account or new data take effect on
the very next request, while repeated requests with a live session need no query."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import event, update

from glucolens.auth.models import User, UserSession
from glucolens.auth.session_cache import AuthSnapshot, SessionCache, session_cache
from glucolens.core.db import get_engine, get_sessionmaker


@pytest.fixture
def user_token(make_user, auth_headers):
    return auth_headers(make_user())["Authorization"].removeprefix("Bearer ")


def _me(client, token):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def _count_queries():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", record)
    return seen, lambda: event.remove(get_engine(), "before_cursor_execute", record)


def test_a_cached_session_needs_no_query(client, user_token):
    assert _me(client, user_token).status_code == 200
    seen, stop = _count_queries()
    try:
        for _ in range(5):
            assert _me(client, user_token).status_code == 200
    finally:
        stop()
    assert [s for s in seen if "user_sessions" in s] == []


def test_revoking_a_cached_session_takes_effect_on_the_next_request(client, user_token):
    assert _me(client, user_token).status_code == 200  # now cached
    with get_sessionmaker()() as db:  # as another process or a job would: straight to the DB
        db.execute(update(UserSession).values(revoked_at=dt.datetime.now(dt.UTC)))
        db.commit()
    r = _me(client, user_token)
    assert r.status_code == 401, r.text


def test_sign_out_ends_the_cached_session(client, user_token):
    headers = {"Authorization": f"Bearer {user_token}"}
    assert _me(client, user_token).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code in (200, 204)
    assert _me(client, user_token).status_code == 401


def test_a_profile_change_shows_on_the_next_request(client, user_token):
    assert _me(client, user_token).json()["unit"] == "mg/dL"
    with get_sessionmaker()() as db:
        user = db.query(User).one()
        user.unit = "mmol/L"
        db.commit()
    assert _me(client, user_token).json()["unit"] == "mmol/L"


def test_a_deleted_account_is_refused_at_once(client, user_token):
    assert _me(client, user_token).status_code == 200
    with get_sessionmaker()() as db:
        db.query(UserSession).delete()
        db.query(User).delete()
        db.commit()
    assert _me(client, user_token).status_code == 401


def test_new_data_misses_the_cached_dashboard_summary(client, user_token):
    headers = {"Authorization": f"Bearer {user_token}"}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = client.get("/api/v1/dashboard/summary?days=1", headers=headers).json()
    body = {"timestamp": (now - dt.timedelta(minutes=10)).isoformat(), "value": 150}
    assert client.post("/api/v1/glucose", json=body, headers=headers).status_code == 201
    second = client.get("/api/v1/dashboard/summary?days=1", headers=headers).json()
    assert first != second


def _snapshot(user_id: uuid.UUID) -> AuthSnapshot:
    now = dt.datetime.now(dt.UTC)
    return AuthSnapshot(
        id=user_id,
        email="a@example.org",
        display_name=None,
        timezone="UTC",
        unit="mg/dL",
        target_low_mgdl=70.0,
        target_high_mgdl=180.0,
        is_active=True,
        created_at=now,
        updated_at=now,
        data_changed_at=None,
    )


def test_a_read_that_raced_an_invalidation_is_not_stored():
    cache = SessionCache()
    user, session = uuid.uuid4(), uuid.uuid4()
    token = cache.fill_token(user)  # a request starts reading the database...
    cache.invalidate({user})  # ...while a commit changes the user
    cache.put(session, _snapshot(user), token)
    assert cache.get(session) is None
    cache.put(session, _snapshot(user), cache.fill_token(user))
    assert cache.get(session) is not None
    cache.invalidate(None)
    assert cache.get(session) is None


def test_without_redis_the_cache_is_off_when_several_workers_serve(monkeypatch):
    from glucolens.core.config import get_settings

    if get_settings().redis_url:
        monkeypatch.setattr(session_cache, "listening", False)
        assert session_cache.enabled() is False  # Redis configured but not heard: off
        return
    monkeypatch.setenv("GLUCOLENS_SERVE_WORKERS", "2")
    assert session_cache.enabled() is False
    monkeypatch.setenv("GLUCOLENS_SERVE_WORKERS", "1")
    assert session_cache.enabled() is True


def test_a_verified_token_is_still_refused_once_it_expires():
    import dataclasses

    from glucolens.auth import tokens

    user, session = uuid.uuid4(), uuid.uuid4()
    raw, _ = tokens.issue_access_token(user, session)
    claims = tokens.verify_access_token(raw)
    assert tokens.verify_access_token(raw) == claims  # the second check is a cache hit
    key = next(k for k in tokens._VERIFIED if k[0] == raw)
    expired = dataclasses.replace(claims, expires_at=dt.datetime.now(dt.UTC))
    tokens._VERIFIED[key] = (expired, tokens._VERIFIED[key][1])
    with pytest.raises(tokens.InvalidToken):
        tokens.verify_access_token(raw)

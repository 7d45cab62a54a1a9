"""Refresh-token rotation, reuse detection, cookies with CSRF, and logout."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from glucolens.auth.models import RefreshToken, UserSession
from glucolens.auth.tokens import hash_token
from tests.auth.conftest import AUTH, bearer, set_cookie_headers

REFRESH = f"{AUTH}/refresh"
LOGOUT = f"{AUTH}/logout"


def refresh_body(client, token, **extra):
    return client.post(REFRESH, json={"refresh_token": token, **extra})


def csrf_headers(client):
    return {"X-CSRF-Token": client.cookies["glucolens_csrf"]}


def test_refresh_rotates_token(client, make_user, login):
    first = login(make_user().email).json()
    r = refresh_body(client, first["refresh_token"])
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(f"{AUTH}/me", headers=bearer(second["access_token"])).status_code == 200


def test_refresh_token_stored_only_as_hash(client, make_user, login, db: Session):
    token = login(make_user().email).json()["refresh_token"]
    hashes = set(db.scalars(select(RefreshToken.token_hash)))
    assert hashes == {hash_token(token)}
    assert token not in hashes


def past_grace(db: Session) -> None:
    """Move every rotation back past the reuse grace window."""
    for token in db.scalars(select(RefreshToken).where(RefreshToken.rotated_at.is_not(None))):
        token.rotated_at -= dt.timedelta(minutes=5)
    db.commit()


def test_refresh_token_reuse_revokes_family(client, make_user, login, db: Session):
    first = login(make_user().email).json()
    second = refresh_body(client, first["refresh_token"]).json()
    past_grace(db)
    reuse = refresh_body(client, first["refresh_token"])
    assert reuse.status_code == 401
    # The sibling issued by the legitimate rotation dies with the family...
    assert refresh_body(client, second["refresh_token"]).status_code == 401
    # ...and so do the session's access tokens.
    assert client.get(f"{AUTH}/me", headers=bearer(second["access_token"])).status_code == 401


def test_refresh_token_reuse_spares_other_sessions(client, make_user, login, db: Session):
    user = make_user()
    victim = login(user.email).json()
    other = login(user.email).json()
    refresh_body(client, victim["refresh_token"])
    past_grace(db)
    assert refresh_body(client, victim["refresh_token"]).status_code == 401
    assert refresh_body(client, other["refresh_token"]).status_code == 200


def test_reuse_marks_session_revoked_with_reason(client, make_user, login, db: Session):
    token = login(make_user().email).json()["refresh_token"]
    refresh_body(client, token)
    past_grace(db)
    refresh_body(client, token)
    session = db.scalars(select(UserSession)).one()
    assert session.revoked_at is not None
    assert session.revoked_reason == "refresh_token_reuse"
    assert all(t.revoked_at is not None for t in db.scalars(select(RefreshToken)))


def test_expired_refresh_token_is_refused(client, make_user, login, db: Session):
    token = login(make_user().email).json()["refresh_token"]
    db.execute(
        update(RefreshToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    db.commit()
    assert refresh_body(client, token).status_code == 401


def test_refresh_token_lives_thirty_days(client, make_user, login, db: Session):
    login(make_user().email)
    token = db.scalars(select(RefreshToken)).one()
    lifetime = token.expires_at - token.created_at
    assert dt.timedelta(days=29, hours=23) < lifetime <= dt.timedelta(days=30)


def test_unknown_or_missing_refresh_token_is_401(client):
    assert refresh_body(client, "not-a-real-token").status_code == 401
    assert client.post(REFRESH).status_code == 401


def test_cookie_refresh_with_csrf_header_rotates(client, make_user, login):
    login(make_user().email)
    old_cookie = client.cookies["__Host-glucolens_refresh"]
    r = client.post(REFRESH, headers=csrf_headers(client))
    assert r.status_code == 200
    new_cookie = client.cookies["__Host-glucolens_refresh"]
    assert new_cookie != old_cookie
    assert "glucolens_csrf" in set_cookie_headers(r)
    # The rotated token lives only in the httpOnly cookie: page scripts never see it.
    assert r.json()["refresh_token"] is None
    assert new_cookie not in r.text
    assert client.post(REFRESH, headers=csrf_headers(client)).status_code == 200


def test_body_refresh_returns_the_new_token_in_the_body(client, make_user, login):
    first = login(make_user().email).json()
    client.cookies.clear()
    r = refresh_body(client, first["refresh_token"])
    assert r.status_code == 200
    assert r.json()["refresh_token"] not in (None, first["refresh_token"])


def test_cookie_refresh_without_csrf_header_is_403(client, make_user, login):
    login(make_user().email)
    r = client.post(REFRESH)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


def test_cookie_refresh_with_wrong_csrf_header_is_403(client, make_user, login):
    login(make_user().email)
    assert client.post(REFRESH, headers={"X-CSRF-Token": "guess"}).status_code == 403


def test_body_refresh_needs_no_csrf(client, make_user, login):
    token = login(make_user().email).json()["refresh_token"]
    client.cookies.clear()
    assert refresh_body(client, token).status_code == 200


def test_refresh_updates_session_last_seen_ip_and_device(client, make_user, login, db: Session):
    token = login(make_user().email, device="old phone").json()["refresh_token"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    db.execute(update(UserSession).values(last_seen_at=past, ip="10.0.0.1"))
    db.commit()
    assert refresh_body(client, token, device="new phone").status_code == 200
    db.expire_all()
    session = db.scalars(select(UserSession)).one()
    assert session.last_seen_at > past + dt.timedelta(days=1)
    assert session.ip == "testclient"
    assert session.device == "new phone"


def test_cookie_logout_with_csrf_ends_session_and_clears_cookies(client, make_user, login):
    pair = login(make_user().email).json()
    r = client.post(LOGOUT, headers=csrf_headers(client))
    assert r.status_code == 204
    cleared = set_cookie_headers(r)
    for name in ("__Host-glucolens_refresh", "glucolens_csrf"):
        assert "max-age=0" in cleared[name].lower() or "expires=" in cleared[name].lower()
    assert "__Host-glucolens_refresh" not in client.cookies
    assert refresh_body(client, pair["refresh_token"]).status_code == 401
    assert client.get(f"{AUTH}/me", headers=bearer(pair["access_token"])).status_code == 401


def test_cookie_logout_without_csrf_is_403(client, make_user, login):
    pair = login(make_user().email).json()
    assert client.post(LOGOUT).status_code == 403
    assert client.post(LOGOUT, headers=bearer(pair["access_token"])).status_code == 403
    assert refresh_body(client, pair["refresh_token"]).status_code == 200


def test_native_logout_with_body_token(client, make_user, login):
    pair = login(make_user().email).json()
    client.cookies.clear()
    r = client.post(LOGOUT, json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 204
    assert refresh_body(client, pair["refresh_token"]).status_code == 401


def test_logout_with_access_token_only(client, make_user, login):
    pair = login(make_user().email).json()
    client.cookies.clear()
    assert client.post(LOGOUT, headers=bearer(pair["access_token"])).status_code == 204
    assert client.get(f"{AUTH}/me", headers=bearer(pair["access_token"])).status_code == 401
    assert refresh_body(client, pair["refresh_token"]).status_code == 401


def test_logout_without_any_credential_is_401(client):
    assert client.post(LOGOUT).status_code == 401
    assert client.post(LOGOUT, json={"refresh_token": "unknown"}).status_code == 401


def test_logout_all_ends_every_session(client, make_user, login):
    user = make_user()
    one = login(user.email).json()
    two = login(user.email).json()
    r = client.post(f"{AUTH}/logout-all", headers=bearer(one["access_token"]))
    assert r.status_code == 204
    for pair in (one, two):
        assert client.get(f"{AUTH}/me", headers=bearer(pair["access_token"])).status_code == 401
        assert refresh_body(client, pair["refresh_token"]).status_code == 401


def test_reuse_within_grace_returns_the_same_successor(client, make_user, login, db: Session):
    """Two tabs reloading at once present the same refresh token: both stay signed in."""
    first = login(make_user().email).json()
    tab1 = refresh_body(client, first["refresh_token"])
    tab2 = refresh_body(client, first["refresh_token"])
    assert tab1.status_code == tab2.status_code == 200
    assert tab1.json()["refresh_token"] == tab2.json()["refresh_token"]
    for tab in (tab1, tab2):
        me = client.get(f"{AUTH}/me", headers=bearer(tab.json()["access_token"]))
        assert me.status_code == 200
    assert db.scalars(select(UserSession)).one().revoked_at is None
    # The shared successor rotates normally afterwards.
    assert refresh_body(client, tab1.json()["refresh_token"]).status_code == 200


def test_concurrent_refreshes_of_one_token_all_succeed(app, make_user, login):
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    token = login(make_user().email).json()["refresh_token"]

    def use(_: int) -> tuple[int, str]:
        with TestClient(app, base_url="https://testserver") as c:
            r = c.post(REFRESH, json={"refresh_token": token})
            return r.status_code, r.json().get("refresh_token", "")

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(use, range(3)))
    assert [status for status, _ in results] == [200, 200, 200]
    assert len({successor for _, successor in results}) == 1


def test_successor_is_stored_sealed_not_in_clear(client, make_user, login, db: Session):
    first = login(make_user().email).json()
    second = refresh_body(client, first["refresh_token"]).json()["refresh_token"]
    sealed = db.scalars(
        select(RefreshToken.successor_sealed).where(
            RefreshToken.token_hash == hash_token(first["refresh_token"])
        )
    ).one()
    assert sealed and sealed != second and second not in sealed


def test_grace_window_is_configurable_and_zero_disables_it(client, make_user, login, monkeypatch):
    from glucolens.core.config import get_settings

    monkeypatch.setenv("GLUCOLENS_REFRESH_GRACE_S", "0")
    get_settings.cache_clear()
    first = login(make_user().email).json()
    assert refresh_body(client, first["refresh_token"]).status_code == 200
    assert refresh_body(client, first["refresh_token"]).status_code == 401

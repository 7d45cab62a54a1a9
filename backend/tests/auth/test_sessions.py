"""Listing and ending signed-in sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update
from sqlalchemy.orm import Session

from glucolens.auth.models import UserSession
from tests.auth.conftest import AUTH, bearer

SESSIONS = f"{AUTH}/sessions"


def test_sessions_list_devices_and_flags_current(client, make_user, login):
    user = make_user()
    phone = login(user.email, device="phone").json()
    login(user.email, device="laptop")
    r = client.get(SESSIONS, headers=bearer(phone["access_token"]))
    assert r.status_code == 200
    rows = r.json()
    assert {s["device"] for s in rows} == {"phone", "laptop"}
    assert [s["device"] for s in rows if s["current"]] == ["phone"]
    for s in rows:
        assert s["ip"] == "testclient"
        assert set(s) == {"id", "device", "ip", "created_at", "last_seen_at", "current"}


def test_deleting_a_session_ends_its_tokens(client, make_user, login):
    user = make_user()
    mine = login(user.email, device="phone").json()
    other = login(user.email, device="laptop").json()
    headers = bearer(mine["access_token"])
    other_id = next(
        s["id"] for s in client.get(SESSIONS, headers=headers).json() if not s["current"]
    )
    assert client.delete(f"{SESSIONS}/{other_id}", headers=headers).status_code == 204
    assert client.get(f"{AUTH}/me", headers=bearer(other["access_token"])).status_code == 401
    client.cookies.clear()
    refresh = client.post(f"{AUTH}/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert [s["device"] for s in client.get(SESSIONS, headers=headers).json()] == ["phone"]


def test_deleting_the_current_session_signs_out(client, make_user, login):
    pair = login(make_user().email).json()
    headers = bearer(pair["access_token"])
    current = client.get(SESSIONS, headers=headers).json()[0]["id"]
    assert client.delete(f"{SESSIONS}/{current}", headers=headers).status_code == 204
    assert client.get(SESSIONS, headers=headers).status_code == 401


def test_another_users_session_is_not_found(client, make_user, login, auth_headers):
    alice = login(make_user().email).json()
    alice_session = client.get(SESSIONS, headers=bearer(alice["access_token"])).json()[0]["id"]
    bob = auth_headers(make_user())
    assert client.delete(f"{SESSIONS}/{alice_session}", headers=bob).status_code == 404
    assert client.get(f"{AUTH}/me", headers=bearer(alice["access_token"])).status_code == 200
    assert all(s["id"] != alice_session for s in client.get(SESSIONS, headers=bob).json())


def test_unknown_or_revoked_session_is_not_found(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    assert client.delete(f"{SESSIONS}/{uuid.uuid4()}", headers=headers).status_code == 404
    other = auth_headers(user)  # a second session of the same user
    other_id = next(
        s["id"] for s in client.get(SESSIONS, headers=headers).json() if not s["current"]
    )
    assert client.delete(f"{SESSIONS}/{other_id}", headers=headers).status_code == 204
    assert client.delete(f"{SESSIONS}/{other_id}", headers=headers).status_code == 404
    assert client.get(f"{AUTH}/me", headers=other).status_code == 401


def test_sessions_unseen_past_refresh_lifetime_are_not_listed(
    client, make_user, auth_headers, db: Session
):
    user = make_user()
    stale = auth_headers(user)
    db.execute(
        update(UserSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    )
    db.commit()
    fresh = auth_headers(user)
    assert stale  # its access token would be long expired in real life
    assert len(client.get(SESSIONS, headers=fresh).json()) == 1


def test_malformed_session_id_is_422(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert client.delete(f"{SESSIONS}/not-a-uuid", headers=headers).status_code == 422

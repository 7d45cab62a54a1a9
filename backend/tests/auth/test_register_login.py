"""Registration, sign-in, /me and /profile."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth import service
from glucolens.auth.models import User, UserSession
from glucolens.auth.passwords import dummy_hash
from tests.auth.conftest import AUTH, bearer, set_cookie_headers
from tests.conftest import TEST_PASSWORD

GOOD_PASSWORD = "plum orchard at dusk 42"


def register(client, email="New.User@Example.org", password=GOOD_PASSWORD, **extra):
    return client.post(f"{AUTH}/register", json={"email": email, "password": password, **extra})


def test_register_creates_account_with_defaults(client, db: Session):
    r = register(client, display_name="Ana", timezone="Europe/Lisbon", unit="mmol/L")
    assert r.status_code == 201
    body = r.json()
    assert body["email"] == "new.user@example.org"
    assert body["display_name"] == "Ana"
    assert body["timezone"] == "Europe/Lisbon"
    assert body["unit"] == "mmol/L"
    assert (body["target_low_mgdl"], body["target_high_mgdl"]) == (70.0, 180.0)
    assert "password" not in r.text and "password_hash" not in body
    stored = db.scalar(select(User).where(User.email == "new.user@example.org"))
    assert stored is not None and stored.password_hash.startswith("$argon2id$")


def test_register_rejects_short_password(client):
    r = register(client, password="short1!")
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "password"


def test_register_rejects_common_passwords(client):
    for common in ("qwertyuiop", "Password1234", "1q2w3e4r5t6y", "glucose2024"):
        r = register(client, password=common)
        assert r.status_code == 422, common
        assert "common" in r.json()["error"]["message"]


def test_register_rejects_password_equal_to_email(client):
    email = "longaddress@example.org"
    assert register(client, email=email, password=email.upper()).status_code == 422
    assert register(client, email=email, password="longaddress").status_code == 422


def test_register_rejects_unknown_time_zone(client):
    r = register(client, timezone="Mars/Olympus_Mons")
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "timezone"


def test_register_existing_email_gives_generic_conflict(client, make_user):
    make_user(email="taken@example.org")
    r = register(client, email="TAKEN@example.org")
    assert r.status_code == 409
    message = r.json()["error"]["message"]
    assert "taken@example.org" not in message.lower()
    assert message == service.REGISTER_CONFLICT


def test_login_returns_token_pair_and_sets_cookies(client, make_user, login):
    user = make_user(email="ana@example.org")
    r = login("Ana@Example.org")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert len(body["refresh_token"]) >= 43  # 256 bits, base64url
    assert body["user"]["id"] == str(user.id)
    cookies = set_cookie_headers(r)
    refresh = cookies["__Host-glucolens_refresh"].lower()
    for attribute in ("httponly", "secure", "samesite=strict", "path=/"):
        assert attribute in refresh
    assert "domain" not in refresh
    csrf = cookies["glucolens_csrf"].lower()
    assert "secure" in csrf and "samesite=strict" in csrf and "path=/" in csrf
    assert "httponly" not in csrf
    assert client.get(f"{AUTH}/me", headers=bearer(body["access_token"])).status_code == 200


def test_wrong_password_and_unknown_email_answer_alike(client, make_user, login):
    make_user(email="ana@example.org")
    wrong = login("ana@example.org", "not the right password")
    unknown = login("nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers.get("www-authenticate") == unknown.headers.get("www-authenticate")


def test_login_unknown_email_verifies_against_dummy_hash(client, login, monkeypatch):
    seen: list[str] = []
    real = service.verify_password

    def spy(password: str, password_hash: str):
        seen.append(password_hash)
        return real(password, password_hash)

    monkeypatch.setattr(service, "verify_password", spy)
    assert login("nobody@example.org", "whatever password").status_code == 401
    assert seen == [dummy_hash()]


def test_login_records_device_and_ip(client, make_user, login, db: Session):
    user = make_user()
    assert login(user.email, device="Ana's iPhone").status_code == 200
    client.headers["User-Agent"] = "Firefox/140"
    assert login(user.email).status_code == 200
    devices = set(db.scalars(select(UserSession.device).where(UserSession.user_id == user.id)))
    ips = set(db.scalars(select(UserSession.ip).where(UserSession.user_id == user.id)))
    assert devices == {"Ana's iPhone", "Firefox/140"}
    assert ips == {"testclient"}


def test_login_rehashes_outdated_password_hash(client, make_user, login, db: Session):
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024),)).hash(TEST_PASSWORD)
    user = make_user()
    user.password_hash = weak
    db.commit()
    assert login(user.email).status_code == 200
    db.expire_all()
    assert db.get(User, user.id).password_hash != weak


def test_me_returns_the_caller(client, make_user, auth_headers):
    user = make_user(display_name="Bo")
    r = client.get(f"{AUTH}/me", headers=auth_headers(user))
    assert r.status_code == 200
    assert r.json()["email"] == user.email and r.json()["display_name"] == "Bo"


def test_profile_update_changes_only_given_fields(client, make_user, auth_headers):
    user = make_user(display_name="Bo")
    headers = auth_headers(user)
    r = client.put(
        f"{AUTH}/profile",
        json={"timezone": "America/New_York", "unit": "mmol/L", "target_low_mgdl": 80},
        headers=headers,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["timezone"] == "America/New_York" and body["unit"] == "mmol/L"
    assert (body["target_low_mgdl"], body["target_high_mgdl"]) == (80, 180)
    assert body["display_name"] == "Bo"


def test_profile_rejects_unknown_time_zone_and_unit(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert (
        client.put(
            f"{AUTH}/profile", json={"timezone": "Nowhere/Else"}, headers=headers
        ).status_code
        == 422
    )
    assert client.put(f"{AUTH}/profile", json={"unit": "mg"}, headers=headers).status_code == 422


def test_profile_rejects_bad_target_ranges(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    for targets in (
        {"target_low_mgdl": 49},
        {"target_high_mgdl": 301},
        {"target_low_mgdl": 120, "target_high_mgdl": 120},
        {"target_low_mgdl": 190},  # above the stored high of 180
    ):
        r = client.put(f"{AUTH}/profile", json=targets, headers=headers)
        assert r.status_code == 422, targets
    me = client.get(f"{AUTH}/me", headers=headers).json()
    assert (me["target_low_mgdl"], me["target_high_mgdl"]) == (70, 180)


def test_profile_accepts_range_edges(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    r = client.put(
        f"{AUTH}/profile", json={"target_low_mgdl": 50, "target_high_mgdl": 300}, headers=headers
    )
    assert r.status_code == 200
    assert (r.json()["target_low_mgdl"], r.json()["target_high_mgdl"]) == (50, 300)
